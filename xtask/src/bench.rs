//! `cargo xtask bench`: the speed figures, natively and in the browser. Benchmarks, not tests:
//! they print numbers and fail only when something cannot run.

use crate::http::StaticServer;
use crate::tools::{self, run};
use crate::webdriver::Driver;
use std::time::Duration;

/// Native benchmarks (`cargo bench`), then the release build's `?bench` mode in headless Chromium
/// (the soak on the page's thread, the reference-model checker in the checker's web worker).
/// `--browser-only` skips the native benchmarks.
pub fn bench(args: &[String]) -> Result<(), String> {
    let tools = tools::ensure_all(true)?;
    if !args.iter().any(|a| a == "--browser-only") {
        run(
            "cargo",
            &["bench", "-p", "exactly-once-core", "--bench", "soak"],
        )?;
        run(
            "cargo",
            &["bench", "-p", "exactly-once-core", "--bench", "checker"],
        )?;
    }
    let dist = crate::steps::bench_build(crate::e2e::PUBLIC_URL)?;
    let (Some(chromium), Some(chromedriver)) = (tools.chromium, tools.chromedriver) else {
        return Err("Chromium and chromedriver are needed".into());
    };
    let server = StaticServer::start(&dist, crate::e2e::PUBLIC_URL)?;
    let driver = Driver::start(&chromedriver)?;
    let session = driver.session(&chromium, 1366, 768)?;
    session.navigate(&format!("{}?bench", server.url(crate::e2e::PUBLIC_URL)))?;
    let text = session.wait_for(
        "the browser benchmark to finish",
        "var r = document.getElementById('bench-result'); return r ? r.textContent : null;",
        Duration::from_secs(300),
    )?;
    let result: serde_json::Value = serde_json::from_str(text.as_str().unwrap_or(""))
        .map_err(|e| format!("bad result: {e}"))?;
    let soak = &result["soak"];
    let checker = &result["checker"];
    println!(
        "browser soak: {} commands, {} handler steps, best of rounds {} s: {:.3} s: {:.0} handler steps per second (first round {:.0})",
        soak["commands"],
        soak["handler_steps"],
        soak["rounds_seconds"],
        soak["seconds"].as_f64().unwrap_or(0.0),
        soak["handler_steps_per_second"].as_f64().unwrap_or(0.0),
        soak["first_round_handler_steps_per_second"].as_f64().unwrap_or(0.0)
    );
    if let Some(error) = checker["error"].as_str() {
        return Err(format!("the browser checker benchmark failed: {error}"));
    }
    println!(
        "browser checker ({}): {}: {} distinct states, depth {}, {:.3} s: {:.0} distinct states per second, {} bytes per distinct state",
        checker["where"].as_str().unwrap_or("?"),
        checker["model"],
        checker["distinct_states"],
        checker["depth"],
        checker["seconds"].as_f64().unwrap_or(0.0),
        checker["distinct_states_per_second"].as_f64().unwrap_or(0.0),
        checker["bytes_per_distinct_state"]
    );
    // Frame timings depend on whatever else the machine runs: several rounds, each printed.
    for round in 1..=FRAME_ROUNDS {
        let computing = frames_while_computing(&session, &server)?;
        println!("round {round}: {computing}");
    }
    for round in 1..=FRAME_ROUNDS {
        let playing = frames_with_messages_in_flight(&session, &server)?;
        println!("round {round}: {playing}");
    }
    Ok(())
}

/// Rounds of each frame measurement.
const FRAME_ROUNDS: u32 = 3;

/// The playground is on the page and its run is computed.
const READY: &str = "var m = document.querySelector('[data-testid=playground]'); return m && m.dataset.ready === 'true' && !document.querySelector('[data-testid=computing]');";

/// Records requestAnimationFrame timestamps in `window.__frames` until `__stopFrames` is set.
/// Also keeps the browser's long-animation-frame entries (over 50 ms) with the scripts that ran in
/// them, to say where a long frame went.
const RECORD_FRAMES: &str = "window.__frames = []; window.__stopFrames = false; window.__loaf = []; window.__onLoaf = function (l) { l.forEach(function (e) { window.__loaf.push(Math.round(e.duration) + 'ms@' + Math.round(e.startTime - window.__frames[0]) + '[' + e.scripts.map(function (s) { return s.invoker + ' ' + Math.round(s.duration) + 'ms'; }).join(', ') + ']'); }); }; try { window.__obs = new PerformanceObserver(function (l) { window.__onLoaf(l.getEntries()); }); window.__obs.observe({ type: 'long-animation-frame' }); } catch (e) {} (function loop(t) { window.__frames.push(t); if (!window.__stopFrames) requestAnimationFrame(loop); })(performance.now()); return true;";

/// Stops the recording; returns the frame gaps in ms and the recording's length in seconds.
const FRAME_GAPS: &str = "window.__stopFrames = true; if (window.__obs) { window.__onLoaf(window.__obs.takeRecords()); window.__obs.disconnect(); } var f = window.__frames, g = []; for (var i = 1; i < f.length; i++) g.push(f[i] - f[i - 1]); return { gaps: g, seconds: (f[f.length - 1] - f[0]) / 1000, starts: f.slice(0, -1).map(function (t) { return t - f[0]; }), loaf: window.__loaf.join(' ') };";

/// Frame statistics from the recorded gaps: (frames, seconds, mean fps, p95 ms, p99 ms, max ms,
/// gaps over 50 ms, the long gaps as "length@start").
struct FrameStats {
    frames: usize,
    seconds: f64,
    fps: f64,
    p95: f64,
    p99: f64,
    max: f64,
    over_50: usize,
    long: String,
    /// The browser's long animation frames, with the scripts that ran in them.
    loaf: String,
}

fn frame_stats(v: &serde_json::Value) -> FrameStats {
    let (gaps, starts) = (column(v, "gaps"), column(v, "starts"));
    let seconds = v["seconds"].as_f64().unwrap_or(0.0);
    let mut sorted = gaps.clone();
    sorted.sort_by(f64::total_cmp);
    let pct = |p: f64| -> f64 {
        if sorted.is_empty() {
            return 0.0;
        }
        let i = ((sorted.len() as f64 * p).ceil() as usize).clamp(1, sorted.len()) - 1;
        sorted[i]
    };
    let long: Vec<String> = gaps
        .iter()
        .zip(starts.iter().chain(std::iter::repeat(&0.0)))
        .filter(|(g, _)| **g > 50.0)
        .map(|(g, t)| format!("{g:.0}ms@{:.0}", t))
        .collect();
    FrameStats {
        frames: gaps.len(),
        seconds,
        fps: if seconds > 0.0 {
            gaps.len() as f64 / seconds
        } else {
            0.0
        },
        p95: pct(0.95),
        p99: pct(0.99),
        max: sorted.last().copied().unwrap_or(0.0),
        over_50: long.len(),
        long: long.join(" "),
        loaf: v["loaf"].as_str().unwrap_or("").to_string(),
    }
}

/// One array of numbers of the recording (`gaps`, `starts`).
fn column(v: &serde_json::Value, key: &str) -> Vec<f64> {
    v[key]
        .as_array()
        .map(|a| a.iter().filter_map(serde_json::Value::as_f64).collect())
        .unwrap_or_default()
}

/// The recorded frame gaps split at `from_ms` (relative to the first frame): those ending after
/// it, then those ending at or before it.
fn split_gaps(v: &serde_json::Value, from_ms: f64) -> (Vec<f64>, Vec<f64>) {
    let (gaps, starts) = (column(v, "gaps"), column(v, "starts"));
    let mut after = Vec::new();
    let mut before = Vec::new();
    for (gap, start) in gaps.into_iter().zip(starts) {
        if start + gap > from_ms {
            after.push(gap);
        } else {
            before.push(gap);
        }
    }
    (after, before)
}

/// Issue #4's frame-time bar: the 10,000-command soak (`?soak=10000`) computed in the page while
/// requestAnimationFrame timings are recorded, from the page's start to the run being shown.
fn frames_while_computing(
    session: &crate::webdriver::Session<'_>,
    server: &StaticServer,
) -> Result<String, String> {
    session.navigate(&format!(
        "{}?soak=10000",
        server.url(crate::e2e::PUBLIC_URL)
    ))?;
    session.execute(RECORD_FRAMES, serde_json::json!([]))?;
    session.wait_for("the soak to be computed", READY, Duration::from_secs(300))?;
    // The first frames showing the finished run count too.
    std::thread::sleep(Duration::from_secs(1));
    let events = session.execute(
        "return document.querySelector('[data-testid=playground]').dataset.events;",
        serde_json::json!([]),
    )?;
    let gaps = session.execute(FRAME_GAPS, serde_json::json!([]))?;
    let st = frame_stats(&gaps);
    // The bar is about computing: the frames from the first compute slice on (the page's own
    // User Timing mark) are reported apart from the page's start-up (wasm compile, first render),
    // which the recording may or may not catch depending on when the navigation returned.
    let first_slice_ms = session
        .execute(
            "var s = performance.getEntriesByName('eop-slice'); return s.length ? s[0].startTime - window.__frames[0] : null;",
            serde_json::json!([]),
        )?
        .as_f64();
    let split = match first_slice_ms {
        Some(from) => {
            let (computing, starting) = split_gaps(&gaps, from);
            format!(
                "from the first compute slice on: longest frame {:.0} ms, {} frames over 50 ms; before it (the page starting): longest frame {:.0} ms",
                computing.iter().copied().fold(0.0, f64::max),
                computing.iter().filter(|g| **g > 50.0).count(),
                starting.iter().copied().fold(0.0, f64::max),
            )
        }
        None => "no compute slice was marked".to_string(),
    };
    // The page's own User Timing measures: its compute slices, finishing the run, showing it.
    let timing = session.execute(
        "function d(n) { return performance.getEntriesByName(n).map(function (e) { return e.duration; }).sort(function (a, b) { return b - a; }); } var all = performance.getEntriesByName('eop-slice'); var t0 = all.length ? all[0].startTime : 0; var s = all.slice().sort(function (a, b) { return b.duration - a.duration; }); return 'slices: ' + s.length + ' from ' + Math.round(t0 - window.__frames[0]) + ' ms to ' + Math.round(all.length ? all[all.length - 1].startTime - window.__frames[0] : 0) + ' ms, longest ' + s.slice(0, 5).map(function (e) { return Math.round(e.duration) + 'ms@' + Math.round(e.startTime - window.__frames[0]) + '#' + all.indexOf(e); }).join(' ') + '; finishing ' + d('eop-finish').map(Math.round).join('/') + ' ms; showing the run ' + d('eop-show').map(Math.round).join('/') + ' ms';",
        serde_json::json!([]),
    )?;
    Ok(format!(
        "browser frames while computing the 10,000-command soak ({} events): {} frames in {:.1} s, \
         longest frame {:.0} ms, p95 {:.1} ms, p99 {:.1} ms, {} frames over 50 ms {}; {split}; long animation frames: {}; page timing: {}",
        events.as_str().unwrap_or("?"),
        st.frames,
        st.seconds,
        st.max,
        st.p95,
        st.p99,
        st.over_50,
        st.long,
        st.loaf,
        timing.as_str().unwrap_or("")
    ))
}

/// Issue #4's frame-rate bar: the burst of 500 messages in flight (`?flight=500`, the core's
/// `workloads::in_flight`) played at 20x in the topology view for five seconds.
fn frames_with_messages_in_flight(
    session: &crate::webdriver::Session<'_>,
    server: &StaticServer,
) -> Result<String, String> {
    session.navigate(&format!(
        "{}?flight=500",
        server.url(crate::e2e::PUBLIC_URL)
    ))?;
    session.wait_for("the burst to be computed", READY, Duration::from_secs(60))?;
    let in_flight = session.execute(
        "var t = document.querySelector('[data-endpoint=Orders] .queue-box text'); return t ? t.textContent : null;",
        serde_json::json!([]),
    )?;
    let drawn_before = session.execute(
        "return document.querySelectorAll('[data-testid=topology] .msg').length;",
        serde_json::json!([]),
    )?;
    let cursor =
        "return Number(document.querySelector('[data-testid=playground]').dataset.cursor);";
    let start = session.execute(cursor, serde_json::json!([]))?;
    session.execute(
        "var s = document.querySelector('[data-testid=speed]'); s.value = '8'; s.dispatchEvent(new Event('change', { bubbles: true })); document.querySelector('[data-testid=play]').click(); return true;",
        serde_json::json!([]),
    )?;
    session.execute(RECORD_FRAMES, serde_json::json!([]))?;
    // How much of the page changes per frame: DOM mutations by where they happen.
    session.execute(
        "window.__mut = {}; window.__mo = new MutationObserver(function (l) { l.forEach(function (m) { var el = m.target.nodeType === 1 ? m.target : m.target.parentElement; var area = el && el.closest('.stage-body') ? 'stage' : el && el.closest('.side') ? 'side' : el && el.closest('.controls') ? 'controls' : 'other'; var k = area + ' ' + m.type + (m.type === 'childList' && el ? ' in ' + el.tagName + '.' + (el.getAttribute('class') || '') : ''); window.__mut[k] = (window.__mut[k] || 0) + (m.type === 'childList' ? m.addedNodes.length + m.removedNodes.length : 1); }); }); window.__mo.observe(document.body, { subtree: true, childList: true, attributes: true, characterData: true }); return true;",
        serde_json::json!([]),
    )?;
    let before = browser_metrics(session);
    std::thread::sleep(Duration::from_secs(5));
    let st = frame_stats(&session.execute(FRAME_GAPS, serde_json::json!([]))?);
    let after = browser_metrics(session);
    let mutations = session.execute(
        "window.__mo.disconnect(); return window.__mut;",
        serde_json::json!([]),
    )?;
    let mutations = mutations
        .as_object()
        .map(|m| {
            m.iter()
                .map(|(k, v)| {
                    format!(
                        "{k} {:.0}",
                        v.as_f64().unwrap_or(0.0) / st.frames.max(1) as f64
                    )
                })
                .collect::<Vec<_>>()
                .join(", ")
        })
        .unwrap_or_default();
    let per_frame = |name: &str| -> f64 {
        let d = after.get(name).copied().unwrap_or(0.0) - before.get(name).copied().unwrap_or(0.0);
        d * 1000.0 / st.frames.max(1) as f64
    };
    let split = format!(
        "per frame: script {:.1} ms, style {:.1} ms, layout {:.1} ms, all tasks {:.1} ms, main thread CPU {:.1} ms; DOM changes per frame: {mutations}",
        per_frame("ScriptDuration"),
        per_frame("RecalcStyleDuration"),
        per_frame("LayoutDuration"),
        per_frame("TaskDuration"),
        per_frame("ThreadTime")
    );
    let end = session.execute(cursor, serde_json::json!([]))?;
    let in_flight_after = session.execute(
        "var t = document.querySelector('[data-endpoint=Orders] .queue-box text'); return t ? t.textContent : null;",
        serde_json::json!([]),
    )?;
    Ok(format!(
        "browser frames playing 500 messages in flight at 20x (Orders {} at the start, {} at the end; {} message glyphs drawn; events {} to {}): \
         {} frames in {:.1} s: {:.1} frames per second, worst 1% of frames {:.1} ms ({:.1} fps), p95 {:.1} ms, longest {:.0} ms; {}; long animation frames: {}",
        in_flight.as_str().unwrap_or("?"),
        in_flight_after.as_str().unwrap_or("?"),
        drawn_before,
        start,
        end,
        st.frames,
        st.seconds,
        st.fps,
        st.p99,
        if st.p99 > 0.0 { 1000.0 / st.p99 } else { 0.0 },
        st.p95,
        st.max,
        split,
        st.loaf
    ))
}

/// The renderer's cumulative timings (seconds) from `Performance.getMetrics`; empty if unavailable.
fn browser_metrics(
    session: &crate::webdriver::Session<'_>,
) -> std::collections::BTreeMap<String, f64> {
    let _ = session.cdp("Performance.enable", serde_json::json!({}));
    session
        .cdp("Performance.getMetrics", serde_json::json!({}))
        .ok()
        .and_then(|v| {
            let list = v
                .get("value")
                .unwrap_or(&v)
                .get("metrics")?
                .as_array()?
                .clone();
            Some(
                list.iter()
                    .filter_map(|m| Some((m["name"].as_str()?.to_string(), m["value"].as_f64()?)))
                    .collect(),
            )
        })
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::split_gaps;

    #[test]
    fn start_up_frames_are_split_from_the_computing_ones() {
        // Frames at 0, 60, 76 and 150 ms; the first compute slice starts at 70 ms.
        let recorded =
            serde_json::json!({ "gaps": [60.0, 16.0, 74.0], "starts": [0.0, 60.0, 76.0] });
        let (computing, starting) = split_gaps(&recorded, 70.0);
        assert_eq!(computing, vec![16.0, 74.0]);
        assert_eq!(starting, vec![60.0]);
    }
}

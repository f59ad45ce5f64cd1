//! Guided chapters and presenter mode (issue #7): every chapter walked with the keyboard only,
//! before and after its fix; the presenter's keys; chapter links with recorded beats and the
//! progress kept across reloads; the page working offline after one load; the embed in an iframe
//! of another origin.

use super::{key, Ctx, READY};
use crate::http::StaticServer;
use serde_json::{json, Value};
use std::time::Duration;

/// What a chapter file (crates/core/chapters/NN-id.txt) says the page must show.
struct Expected {
    number: u32,
    id: String,
    title: String,
    /// An invariant's name, `leftover outbox`, or a model invariant.
    anomaly: String,
    model: bool,
}

/// Reads the chapter files themselves, so the walk checks the page against the data a speaker
/// edits and not against what the page happens to show.
fn expected_chapters() -> Result<Vec<Expected>, String> {
    let dir = crate::tools::root()
        .join("crates")
        .join("core")
        .join("chapters");
    let mut names: Vec<String> = std::fs::read_dir(&dir)
        .map_err(|e| format!("{}: {e}", dir.display()))?
        .filter_map(|e| e.ok())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".txt"))
        .collect();
    names.sort();
    let mut out = Vec::new();
    for name in names {
        let text = std::fs::read_to_string(dir.join(&name)).map_err(|e| e.to_string())?;
        let stem = name.trim_end_matches(".txt");
        let (num, id) = stem
            .split_once('-')
            .ok_or_else(|| format!("chapter file {name} is not NN-id.txt"))?;
        let field = |key: &str| -> String {
            text.lines()
                .take_while(|l| !l.trim().is_empty())
                .find_map(|l| l.strip_prefix(key).map(|v| v.trim().to_string()))
                .unwrap_or_default()
        };
        out.push(Expected {
            number: num.parse().map_err(|_| format!("bad number in {name}"))?,
            id: id.to_string(),
            title: field("title:"),
            anomaly: field("anomaly:"),
            model: !field("model:").is_empty(),
        });
    }
    if out.len() < 15 {
        return Err(format!(
            "only {} chapter files in {}",
            out.len(),
            dir.display()
        ));
    }
    Ok(out)
}

/// The presenter's state as the page shows it.
#[derive(Debug)]
struct Shown {
    chapter: String,
    anomaly: String,
    beat: i64,
    beats: i64,
    cursor: i64,
    title: String,
}

const SHOWN: &str = "var m = document.querySelector('[data-testid=playground]'); var b = document.querySelector('[data-testid=beat]'); var a = document.querySelector('[data-testid=anomaly]'); var p = document.querySelector('[data-testid=phase]'); var h = document.querySelector('.p-head h1'); \
    return { chapter: m ? m.dataset.chapter : null, ready: m ? m.dataset.ready : null, cursor: document.querySelector('[data-testid=model-stage]') ? Number(document.querySelector('[data-testid=model-stage]').dataset.at) : m ? Number(m.dataset.cursor) : -1, beat: b ? Number(b.dataset.beat) : -2, beats: b ? Number(b.dataset.beats) : -1, anomaly: a ? a.dataset.anomaly : null, anomalyText: a ? a.textContent : '', phase: p ? p.textContent : '', title: h ? h.textContent : '' };";

fn shown(ctx: &Ctx) -> Result<(Shown, Value), String> {
    let v = ctx.js(SHOWN)?;
    let s = |k: &str| v[k].as_str().unwrap_or("").to_string();
    let n = |k: &str| v[k].as_i64().unwrap_or(-3);
    Ok((
        Shown {
            chapter: s("chapter"),
            anomaly: s("anomaly"),
            beat: n("beat"),
            beats: n("beats"),
            cursor: n("cursor"),
            title: s("title"),
        },
        v,
    ))
}

/// Waits until the presenter shows chapter `id`, before or after its fix, computed.
fn wait_chapter(ctx: &Ctx, id: &str, fixed: bool) -> Result<Shown, String> {
    let phase = if fixed {
        "after the fix"
    } else {
        "before the fix"
    };
    let script = format!(
        "var m = document.querySelector('[data-testid=playground]'); var a = document.querySelector('[data-testid=anomaly]'); var p = document.querySelector('[data-testid=phase]'); \
         return m && m.dataset.chapter === '{id}' && m.dataset.ready === 'true' && !document.querySelector('[data-testid=computing]') && a && a.dataset.anomaly !== 'unknown' && p && p.textContent === '{phase}';"
    );
    ctx.session
        .wait_for(
            &format!("chapter {id} {phase}"),
            &script,
            Duration::from_secs(30),
        )
        .map_err(|e| format!("{e}; the page shows {:?}", shown(ctx).map(|s| s.0)))?;
    Ok(shown(ctx)?.0)
}

/// The verdict's status of an invariant, if the verdict lists it.
fn invariant_status(ctx: &Ctx, name: &str) -> Result<Option<String>, String> {
    let v = ctx.session.execute(
        "var e = document.querySelector('[data-invariant=\"' + arguments[0] + '\"]'); return e ? e.dataset.status : null;",
        json!([name]),
    )?;
    Ok(v.as_str().map(str::to_string))
}

/// Presses "." (next beat) through every beat; returns the cursors it landed on.
fn walk_beats(ctx: &Ctx, e: &Expected, beats: i64, clicker: &str) -> Result<Vec<i64>, String> {
    let mut cursors = Vec::new();
    for i in 0..beats {
        key(ctx, clicker)?;
        let (s, raw) = shown(ctx)?;
        if s.beat != i || s.chapter != e.id {
            return Err(format!(
                "chapter {} ({}): after {} presses of {clicker:?} the page is on beat {} of {} (expected beat {i}): {raw}",
                e.number, e.id, i + 1, s.beat, s.beats
            ));
        }
        if cursors.last().is_some_and(|c| s.cursor < *c) {
            return Err(format!(
                "chapter {}: beat {i} moved the playhead back ({cursors:?} then {})",
                e.number, s.cursor
            ));
        }
        cursors.push(s.cursor);
    }
    Ok(cursors)
}

/// From chapter 1, only the clicker's keys and "." (as a presentation clicker sends them): every
/// beat of every chapter; at the last beat before the fix the chapter's anomaly is on screen (and
/// in the verdict), next applies the fix, whose beats are walked with no anomaly, then the next
/// chapter opens. Screenshots of three chapters at 1280x720 and 1920x1080.
pub(super) fn walk_every_chapter_with_the_keyboard(ctx: &Ctx) -> Result<(), String> {
    let chapters = expected_chapters()?;
    let first = &chapters[0];
    ctx.open(&format!("?chapter={}&presenter", first.id))?;
    ctx.session
        .wait_for("the first run", READY, Duration::from_secs(30))?;
    let shots = ["ghost-message", "the-outbox", "model-checking"];
    let mut report = Vec::new();
    for (i, e) in chapters.iter().enumerate() {
        let before = wait_chapter(ctx, &e.id, false)?;
        if !before.title.contains(&e.title) || !before.title.starts_with(&format!("{}/", e.number))
        {
            return Err(format!(
                "chapter {} should be titled {:?}, the page says {:?}",
                e.number, e.title, before.title
            ));
        }
        if before.anomaly != "ahead" {
            return Err(format!(
                "chapter {} ({}) opens with its anomaly {:?}, expected it ahead of the playhead",
                e.number, e.id, before.anomaly
            ));
        }
        // Alternate the clicker's PageDown and the keyboard's ".".
        let clicker = if i % 2 == 0 { "PageDown" } else { "." };
        let cursors = walk_beats(ctx, e, before.beats, clicker)?;
        let labels = ctx.js("return Array.from(document.querySelectorAll('.p-beats li')).map(function (li) { return li.title; });")?;
        let (at_last, raw) = shown(ctx)?;
        if at_last.anomaly != "present" {
            return Err(format!(
                "chapter {} ({}): at its last beat the anomaly {} is not on screen: {raw}",
                e.number, e.id, e.anomaly
            ));
        }
        if !raw["anomalyText"]
            .as_str()
            .unwrap_or("")
            .contains(&e.anomaly)
        {
            return Err(format!(
                "chapter {}: the anomaly line does not name {}: {raw}",
                e.number, e.anomaly
            ));
        }
        let invariant = !e.model && e.anomaly != "leftover outbox";
        if invariant && invariant_status(ctx, &e.anomaly)?.as_deref() != Some("violated") {
            return Err(format!(
                "chapter {}: the verdict does not show {} violated before the fix",
                e.number, e.anomaly
            ));
        }
        if shots.contains(&e.id.as_str()) {
            for (w, h) in [(1280, 720), (1920, 1080)] {
                ctx.session.set_viewport(w, h)?;
                std::thread::sleep(Duration::from_millis(300));
                ctx.screenshot(&format!("presenter-{:02}-{}-{w}x{h}", e.number, e.id))?;
            }
            ctx.session.set_viewport(1366, 768)?;
        }
        // Past the last beat: the fix.
        key(ctx, clicker)?;
        let after = wait_chapter(ctx, &e.id, true)?;
        if after.anomaly != "absent" {
            return Err(format!(
                "chapter {} ({}): after the fix the anomaly is {:?}, expected absent",
                e.number, e.id, after.anomaly
            ));
        }
        let after_cursors = walk_beats(ctx, e, after.beats, clicker)?;
        let (end, raw) = shown(ctx)?;
        if end.anomaly != "absent" {
            return Err(format!(
                "chapter {}: at the last beat after the fix the anomaly is back: {raw}",
                e.number
            ));
        }
        if invariant && invariant_status(ctx, &e.anomaly)?.as_deref() != Some("holds") {
            return Err(format!(
                "chapter {}: the verdict does not show {} holding after the fix",
                e.number, e.anomaly
            ));
        }
        if e.id == "ghost-message" {
            ctx.screenshot(&format!(
                "presenter-{:02}-{}-after-fix-1366x768",
                e.number, e.id
            ))?;
        }
        let labels: Vec<&str> = labels
            .as_array()
            .map(|a| a.iter().filter_map(|v| v.as_str()).collect())
            .unwrap_or_default();
        let beats: Vec<String> = labels
            .iter()
            .zip(&cursors)
            .map(|(l, c)| format!("#{c} {l}"))
            .collect();
        report.push(format!(
            "{} {} ({}): before [{}], after the fix at {:?}",
            e.number,
            e.id,
            e.anomaly,
            beats.join(" | "),
            after_cursors
        ));
        if i + 1 < chapters.len() {
            key(ctx, clicker)?;
        }
    }
    println!(
        "chapters walked (beats at events):\n  {}",
        report.join("\n  ")
    );
    ctx.assert_no_errors()
}

/// Number keys, the help overlay, blanking, Escape, themes; a chapter link with a recorded beat
/// opens with it; R records a beat into the link; the progress survives a reload.
pub(super) fn presenter_keys_and_chapter_links(ctx: &Ctx) -> Result<(), String> {
    let chapters = expected_chapters()?;
    ctx.open("?preset=c05-before")?;
    ctx.session
        .wait_for("the run", READY, Duration::from_secs(30))?;
    // Digits do nothing outside presenter mode and chapters (the editor keeps its scenario).
    key(ctx, "3")?;
    if ctx.js("return document.querySelector('[data-testid=playground]').dataset.preset;")?
        != json!("c05-before")
    {
        return Err("a digit changed the scenario outside presenter mode".into());
    }
    key(ctx, "p")?;
    ctx.session.wait_for(
        "presenter mode",
        "return document.querySelector('[data-presenter=true]') !== null && document.querySelector('.side-tabs') === null && document.querySelector('.topbar') === null;",
        Duration::from_secs(5),
    )?;
    key(ctx, "3")?;
    wait_chapter(ctx, &chapters[2].id, false)?;
    // Two digits quickly: chapter 12.
    key(ctx, "1")?;
    key(ctx, "2")?;
    wait_chapter(ctx, &chapters[11].id, false)?;
    key(ctx, "?")?;
    ctx.session.wait_for(
        "the key help",
        "var h = document.querySelector('[data-testid=help-overlay]'); return h && h.textContent.indexOf('PageDown') >= 0 && h.textContent.indexOf('previous beat') >= 0;",
        Duration::from_secs(5),
    )?;
    ctx.screenshot("presenter-help-1366x768")?;
    key(ctx, "Escape")?;
    key(ctx, "b")?;
    ctx.session.wait_for(
        "the blank screen",
        "return document.querySelector('[data-testid=help-overlay]') === null && document.querySelector('[data-testid=blank]') !== null;",
        Duration::from_secs(5),
    )?;
    key(ctx, "b")?;
    // F asks for full screen; a headless browser may refuse, which must not be an error.
    key(ctx, "f")?;
    std::thread::sleep(Duration::from_millis(300));
    ctx.assert_no_errors()?;
    // Themes: C cycles them, on <html> and in storage.
    key(ctx, "c")?;
    ctx.session.wait_for(
        "the dark theme",
        "return document.documentElement.dataset.theme === 'dark' && localStorage.getItem('exactly-once-playground.theme.v1') === 'dark';",
        Duration::from_secs(5),
    )?;
    key(ctx, "c")?;
    ctx.session.wait_for(
        "the high-contrast theme",
        "return document.documentElement.dataset.theme === 'contrast';",
        Duration::from_secs(5),
    )?;
    key(ctx, "4")?;
    wait_chapter(ctx, "ghost-message", false)?;
    for _ in 0..4 {
        key(ctx, ".")?;
    }
    ctx.screenshot("presenter-04-ghost-message-contrast-1366x768")?;
    // The highlight follows the keyboard's selection: focus a message.
    let focused = ctx.js("var m = document.querySelector('[data-testid=topology] .msg'); if (!m) return null; m.focus(); return getComputedStyle(m).filter;")?;
    if !focused.as_str().is_some_and(|f| f.contains("drop-shadow")) {
        return Err(format!(
            "a focused message is not highlighted in presenter mode (filter: {focused})"
        ));
    }
    key(ctx, "c")?;
    // R records a beat at the playhead; it joins the beats and the link.
    key(ctx, "ArrowRight")?;
    let cursor = ctx.cursor()?.0;
    key(ctx, "r")?;
    ctx.session.wait_for(
        "the recorded beat in the link",
        &format!("return location.search.indexOf('beats={cursor}.') >= 0;"),
        Duration::from_secs(5),
    )?;
    key(ctx, "Escape")?;
    let href = ctx.session.wait_for(
        "the normal layout after Escape, its link without presenter mode",
        &format!("return document.querySelector('[data-presenter=true]') === null && document.querySelector('[data-testid=chapter]') !== null && location.search.indexOf('presenter') < 0 && location.search.indexOf('beats={cursor}.') >= 0 ? location.href : null;"),
        Duration::from_secs(5),
    )?;
    let href = href.as_str().unwrap_or("").to_string();
    // The link opens the chapter with the recorded beat, at the same moment.
    ctx.session.navigate(&href)?;
    ctx.session.wait_for(
        "the chapter link",
        &format!("var m = document.querySelector('[data-testid=playground]'); return m && m.dataset.ready === 'true' && Number(m.dataset.cursor) === {cursor} && document.querySelector('[data-testid=beats] li.recorded[data-event=\"{cursor}\"]') !== null;"),
        Duration::from_secs(30),
    )?;
    // Progress: 1, 3, 4 and 12 were opened; none was fixed. Apply chapter 4's fix with "A".
    key(ctx, "a")?;
    ctx.session.wait_for(
        "the fix",
        "var c = document.querySelector('[data-testid=chapter]'); var a = document.querySelector('[data-testid=anomaly]'); return c && c.dataset.fixed === 'true' && a && a.dataset.anomaly === 'absent';",
        Duration::from_secs(30),
    )?;
    ctx.open("?preset=c05-after")?;
    ctx.click("tab-chapters")?;
    let progress = ctx.session.wait_for(
        "the chapter list",
        "var l = document.querySelectorAll('[data-testid^=open-chapter-]'); if (!l.length) return null; return Array.from(l).map(function (b) { return b.dataset.progress; });",
        Duration::from_secs(5),
    )?;
    let marks: Vec<&str> = progress
        .as_array()
        .map(|a| a.iter().filter_map(|v| v.as_str()).collect())
        .unwrap_or_default();
    let want = |n: usize| marks.get(n - 1).copied().unwrap_or("missing");
    if want(4) != "fixed" || want(3) != "visited" || want(12) != "visited" || want(5) != "new" {
        return Err(format!(
            "progress after a reload: {marks:?} (want 3 and 12 visited, 4 fixed, 5 new)"
        ));
    }
    ctx.screenshot("chapters-list-1366x768")?;
    // A link to a chapter that does not exist says so.
    ctx.open("?chapter=no-such-chapter")?;
    ctx.session.wait_for(
        "the notice for an unknown chapter",
        "var n = document.querySelector('[data-testid=notice]'); return n && n.textContent.indexOf('no-such-chapter') >= 0;",
        Duration::from_secs(10),
    )?;
    ctx.assert_no_errors()
}

/// Loads the release build once (the service worker caches it), stops the server, reloads: the
/// page runs, steps and shows its verdict from the cache.
pub(super) fn works_offline_after_the_first_load(ctx: &Ctx) -> Result<(), String> {
    let server = StaticServer::start(&ctx.dist, super::PUBLIC_URL)?;
    let port = server.port;
    let url = format!("{}?preset=c05-before", server.url(super::PUBLIC_URL));
    ctx.session.navigate(&url)?;
    ctx.session
        .wait_for("the first load", READY, Duration::from_secs(30))?;
    ctx.js("window.__cached = null; navigator.serviceWorker.ready.then(function () { return caches.keys(); }).then(function (names) { return Promise.all(names.map(function (n) { return caches.open(n).then(function (c) { return c.keys(); }); })); }).then(function (lists) { window.__cached = [].concat.apply([], lists).map(function (r) { return r.url; }); }); return true;")?;
    let cached = ctx.session.wait_for(
        "the service worker to cache the build",
        "return window.__cached && window.__cached.some(function (u) { return /\\.wasm$/.test(u); }) && window.__cached.some(function (u) { return /exactly-once-worker_bg\\.wasm$/.test(u); }) && window.__cached.some(function (u) { return /exactly-once-web-full_bg\\.wasm$/.test(u); }) && navigator.serviceWorker.controller !== null ? window.__cached : null;",
        Duration::from_secs(30),
    )?;
    drop(server);
    // The network is gone: nothing answers on that port any more.
    if crate::http::request("GET", super::PUBLIC_URL, port, None).is_ok() {
        return Err("the server still answers after being stopped".into());
    }
    ctx.session.navigate(&url)?;
    ctx.session
        .wait_for("the page offline", READY, Duration::from_secs(30))
        .map_err(|e| format!("{e} (cached: {cached})"))?;
    key(ctx, "End")?;
    ctx.expect_status("NoGhostMessages", "violated")?;
    key(ctx, "Home")?;
    key(ctx, "ArrowRight")?;
    key(ctx, "ArrowRight")?;
    if ctx.cursor()?.0 != 1 {
        return Err(format!("offline, → does not step: {:?}", ctx.cursor()?));
    }
    ctx.screenshot("offline-reload")?;
    // The full bundle (with the Check tab) and the checker's worker were never loaded online;
    // their files came with the service worker's install.
    ctx.click("tab-check")?;
    ctx.click("check-run")?;
    ctx.session
        .wait_for(
            "the checker's report offline",
            "return document.querySelector('[data-testid=check-summary]') !== null;",
            Duration::from_secs(60),
        )
        .map_err(|e| format!("{e}: {}", ctx.js("return document.querySelector('[data-testid=checker]') ? document.querySelector('[data-testid=checker]').textContent : ''").unwrap_or_default()))?;
    println!(
        "offline: reloaded with the server stopped; the service worker's cache held {} files",
        cached.as_array().map_or(0, Vec::len)
    );
    ctx.assert_no_errors()
}

/// A page on another port (another origin) iframes `?embed&preset=c05-before`: the frame shows
/// the stage and the player only, and plays.
pub(super) fn embed_in_an_iframe(ctx: &Ctx) -> Result<(), String> {
    let dir = std::env::temp_dir().join(format!("eop-embed-{}", std::process::id()));
    std::fs::create_dir_all(&dir).map_err(|e| e.to_string())?;
    let src = format!("{}?embed&preset=c05-before", ctx.base_url);
    std::fs::write(
        dir.join("index.html"),
        format!("<!DOCTYPE html><html><head><link rel=\"icon\" href=\"data:,\"></head><body style=\"margin:0\"><h1>Slides</h1><iframe src=\"{src}\" width=\"960\" height=\"540\" title=\"playground\"></iframe></body></html>"),
    )
    .map_err(|e| e.to_string())?;
    let slides = StaticServer::start(&dir, "/")?;
    let result = (|| {
        ctx.session.navigate(&slides.url("/"))?;
        ctx.session.wait_for(
            "the iframe",
            "return document.querySelector('iframe') !== null;",
            Duration::from_secs(10),
        )?;
        ctx.session.switch_to_frame(Some(0))?;
        ctx.session.wait_for(
            "the embedded player",
            "var m = document.querySelector('[data-testid=playground]'); return m && m.dataset.embed === 'true' && m.dataset.ready === 'true' && m.dataset.preset === 'c05-before';",
            Duration::from_secs(30),
        )?;
        let chrome = ctx.js("return ['.topbar', '.side', '.side-tabs', '.legend', '[data-testid=chapter]'].filter(function (s) { return document.querySelector(s) !== null; });")?;
        if chrome.as_array().is_some_and(|a| !a.is_empty()) {
            return Err(format!("the embed shows chrome: {chrome}"));
        }
        if ctx.js("return document.querySelector('[data-testid=topology]') !== null && document.querySelector('[data-testid=play]') !== null;")? != json!(true) {
            return Err("the embed has no stage or no play button".into());
        }
        ctx.click("play")?;
        ctx.session.wait_for(
            "the embed to play",
            "return Number(document.querySelector('[data-testid=playground]').dataset.cursor) > 3;",
            Duration::from_secs(10),
        )?;
        ctx.session.switch_to_frame(None)?;
        ctx.screenshot("embed-in-iframe")?;
        ctx.assert_no_errors()?;
        // A broken embed link says so on the stage (there is no chrome to carry a banner).
        ctx.session
            .navigate(&format!("{}?embed&chapter=no-such-chapter", ctx.base_url))?;
        ctx.session.wait_for(
            "the embed's notice about the unknown chapter",
            "var n = document.querySelector('.embed [data-testid=notice]'); return n !== null && n.textContent.indexOf('no-such-chapter') >= 0;",
            Duration::from_secs(30),
        )?;
        ctx.assert_no_errors()
    })();
    drop(slides);
    let _ = std::fs::remove_dir_all(&dir);
    result
}

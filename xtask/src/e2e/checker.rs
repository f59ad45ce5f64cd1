//! End-to-end checks of the exhaustive checker in the page, which runs in a web worker: "Find a
//! failing trace" on a preset (and loading its shortest failing trace into the player), and the
//! model-checking view of the MessageHandler reference model, whose counts must be TLC's and whose
//! counterexample plays in the player and the verdict panel; the page stays responsive (the
//! playhead moves) during a long search, and Cancel reports what the search saw.

use super::{key, Ctx, FRAME_STATS, READY, RECORD_FRAMES};
use serde_json::json;
use std::time::Duration;

/// A frame gap this long means the page froze (the suite's bar everywhere). With the search in the
/// worker, gaps are one or two frames; a loaded 2-core machine can still delay a frame by a few
/// hundred milliseconds, which is not what these checks are about.
const FROZEN_MS: f64 = 1000.0;

/// Screenshots at the suite's size (1366x768) and at 1920x1080, for a person to look at, with
/// `focus` (a CSS selector) scrolled into view first.
fn screenshots(ctx: &Ctx, name: &str, focus: &str) -> Result<(), String> {
    ctx.session.execute(
        "var e = document.querySelector(arguments[0]); if (e) e.scrollIntoView({ block: 'nearest' }); return true;",
        json!([focus]),
    )?;
    ctx.screenshot(name)?;
    ctx.session.set_viewport(1920, 1080)?;
    std::thread::sleep(Duration::from_millis(300));
    ctx.screenshot(&format!("{name}-1920"))?;
    ctx.session.set_viewport(1366, 768)?;
    std::thread::sleep(Duration::from_millis(300));
    Ok(())
}

fn attr(ctx: &Ctx, selector: &str, attribute: &str) -> Result<String, String> {
    let v = ctx.session.execute(
        "var e = document.querySelector(arguments[0]); return e ? e.getAttribute(arguments[1]) : null;",
        json!([selector, attribute]),
    )?;
    v.as_str()
        .map(str::to_string)
        .ok_or_else(|| format!("nothing matches {selector} (or it has no {attribute})"))
}

fn text(ctx: &Ctx, selector: &str) -> Result<String, String> {
    let v = ctx.session.execute(
        "var e = document.querySelector(arguments[0]); return e ? e.textContent : null;",
        json!([selector]),
    )?;
    v.as_str()
        .map(str::to_string)
        .ok_or_else(|| format!("nothing matches {selector}"))
}

/// c05-before: the checker finds the ghost message, the shortest trace loads into the player,
/// the verdict panel shows it and the playhead steps through it.
pub fn find_a_failing_trace(ctx: &Ctx) -> Result<(), String> {
    ctx.open_preset("c05-before")?;
    ctx.click("tab-check")?;
    // Bad input is named next to its field and the search cannot start.
    ctx.set_field("check-max-steps", "0")?;
    ctx.session.wait_for(
        "the step bound's error",
        "var e = document.querySelector('[data-testid=error-check-max-steps]'); return e !== null && document.querySelector('[data-testid=check-run]').disabled;",
        Duration::from_secs(5),
    )?;
    ctx.set_field("check-max-steps", "200")?;
    ctx.session.wait_for(
        "the form to be valid again",
        "return document.querySelector('[data-testid=error-check-max-steps]') === null && !document.querySelector('[data-testid=check-run]').disabled;",
        Duration::from_secs(5),
    )?;
    ctx.click("check-run")?;
    ctx.session.wait_for(
        "the checker's report",
        "return document.querySelector('[data-testid=check-summary]') !== null;",
        Duration::from_secs(60),
    )?;
    let ghost = "[data-check-invariant=NoGhostMessages]";
    if attr(ctx, ghost, "data-status")? != "violated" {
        return Err(format!(
            "the checker does not find the ghost message: {}",
            text(ctx, "[data-testid=checker]")?
        ));
    }
    let steps: u64 = attr(ctx, ghost, "data-steps")?.parse().unwrap_or(0);
    if steps == 0 {
        return Err("the ghost's trace has no steps".into());
    }
    let lost = "[data-check-invariant=NoLostMessages]";
    let sentence = text(ctx, &format!("{lost} .sentence"))?;
    if attr(ctx, lost, "data-status")? != "holds"
        || !sentence.starts_with("no trace of up to ")
        || !sentence.contains("breaks NoLostMessages")
    {
        return Err(format!(
            "NoLostMessages should hold within the bounds: {sentence}"
        ));
    }
    screenshots(ctx, "checker-c05-before", "[data-testid=check-summary]")?;

    ctx.click("check-load-NoGhostMessages")?;
    ctx.session
        .wait_for("the trace in the player", READY, Duration::from_secs(30))?;
    ctx.session.wait_for(
        "the player to run the checker's path",
        "return document.querySelector('.manual-badge') !== null && document.querySelector('[data-testid=notice]') !== null;",
        Duration::from_secs(10),
    )?;
    ctx.expect_status("NoGhostMessages", "violated")?;
    let (cursor, events) = ctx.cursor()?;
    let first = text(ctx, "[data-testid=violation-NoGhostMessages]")?;
    if !first.contains(&format!("#{cursor} ")) {
        return Err(format!(
            "the playhead ({cursor}) is not on the violation: {first}"
        ));
    }
    if events == 0 || cursor >= events {
        return Err(format!(
            "the loaded run has {events} events, playhead {cursor}"
        ));
    }
    // The user steps through it.
    key(ctx, "ArrowLeft")?;
    let (back, _) = ctx.cursor()?;
    if back + 1 != cursor {
        return Err(format!(
            "ArrowLeft moved the playhead from {cursor} to {back}"
        ));
    }
    key(ctx, "ArrowRight")?;
    screenshots(ctx, "checker-loaded-into-player", "[data-testid=checker]")?;
    ctx.assert_no_errors()
}

fn run_model(ctx: &Ctx, variant: &str, max_failures: &str, messages: &str) -> Result<(), String> {
    ctx.set_field("model-variant", variant)?;
    ctx.set_field("model-max-failures", max_failures)?;
    ctx.set_field("model-messages", messages)?;
    // The previous result must go before the new one is awaited.
    ctx.session.wait_for(
        "the model form",
        "return !document.querySelector('[data-testid=model-run]').disabled;",
        Duration::from_secs(5),
    )?;
    ctx.click("model-run")?;
    ctx.session.wait_for(
        &format!("the model check of variant {variant}"),
        &format!(
            "var r = document.querySelector('[data-testid=model-result]'); return r !== null && r.querySelector('.figures').textContent.indexOf('Variant {variant},') === 0;"
        ),
        Duration::from_secs(60),
    )?;
    Ok(())
}

/// The reference model: variant 1 at (1, 1) has TLC's 44 states and its 10-state ghost
/// counterexample, which the user steps through; the final specification breaks nothing.
pub fn model_view(ctx: &Ctx) -> Result<(), String> {
    ctx.open("")?;
    ctx.click("tab-model")?;
    run_model(ctx, "1", "1", "1")?;
    let result = "[data-testid=model-result]";
    if attr(ctx, result, "data-distinct")? != "44" {
        return Err(format!(
            "variant 1 at (1,1) should have TLC's 44 distinct states: {}",
            text(ctx, result)?
        ));
    }
    let ghost = "[data-model-invariant=NoGhostMessages]";
    if attr(ctx, ghost, "data-status")? != "violated" || attr(ctx, ghost, "data-states")? != "10" {
        return Err(format!(
            "NoGhostMessages should be violated with a 10-state counterexample: {}",
            text(ctx, ghost)?
        ));
    }
    // The counterexample plays in the player: stage, verdict panel, scrubber and keys.
    ctx.js("document.querySelector('[data-testid=model-load-NoGhostMessages]').scrollIntoView({ block: 'center' }); return true;")?;
    ctx.click("model-load-NoGhostMessages")?;
    let stage_state = "var w = document.querySelector('[data-testid=model-stage]'); return w === null ? null : w.dataset.state;";
    ctx.session.wait_for(
        "the counterexample's broken state in the player",
        "var w = document.querySelector('[data-testid=model-stage]'); return w !== null && w.dataset.invariant === 'NoGhostMessages' && w.dataset.state === '10' && w.dataset.states === '10';",
        Duration::from_secs(5),
    )?;
    let verdict = "[data-testid=verdict] [data-invariant=NoGhostMessages]";
    if attr(ctx, verdict, "data-status")? != "violated" || attr(ctx, verdict, "data-state")? != "10"
    {
        return Err(format!(
            "the verdict panel should show NoGhostMessages broken at state 10: {}",
            text(ctx, "[data-testid=verdict]")?
        ));
    }
    let position = text(ctx, "[data-testid=position]")?;
    if position != "state 10 / 10" {
        return Err(format!("the player's position reads {position:?}"));
    }
    // Home is before the first state's step; the first → shows state 1, four more state 5.
    key(ctx, "Home")?;
    for _ in 0..5 {
        key(ctx, "ArrowRight")?;
    }
    let at = ctx.js(stage_state)?;
    if at.as_str() != Some("5") {
        return Err(format!("Home then 5 steps should show state 5, not {at}"));
    }
    // State 5: SendOutgoingMsg failed, so failures and pc changed.
    let changed = ctx.session.execute(
        "return Array.from(document.querySelectorAll('[data-testid=model-vars] tr.changed')).map(function (r) { return r.dataset.var; });",
        json!([]),
    )?;
    let changed: Vec<&str> = changed
        .as_array()
        .map(|a| a.iter().filter_map(|v| v.as_str()).collect())
        .unwrap_or_default();
    if !changed.contains(&"failures") || !changed.contains(&"pc") {
        return Err(format!(
            "after a failed send, failures and pc should be marked changed: {changed:?} ({})",
            text(ctx, "[data-testid=model-step]")?
        ));
    }
    if attr(ctx, verdict, "class")?
        .split(' ')
        .all(|c| c != "ahead")
    {
        return Err("at state 5 the violation should be ahead of the playhead".into());
    }
    // J jumps to the broken state; Play plays from the start to it.
    key(ctx, "j")?;
    if ctx.js(stage_state)?.as_str() != Some("10") {
        return Err("J should jump to the broken state".into());
    }
    ctx.set_field("speed", "8")?;
    ctx.click("play")?;
    ctx.session.wait_for(
        "the played counterexample to reach its last state",
        "var w = document.querySelector('[data-testid=model-stage]'); return w !== null && w.dataset.state === '10' && document.querySelector('[data-testid=play]').getAttribute('aria-pressed') === 'false';",
        Duration::from_secs(20),
    )?;
    screenshots(
        ctx,
        "model-variant-1-in-player",
        "[data-testid=model-stage]",
    )?;
    // Back to the scenario, at its moment.
    ctx.click("model-close")?;
    ctx.session.wait_for(
        "the scenario back in the player",
        "return document.querySelector('[data-testid=model-stage]') === null && document.querySelector('[data-testid=topology]') !== null && document.querySelector('[data-testid=verdict] [data-invariant=NoGhostMessages]') !== null;",
        Duration::from_secs(5),
    )?;

    run_model(ctx, "final", "1", "1")?;
    let statuses = ctx.session.execute(
        "return Array.from(document.querySelectorAll('[data-model-invariant]')).map(function (e) { return e.dataset.modelInvariant + '=' + e.dataset.status; });",
        json!([]),
    )?;
    let statuses: Vec<&str> = statuses
        .as_array()
        .map(|a| a.iter().filter_map(|v| v.as_str()).collect())
        .unwrap_or_default();
    if statuses.len() < 6 || statuses.iter().any(|s| !s.ends_with("=holds")) {
        return Err(format!(
            "the final specification should break nothing: {statuses:?}"
        ));
    }
    if attr(ctx, result, "data-distinct")? != "54"
        || attr(ctx, result, "data-status")? != "complete"
    {
        return Err(format!(
            "the final specification at (1,1) should have TLC's 54 states: {}",
            text(ctx, result)?
        ));
    }
    screenshots(ctx, "model-final", "[data-testid=model-result]")?;

    // A long search (variant 1 at 3 and 3 has over 20 million states: many seconds) shows its
    // progress while the page stays responsive, and Cancel stops it.
    ctx.set_field("model-variant", "1")?;
    ctx.set_field("model-max-failures", "3")?;
    ctx.set_field("model-messages", "3")?;
    ctx.set_field("model-max-states", "20000000")?;
    ctx.js(RECORD_FRAMES)?;
    ctx.click("model-run")?;
    ctx.session.wait_for(
        "the progress bar to move",
        "var p = document.querySelector('[data-testid=model-running] progress'); return p !== null && Number(p.value) > 0;",
        Duration::from_secs(30),
    )?;
    // The page's thread is free while the worker searches: the playhead steps and plays.
    ctx.set_field("speed", "3")?;
    key(ctx, "Home")?;
    for _ in 0..3 {
        key(ctx, "ArrowRight")?;
    }
    let (after, _) = ctx.cursor()?;
    if after != 2 {
        return Err(format!(
            "during the search, Home and three steps put the playhead on {after}, not 2"
        ));
    }
    ctx.click("play")?;
    std::thread::sleep(Duration::from_millis(1500));
    ctx.click("play")?;
    let (played, _) = ctx.cursor()?;
    if played <= after {
        return Err(format!(
            "during the search, playing did not move the playhead ({after} -> {played})"
        ));
    }
    if ctx.session.execute(
        "return document.querySelector('[data-testid=model-running]') !== null;",
        json!([]),
    )? != json!(true)
    {
        return Err("the search ended too soon to show the page stays responsive".into());
    }
    let frames = ctx.js(FRAME_STATS)?;
    let worst = frames[2].as_f64().unwrap_or(f64::MAX);
    println!(
        "bench: model checking in the worker: {} frames in {:.1} s, longest frame gap {worst:.0} ms, {} gaps over 50 ms; {}",
        frames[0],
        frames[1].as_f64().unwrap_or(0.0),
        frames[3],
        text(ctx, "[data-testid=model-running] .check-progress")?
    );
    if worst > FROZEN_MS {
        return Err(format!(
            "the page froze for {worst:.0} ms while model checking in the worker"
        ));
    }
    screenshots(ctx, "model-running", "[data-testid=model-running]")?;
    ctx.click("model-cancel")?;
    ctx.session.wait_for(
        "the cancelled search's report",
        "var r = document.querySelector('[data-testid=model-result]'); return r !== null && r.dataset.status === 'cancelled';",
        Duration::from_secs(10),
    )?;
    let partial: u64 = attr(ctx, result, "data-distinct")?.parse().unwrap_or(0);
    if partial == 0 || partial >= 20_000_000 {
        return Err(format!("a cancelled search reports {partial} states"));
    }
    ctx.assert_no_errors()
}

/// A checker worker that cannot load (here: its script is missing) is a sentence in the panel, not
/// a silent spinner or a broken page; the page keeps working.
pub fn worker_that_cannot_load(ctx: &Ctx) -> Result<(), String> {
    ctx.open_preset("c05-before")?;
    ctx.js("var W = window.Worker; window.Worker = function (url) { return new W('missing-' + url); }; return true;")?;
    ctx.click("tab-check")?;
    ctx.click("check-run")?;
    let message = ctx.session.wait_for(
        "the panel to say the worker could not load",
        "var e = document.querySelector('[data-testid=check-failed]'); return e ? e.textContent : null;",
        Duration::from_secs(20),
    )?;
    let message = message.as_str().unwrap_or_default();
    if !message.contains("web worker could not be loaded") {
        return Err(format!("unclear message: {message:?}"));
    }
    let disabled = ctx.session.execute(
        "return document.querySelector('[data-testid=check-run]').disabled;",
        json!([]),
    )?;
    if disabled != json!(false) {
        return Err("the search cannot be started again".into());
    }
    key(ctx, "End")?;
    let (cursor, events) = ctx.cursor()?;
    if events == 0 || cursor + 1 != events {
        return Err(format!("the player stopped working: {cursor} of {events}"));
    }
    // The missing script is logged by the browser (a 404); nothing else may be.
    ctx.assert_no_recorded_errors()?;
    ctx.screenshot("checker-worker-missing")?;
    Ok(())
}

/// A long scenario search (the soak workload: a huge state space) runs in the worker while the
/// player steps and plays; Cancel stops it and the panel reports the states it saw.
pub fn long_scenario_check_keeps_the_page_responsive(ctx: &Ctx) -> Result<(), String> {
    ctx.open("?soak=40")?;
    ctx.session
        .wait_for("the soak's run", READY, Duration::from_secs(60))?;
    ctx.click("tab-check")?;
    ctx.js(RECORD_FRAMES)?;
    ctx.click("check-run")?;
    ctx.session.wait_for(
        "the search's progress",
        "var p = document.querySelector('[data-testid=check-progress]'); return p !== null && p.textContent.indexOf('0 states') !== 0;",
        Duration::from_secs(30),
    )?;
    // Frames while the worker searches and the page only shows its progress (playing the soak
    // costs frames of its own, measured by the soak's check).
    std::thread::sleep(Duration::from_millis(1000));
    let frames = ctx.js(FRAME_STATS)?;
    let worst = frames[2].as_f64().unwrap_or(f64::MAX);
    println!(
        "bench: scenario checking in the worker: {} frames in {:.1} s, longest frame gap {worst:.0} ms (gaps over 50 ms: {}); {}",
        frames[0],
        frames[1].as_f64().unwrap_or(0.0),
        frames[4].as_str().unwrap_or(""),
        text(ctx, "[data-testid=check-progress]")?
    );
    if worst > FROZEN_MS {
        return Err(format!(
            "the page froze for {worst:.0} ms while the worker checked the scenario"
        ));
    }
    key(ctx, "Home")?;
    for _ in 0..3 {
        key(ctx, "ArrowRight")?;
    }
    let (stepped, _) = ctx.cursor()?;
    if stepped != 2 {
        return Err(format!(
            "during the search, Home and three steps put the playhead on {stepped}, not 2"
        ));
    }
    ctx.click("play")?;
    std::thread::sleep(Duration::from_millis(1500));
    ctx.click("play")?;
    let (played, _) = ctx.cursor()?;
    if played <= stepped {
        return Err(format!(
            "during the search, playing did not move the playhead ({stepped} -> {played})"
        ));
    }
    let running =
        ctx.js("return document.querySelector('[data-testid=check-running]') !== null;")?;
    if running != json!(true) {
        return Err(format!(
            "the search ended too soon to show the page stays responsive: {}",
            text(ctx, "[data-testid=checker]")?
        ));
    }
    screenshots(ctx, "checker-running", "[data-testid=check-running]")?;
    ctx.click("check-cancel")?;
    ctx.session.wait_for(
        "the cancelled search's report",
        "var r = document.querySelector('[data-testid=check-summary]'); return r !== null && r.dataset.status === 'cancelled';",
        Duration::from_secs(20),
    )?;
    let seen: u64 = attr(ctx, "[data-testid=check-summary]", "data-distinct")?
        .parse()
        .unwrap_or(0);
    if seen == 0 {
        return Err("a cancelled search reports no states".into());
    }
    ctx.assert_no_errors()
}

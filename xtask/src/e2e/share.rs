//! End-to-end checks of share links, autosave and the Share tab (issue 5).

use super::{key, Ctx, READY};
use serde_json::json;
use std::time::Duration;

/// Every invariant's status in the verdict, in page order.
fn verdict(ctx: &Ctx) -> Result<Vec<(String, String)>, String> {
    let v = ctx.js(
        "return Array.from(document.querySelectorAll('[data-invariant]')).map(function (e) { return [e.dataset.invariant, e.dataset.status]; });",
    )?;
    Ok(v.as_array()
        .map(|rows| {
            rows.iter()
                .map(|r| {
                    (
                        r[0].as_str().unwrap_or("").to_string(),
                        r[1].as_str().unwrap_or("").to_string(),
                    )
                })
                .collect()
        })
        .unwrap_or_default())
}

fn wait_ready(ctx: &Ctx, what: &str) -> Result<(), String> {
    ctx.session
        .wait_for(what, READY, Duration::from_secs(30))
        .map(|_| ())
}

/// Opens a preset, changes a setting, moves the playhead, copies "link at this moment", then opens
/// that link in a fresh page (storage cleared): same scenario, same verdict, same moment.
pub(super) fn link_reopens_the_same_moment(ctx: &Ctx) -> Result<(), String> {
    ctx.open_preset("c05-before")?;
    ctx.click("tab-settings")?;
    ctx.set_field("field-orders.add_item.order", "store_then_publish")?;
    ctx.expect_status("NoGhostMessages", "holds")?;
    key(ctx, "Home")?;
    for _ in 0..9 {
        key(ctx, "ArrowRight")?;
    }
    let (cursor, events) = ctx.cursor()?;
    if cursor == 0 || cursor + 1 >= events {
        return Err(format!(
            "the playhead did not move into the run: {cursor} of {events}"
        ));
    }
    let before = verdict(ctx)?;
    ctx.click("tab-share")?;
    ctx.click("copy-link-moment")?;
    let link = ctx.session.wait_for(
        "the copied link",
        "var e = document.querySelector('[data-testid=share-link]'); return e ? e.value : null;",
        Duration::from_secs(5),
    )?;
    let link = link.as_str().unwrap_or("").to_string();
    if !link.contains("#v1.") {
        return Err(format!("the copied link has no v1 fragment: {link}"));
    }
    if link.len() > 2_000 {
        return Err(format!("the link is {} characters long", link.len()));
    }
    // The address bar already names this moment too.
    let hash = ctx.js("return location.hash;")?;
    if !hash.as_str().unwrap_or("").starts_with("#v1.") {
        return Err(format!("the URL does not hold the scenario: {hash}"));
    }
    ctx.screenshot("share-panel")?;

    // A fresh page: nothing autosaved, nothing in memory; only the link.
    ctx.js("localStorage.clear(); sessionStorage.clear(); return true;")?;
    ctx.session.navigate("about:blank")?;
    ctx.session.navigate(&link)?;
    wait_ready(ctx, "the shared link's run")?;
    ctx.session.wait_for(
        "the shared moment",
        &format!("return document.querySelector('[data-testid=playground]').dataset.cursor === '{cursor}';"),
        Duration::from_secs(10),
    )?;
    let after = verdict(ctx)?;
    if after != before {
        return Err(format!(
            "the verdict differs after opening the link:\n before {before:?}\n after  {after:?}"
        ));
    }
    ctx.click("tab-settings")?;
    let field = ctx.session.wait_for(
        "the settings form",
        "var f = document.querySelector('[data-testid=\"field-orders.add_item.order\"]'); return f ? f.value : null;",
        Duration::from_secs(5),
    )?;
    if field != json!("store_then_publish") {
        return Err(format!("the link lost the edited setting: {field}"));
    }
    ctx.screenshot("share-link-opened")?;
    ctx.assert_no_errors()
}

/// A scenario change pushes a history entry: Back returns to the scenario before the change.
pub(super) fn back_returns_to_the_previous_scenario(ctx: &Ctx) -> Result<(), String> {
    ctx.open_preset("c05-before")?;
    ctx.expect_status("NoGhostMessages", "violated")?;
    ctx.click("tab-settings")?;
    ctx.set_field("field-orders.add_item.order", "store_then_publish")?;
    ctx.expect_status("NoGhostMessages", "holds")?;
    ctx.js("history.back(); return true;")?;
    ctx.expect_status("NoGhostMessages", "violated")?;
    ctx.js("history.forward(); return true;")?;
    ctx.expect_status("NoGhostMessages", "holds")?;
    ctx.assert_no_errors()
}

/// A corrupted link shows a banner that says what is wrong, and the page works.
pub(super) fn corrupted_link_shows_a_banner(ctx: &Ctx) -> Result<(), String> {
    for (name, fragment) in [
        ("tampered", "#v1.AAAAbroken"),
        ("unknown-version", "#v9.abc"),
        ("not-a-link", "#hello"),
    ] {
        ctx.open(fragment)?;
        let banner = ctx.session.wait_for(
            "the banner",
            "var n = document.querySelector('[data-testid=notice]'); return n ? n.textContent : null;",
            Duration::from_secs(10),
        )?;
        let text = banner.as_str().unwrap_or("");
        if !text.contains("could not be opened") {
            return Err(format!("{name}: the banner says {text:?}"));
        }
        wait_ready(ctx, "the default scenario's run")?;
        if name == "tampered" {
            ctx.screenshot("share-bad-link-banner")?;
        }
        // The page works: the first step finishes event 0's animation, the second moves on.
        key(ctx, "ArrowRight")?;
        key(ctx, "ArrowRight")?;
        let (cursor, _) = ctx.cursor()?;
        if cursor == 0 {
            return Err(format!("{name}: the page does not step after a bad link"));
        }
    }
    ctx.assert_no_errors()
}

/// The edited scenario survives a reload (opening the page with no link and no query).
pub(super) fn autosave_survives_a_reload(ctx: &Ctx) -> Result<(), String> {
    ctx.open_preset("c07-before")?;
    ctx.click("tab-settings")?;
    ctx.set_field("field-orders.add_item.duplicate_check", "processed_ids")?;
    ctx.set_field("field-orders.remove_item.duplicate_check", "processed_ids")?;
    ctx.expect_status("OrdersMatchIntent", "holds")?;
    // Let the page settle so the autosave of the last edit is written.
    std::thread::sleep(Duration::from_millis(300));
    ctx.session.navigate("about:blank")?;
    ctx.open("")?;
    wait_ready(ctx, "the autosaved run")?;
    ctx.expect_status("OrdersMatchIntent", "holds")?;
    ctx.click("tab-settings")?;
    let field = ctx.session.wait_for(
        "the settings form",
        "var f = document.querySelector('[data-testid=\"field-orders.add_item.duplicate_check\"]'); return f ? f.value : null;",
        Duration::from_secs(5),
    )?;
    if field != json!("processed_ids") {
        return Err(format!("the autosave lost the edit: {field}"));
    }
    ctx.assert_no_errors()
}

/// Save under a name, rename, reopen after switching presets, delete.
pub(super) fn saved_scenarios_round_trip(ctx: &Ctx) -> Result<(), String> {
    ctx.open_preset("c05-before")?;
    ctx.click("tab-settings")?;
    ctx.set_field("field-orders.add_item.order", "store_then_publish")?;
    ctx.expect_status("NoGhostMessages", "holds")?;
    ctx.click("tab-share")?;
    ctx.session.execute(
        "var i = document.querySelector('[data-testid=save-name]'); i.value = arguments[0]; i.dispatchEvent(new InputEvent('input', { bubbles: true })); return true;",
        json!(["ghost fixed"]),
    )?;
    ctx.click("save")?;
    ctx.session.wait_for(
        "the saved entry",
        "return document.querySelector('[data-testid=saved-list] [data-name=\"ghost fixed\"]') !== null;",
        Duration::from_secs(5),
    )?;
    // Somewhere else entirely, then back through the saved list.
    ctx.open_preset("c11-before")?;
    ctx.click("tab-share")?;
    ctx.session.wait_for(
        "the saved list after a reload",
        "return document.querySelector('[data-testid=saved-list] [data-name=\"ghost fixed\"] [data-testid=saved-open]') !== null;",
        Duration::from_secs(5),
    )?;
    ctx.js("document.querySelector('[data-testid=saved-list] [data-name=\"ghost fixed\"] [data-testid=saved-open]').click(); return true;")?;
    wait_ready(ctx, "the saved scenario's run")?;
    ctx.expect_status("NoGhostMessages", "holds")?;
    let preset =
        ctx.js("return document.querySelector('[data-testid=playground]').dataset.preset;")?;
    // c05-before with store-then-publish is exactly the c05-after preset, and the page says so.
    if preset != json!("c05-after") {
        return Err(format!(
            "the page should recognise the c05-after preset, it says {preset}"
        ));
    }
    ctx.assert_no_errors()
}

/// Import a scenario file (a preset file with the fix applied), then a broken one.
pub(super) fn import_a_scenario_file(ctx: &Ctx) -> Result<(), String> {
    ctx.open_preset("c05-before")?;
    ctx.expect_status("NoGhostMessages", "violated")?;
    ctx.click("tab-share")?;
    ctx.session.wait_for(
        "the import field",
        "return document.querySelector('[data-testid=import-scenario]') !== null;",
        Duration::from_secs(5),
    )?;
    let good = crate::tools::root()
        .join("crates")
        .join("core")
        .join("presets")
        .join("c05-after.json");
    ctx.session
        .upload_file("[data-testid=import-scenario]", &good)?;
    ctx.session.wait_for(
        "the imported scenario",
        "return document.querySelector('[data-testid=playground]').dataset.preset === 'c05-after';",
        Duration::from_secs(10),
    )?;
    wait_ready(ctx, "the imported scenario's run")?;
    ctx.expect_status("NoGhostMessages", "holds")?;
    let bad = ctx.shots.join("not-a-scenario.json");
    std::fs::write(&bad, "{\"format\": 1, \"seed\": \"soon\"}").map_err(|e| e.to_string())?;
    ctx.session
        .upload_file("[data-testid=import-scenario]", &bad)?;
    let message = ctx.session.wait_for(
        "the import error",
        "var m = document.querySelector('[data-testid=share-message]'); return m && m.textContent.indexOf('not a playground scenario') >= 0 ? m.textContent : null;",
        Duration::from_secs(10),
    )?;
    if !message.as_str().unwrap_or("").contains("line 1 column") {
        return Err(format!("the import error does not say where: {message}"));
    }
    // The work is intact: still the imported scenario.
    ctx.expect_status("NoGhostMessages", "holds")?;
    ctx.assert_no_errors()
}

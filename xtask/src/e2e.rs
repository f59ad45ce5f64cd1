//! The end-to-end suite: the release build served from a sub-path on 127.0.0.1, driven in headless
//! Chromium. Each check gets a fresh page; any console error or error overlay fails it.

use crate::http::StaticServer;
use crate::webdriver::{Driver, Session};
use serde_json::json;
use std::path::{Path, PathBuf};
use std::time::Duration;

/// The sub-path the release build is served from, as a hosted page would be.
pub const PUBLIC_URL: &str = "/playground/";

/// What a check can use.
pub struct Ctx<'s> {
    pub session: &'s Session<'s>,
    pub base_url: String,
    pub shots: PathBuf,
}

type Check = fn(&Ctx) -> Result<(), String>;

/// Every end-to-end check, in the order they run.
const CHECKS: &[(&str, Check)] = &[
    ("page_loads_without_errors", page_loads_without_errors),
    (
        "assets_load_from_the_sub_path",
        assets_load_from_the_sub_path,
    ),
    (
        "missing_page_under_sub_path_is_not_served_blank",
        missing_page_is_404,
    ),
];

impl Ctx<'_> {
    /// Opens `url_suffix` under the base URL and waits until the playground has rendered.
    pub fn open(&self, url_suffix: &str) -> Result<(), String> {
        self.session
            .navigate(&format!("{}{url_suffix}", self.base_url))?;
        self.session.wait_for(
            "the playground to render (or an error overlay)",
            "return document.querySelector('[data-testid=playground], #eop-error-overlay') !== null;",
            Duration::from_secs(30),
        )?;
        Ok(())
    }

    /// Fails when the page shows the error overlay, recorded an error, or logged a console error.
    pub fn assert_no_errors(&self) -> Result<(), String> {
        let overlay = self.session.execute(
            "var o = document.getElementById('eop-error-overlay'); return o ? o.textContent : null;",
            json!([]),
        )?;
        if let Some(text) = overlay.as_str() {
            return Err(format!("the page shows an error overlay: {text}"));
        }
        let recorded = self
            .session
            .execute("return window.__eopErrors || [];", json!([]))?;
        if recorded.as_array().is_some_and(|a| !a.is_empty()) {
            return Err(format!("the page recorded errors: {recorded}"));
        }
        let severe: Vec<String> = self
            .session
            .console_logs()?
            .into_iter()
            .filter(|(level, _)| level == "SEVERE")
            .map(|(_, message)| message)
            .collect();
        if !severe.is_empty() {
            return Err(format!("console errors: {}", severe.join(" | ")));
        }
        Ok(())
    }

    /// Saves a screenshot under target/e2e/ for a person to look at.
    pub fn screenshot(&self, name: &str) -> Result<PathBuf, String> {
        let png = self.session.screenshot()?;
        let path = self.shots.join(format!("{name}.png"));
        std::fs::write(&path, png).map_err(|e| format!("write {}: {e}", path.display()))?;
        Ok(path)
    }
}

fn page_loads_without_errors(ctx: &Ctx) -> Result<(), String> {
    ctx.open("")?;
    ctx.assert_no_errors()?;
    let title = ctx.session.execute(
        "var m = document.querySelector('[data-testid=playground]'); return m ? m.textContent : '';",
        json!([]),
    )?;
    if !title
        .as_str()
        .unwrap_or("")
        .contains("Exactly-Once Playground")
    {
        return Err(format!(
            "the playground's text is missing its title: {title}"
        ));
    }
    ctx.screenshot("home")?;
    Ok(())
}

fn assets_load_from_the_sub_path(ctx: &Ctx) -> Result<(), String> {
    ctx.open("")?;
    let urls = ctx.session.execute(
        "return performance.getEntriesByType('resource').map(function (e) { return e.name; });",
        json!([]),
    )?;
    let urls: Vec<&str> = urls
        .as_array()
        .map(|a| a.iter().filter_map(|v| v.as_str()).collect())
        .unwrap_or_default();
    if !urls.iter().any(|u| u.ends_with(".wasm")) {
        return Err(format!("no .wasm was loaded: {urls:?}"));
    }
    let outside: Vec<&&str> = urls.iter().filter(|u| !u.contains(PUBLIC_URL)).collect();
    if !outside.is_empty() {
        return Err(format!(
            "assets loaded from outside {PUBLIC_URL}: {outside:?}"
        ));
    }
    ctx.assert_no_errors()
}

fn missing_page_is_404(ctx: &Ctx) -> Result<(), String> {
    let port: u16 = ctx
        .base_url
        .trim_start_matches("http://127.0.0.1:")
        .split('/')
        .next()
        .and_then(|p| p.parse().ok())
        .ok_or("bad base url")?;
    let (status, _) = crate::http::request("GET", "/not-the-playground/", port, None)?;
    if status != 404 {
        return Err(format!("expected 404 outside the sub-path, got {status}"));
    }
    Ok(())
}

/// Runs every check against `dist`; returns (passed, failed).
pub fn run(dist: &Path, chromium: &Path, chromedriver: &Path) -> Result<(usize, usize), String> {
    if !dist.join("index.html").is_file() {
        return Err(format!(
            "{} has no index.html: run the release build first",
            dist.display()
        ));
    }
    let shots = crate::tools::root().join("target").join("e2e");
    std::fs::create_dir_all(&shots).map_err(|e| e.to_string())?;
    let server = StaticServer::start(dist, PUBLIC_URL)?;
    let driver = Driver::start(chromedriver)?;
    let (mut passed, mut failed) = (0, 0);
    for (name, check) in CHECKS {
        // A fresh browser per check: no state (storage, history) leaks between checks.
        let session = driver.session(chromium, 1366, 768)?;
        let ctx = Ctx {
            session: &session,
            base_url: server.url(PUBLIC_URL),
            shots: shots.clone(),
        };
        match check(&ctx) {
            Ok(()) => {
                passed += 1;
                println!("e2e {name} ... ok");
            }
            Err(message) => {
                failed += 1;
                let _ = ctx.screenshot(&format!("FAILED-{name}"));
                println!("e2e {name} ... FAILED: {message}");
            }
        }
    }
    println!(
        "e2e: {passed} passed, {failed} failed (screenshots in {})",
        shots.display()
    );
    Ok((passed, failed))
}

/// Serves `dist` and saves one screenshot of `path` (under the sub-path) at `width`x`height`.
pub fn screenshot(
    dist: &Path,
    chromedriver: &Path,
    chromium: &Path,
    path: &str,
    size: (u32, u32),
    out: &Path,
) -> Result<(), String> {
    let server = StaticServer::start(dist, PUBLIC_URL)?;
    let driver = Driver::start(chromedriver)?;
    let session = driver.session(chromium, size.0, size.1)?;
    let ctx = Ctx {
        session: &session,
        base_url: server.url(PUBLIC_URL),
        shots: PathBuf::new(),
    };
    ctx.open(path)?;
    std::thread::sleep(Duration::from_millis(500));
    let png = session.screenshot()?;
    std::fs::write(out, png).map_err(|e| format!("write {}: {e}", out.display()))
}

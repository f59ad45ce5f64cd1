//! `cargo xtask bench`: the speed figures, natively and in the browser. Benchmarks, not tests:
//! they print numbers and fail only when something cannot run.

use crate::http::StaticServer;
use crate::tools::{self, run};
use crate::webdriver::Driver;
use std::time::Duration;

/// Native benchmarks (`cargo bench`), then the release build's `?bench` mode in headless Chromium.
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
    crate::steps::release_build(crate::e2e::PUBLIC_URL)?;
    let (Some(chromium), Some(chromedriver)) = (tools.chromium, tools.chromedriver) else {
        return Err("Chromium and chromedriver are needed".into());
    };
    let server = StaticServer::start(&crate::steps::dist_dir(), crate::e2e::PUBLIC_URL)?;
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
    println!(
        "browser checker: {}: {} distinct states, depth {}, {:.3} s: {:.0} distinct states per second, {} bytes per distinct state",
        checker["model"],
        checker["distinct_states"],
        checker["depth"],
        checker["seconds"].as_f64().unwrap_or(0.0),
        checker["distinct_states_per_second"].as_f64().unwrap_or(0.0),
        checker["bytes_per_distinct_state"]
    );
    Ok(())
}

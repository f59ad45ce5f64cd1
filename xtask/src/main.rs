//! The README's commands, one entry point: `cargo xtask serve` and `cargo xtask test`.
//!
//! Both install what a fresh machine lacks (the wasm32 target, Trunk, the exact `wasm-bindgen-cli`,
//! Chromium and its driver) and reuse tools already installed at the right version.

mod bench;
mod e2e;
mod http;
mod steps;
mod tools;
mod webdriver;

use std::process::ExitCode;

const USAGE: &str = "\
usage: cargo xtask <command>

commands:
  serve              build and serve the playground at http://127.0.0.1:8080 (Trunk, rebuilds on change)
  test               run every test: fmt, clippy (native, wasm32), native tests, browser tests,
                     release build, end-to-end suite (stops at the first failure)
  dist [--public-url P]  release build into dist/ (default public URL /)
  e2e                end-to-end suite against the existing release build in dist/
  screenshot [--path P] [--size WxH] OUT.png
                     serve dist/ and save a headless Chromium screenshot of the page
  bench [--browser-only]
                     speed figures: native cargo benches, then the release build's ?bench mode
                     in headless Chromium (simulator handler steps/s, checker states/s)
  tools              install whatever is missing, print the tool versions
";

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let result = match args.first().map(String::as_str) {
        Some("serve") => steps::serve(),
        Some("test") => steps::test_all(),
        Some("dist") => steps::dist(&args[1..]),
        Some("e2e") => steps::e2e_only(),
        Some("screenshot") => steps::screenshot(&args[1..]),
        Some("bench") => bench::bench(&args[1..]),
        Some("tools") => tools::ensure_all(true).map(|_| ()),
        Some("-h" | "--help" | "help") | None => {
            print!("{USAGE}");
            Ok(())
        }
        Some(other) => Err(format!("unknown command `{other}`\n\n{USAGE}")),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("xtask: {message}");
            ExitCode::FAILURE
        }
    }
}

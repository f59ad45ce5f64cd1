//! Installing what a fresh machine lacks, and reusing what is already there at the right version.
//!
//! Only package registries are reachable here (crates.io, npm, Debian), so every tool is built or
//! installed from a registry by name: no prebuilt-binary downloads (Trunk's own tool download fails).

use std::path::{Path, PathBuf};
use std::process::Command;

/// Trunk 0.22 needs a newer rustc than this machine's 1.95.
pub const TRUNK_VERSION: &str = "0.21.14";
/// npm's binaryen ships a `wasm-opt` that reads rustc 1.95's output (Debian's 108 cannot).
pub const BINARYEN_VERSION: &str = "132.0.0";
/// The wasm-opt version Trunk is told to expect (Trunk compares it with `wasm-opt --version`).
pub const WASM_OPT_TRUNK_VERSION: &str = "version_132";

/// Paths of the tools the commands use.
pub struct Tools {
    pub chromium: Option<PathBuf>,
    pub chromedriver: Option<PathBuf>,
}

/// The workspace root (the folder of the root `Cargo.toml`).
pub fn root() -> PathBuf {
    let manifest = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    manifest.parent().map(Path::to_path_buf).unwrap_or(manifest)
}

fn home() -> PathBuf {
    std::env::var_os("HOME")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("/root"))
}

fn cargo_bin_dir() -> PathBuf {
    std::env::var_os("CARGO_HOME")
        .map(PathBuf::from)
        .unwrap_or_else(|| home().join(".cargo"))
        .join("bin")
}

/// Where npm-installed tools live: outside the clone, so a fresh clone reuses them.
fn npm_tools_dir() -> PathBuf {
    home()
        .join(".cache")
        .join("exactly-once-playground")
        .join(format!("binaryen-{BINARYEN_VERSION}"))
}

/// Puts cargo's bin folder and the npm tools first on PATH, for this process and its children.
pub fn set_path() {
    let mut paths = vec![
        cargo_bin_dir(),
        npm_tools_dir().join("node_modules").join(".bin"),
    ];
    if let Some(existing) = std::env::var_os("PATH") {
        paths.extend(std::env::split_paths(&existing));
    }
    if let Ok(joined) = std::env::join_paths(paths) {
        std::env::set_var("PATH", joined);
    }
}

/// Runs `program args` and returns its stdout (trimmed) when it exits 0.
pub fn output_of(program: &str, args: &[&str]) -> Option<String> {
    let out = Command::new(program).args(args).output().ok()?;
    out.status
        .success()
        .then(|| String::from_utf8_lossy(&out.stdout).trim().to_string())
}

/// Runs a command, inheriting stdout and stderr; an error names the command.
pub fn run(program: &str, args: &[&str]) -> Result<(), String> {
    run_in(program, args, &root(), &[])
}

/// Runs a command in `dir` with extra environment variables.
pub fn run_in(
    program: &str,
    args: &[&str],
    dir: &Path,
    env: &[(&str, &str)],
) -> Result<(), String> {
    println!("$ {program} {}", args.join(" "));
    let status = Command::new(program)
        .args(args)
        .current_dir(dir)
        .envs(env.iter().copied())
        .status()
        .map_err(|e| format!("could not start `{program}`: {e}"))?;
    if status.success() {
        Ok(())
    } else {
        Err(format!("`{program} {}` failed ({status})", args.join(" ")))
    }
}

/// The `wasm-bindgen` crate version in Cargo.lock: the CLI must match it exactly.
pub fn locked_wasm_bindgen_version() -> Result<String, String> {
    let lock = std::fs::read_to_string(root().join("Cargo.lock"))
        .map_err(|e| format!("cannot read Cargo.lock: {e}"))?;
    let mut lines = lock.lines();
    while let Some(line) = lines.next() {
        if line.trim() == "name = \"wasm-bindgen\"" {
            if let Some(version) = lines
                .next()
                .and_then(|l| l.trim().strip_prefix("version = \""))
            {
                return Ok(version.trim_end_matches('"').to_string());
            }
        }
    }
    Err("Cargo.lock has no wasm-bindgen package".into())
}

fn ensure_wasm_target() -> Result<(), String> {
    let installed = output_of("rustup", &["target", "list", "--installed"]).unwrap_or_default();
    if installed
        .lines()
        .any(|l| l.trim() == "wasm32-unknown-unknown")
    {
        return Ok(());
    }
    run("rustup", &["target", "add", "wasm32-unknown-unknown"])
}

fn ensure_trunk() -> Result<(), String> {
    let found = output_of("trunk", &["--version"]).unwrap_or_default();
    if found == format!("trunk {TRUNK_VERSION}") {
        return Ok(());
    }
    println!("Trunk {TRUNK_VERSION} is missing (found `{found}`): building it (about 15-20 minutes on 2 cores)");
    run(
        "cargo",
        &["install", "trunk", "--version", TRUNK_VERSION, "--locked"],
    )
}

fn ensure_wasm_bindgen() -> Result<(), String> {
    let wanted = locked_wasm_bindgen_version()?;
    let found = output_of("wasm-bindgen", &["--version"]).unwrap_or_default();
    let runner = output_of("wasm-bindgen-test-runner", &["--version"]).unwrap_or_default();
    if found == format!("wasm-bindgen {wanted}") && runner.ends_with(&wanted) {
        return Ok(());
    }
    println!(
        "wasm-bindgen-cli {wanted} is missing (found `{found}`): building it (about 6 minutes)"
    );
    // Without --locked: the CLI's own lock file pins a crate version the registry does not have.
    run(
        "cargo",
        &[
            "install",
            "wasm-bindgen-cli",
            "--version",
            &wanted,
            "--force",
        ],
    )
}

fn ensure_wasm_opt() -> Result<(), String> {
    let found = output_of("wasm-opt", &["--version"]).unwrap_or_default();
    if found.contains(WASM_OPT_TRUNK_VERSION) {
        return Ok(());
    }
    let dir = npm_tools_dir();
    std::fs::create_dir_all(&dir).map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
    let package = format!("binaryen@{BINARYEN_VERSION}");
    let dir_text = dir.to_string_lossy().to_string();
    run(
        "npm",
        &[
            "install",
            "--no-audit",
            "--no-fund",
            "--no-save",
            "--prefix",
            &dir_text,
            &package,
        ],
    )?;
    let found = output_of("wasm-opt", &["--version"]).unwrap_or_default();
    if found.contains(WASM_OPT_TRUNK_VERSION) {
        Ok(())
    } else {
        Err(format!(
            "wasm-opt from npm {package} reports `{found}`, expected {WASM_OPT_TRUNK_VERSION}"
        ))
    }
}

fn find(candidates: &[&str]) -> Option<PathBuf> {
    candidates.iter().map(PathBuf::from).find(|p| p.exists())
}

fn ensure_chromium() -> Result<Tools, String> {
    let chromium = || find(&["/usr/bin/chromium", "/usr/bin/chromium-browser"]);
    let driver = || find(&["/usr/bin/chromedriver"]);
    if chromium().is_none() || driver().is_none() {
        println!(
            "Chromium or its driver is missing: installing Debian's chromium and chromium-driver"
        );
        run("apt-get", &["update"])?;
        run_in(
            "apt-get",
            &[
                "install",
                "-y",
                "--no-install-recommends",
                "chromium",
                "chromium-driver",
            ],
            &root(),
            &[("DEBIAN_FRONTEND", "noninteractive")],
        )?;
    }
    match (chromium(), driver()) {
        (Some(c), Some(d)) => Ok(Tools {
            chromium: Some(c),
            chromedriver: Some(d),
        }),
        _ => Err("Chromium and chromedriver are still missing after apt-get install".into()),
    }
}

/// Installs what is missing. `browser` also brings Chromium and chromedriver (the test command).
pub fn ensure_all(browser: bool) -> Result<Tools, String> {
    set_path();
    ensure_wasm_target()?;
    ensure_wasm_bindgen()?;
    ensure_wasm_opt()?;
    ensure_trunk()?;
    let tools = if browser {
        ensure_chromium()?
    } else {
        Tools {
            chromium: None,
            chromedriver: None,
        }
    };
    for (name, args) in [
        ("rustc", ["--version"]),
        ("trunk", ["--version"]),
        ("wasm-bindgen", ["--version"]),
        ("wasm-opt", ["--version"]),
    ] {
        println!(
            "  {name}: {}",
            output_of(name, &args).unwrap_or_else(|| "not found".into())
        );
    }
    if let Some(c) = &tools.chromium {
        let version = output_of(&c.to_string_lossy(), &["--version"]).unwrap_or_default();
        println!("  chromium: {version}");
    }
    Ok(tools)
}

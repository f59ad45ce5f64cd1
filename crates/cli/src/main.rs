//! `exactly-once`: run presets and scenario files of the Exactly-Once Playground from a terminal.

mod chapters_cmd;
mod check_cmd;
mod source;

use exactly_once_core::invariants::InvariantName;
use exactly_once_core::{presets, run_to_end, Scenario};
use std::io::Write;
use std::process::ExitCode;

const HELP: &str = "\
exactly-once — run the Exactly-Once Playground simulation

USAGE:
    exactly-once presets [--json]
    exactly-once run <preset-id | scenario.json> [--seed N] [--json]
    exactly-once check ...
    exactly-once chapters [<chapter-id>]
    exactly-once link encode <preset-id | scenario.json> [--at <event-index>]
    exactly-once link decode <link-or-fragment>
    exactly-once --version | --help

COMMANDS:
    presets   list the built-in presets (id, exercise, title); --json prints a JSON array of
              {\"id\", \"title\", \"exercise\"}
    run       run a preset or a scenario file to the end; prints the trace one line per event and
              the invariants, or with --json {\"invariants\", \"final_state\", \"events\"}
              --seed N replaces the scenario's seed
    check     exhaustive bounded checking (see `exactly-once check --help`)
    chapters  list the guided chapters, each with its anomaly before and after the fix and its
              beats resolved in the trace (event index and line); a problem in a chapter file is
              reported with its line (exit code 2)
    link      `encode` prints the share-link fragment (#v1.…) of a preset or scenario file, at
              event index N with --at N (for slides built from files); `decode` prints the
              scenario of a link (a full URL or just the fragment) as JSON

Exit codes: 0 ran (whatever the invariants say), 2 bad arguments, file, preset or scenario.
";

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    ExitCode::from(run_cli(&args))
}

fn fail(msg: &str) -> u8 {
    eprintln!("error: {msg}");
    2
}

fn run_cli(args: &[String]) -> u8 {
    match args.first().map(String::as_str) {
        None | Some("--help") | Some("-h") | Some("help") => {
            print!("{HELP}");
            0
        }
        Some("--version") | Some("-V") => {
            println!("exactly-once {}", exactly_once_core::version());
            0
        }
        Some("presets") => cmd_presets(&args[1..]),
        Some("run") => cmd_run(&args[1..]),
        Some("link") => cmd_link(&args[1..]),
        Some("chapters") => chapters_cmd::run(&args[1..]),
        Some("check") => {
            let code = check_cmd::run(&args[1..]);
            u8::try_from(code.clamp(0, 255)).unwrap_or(2)
        }
        Some(other) => fail(&format!(
            "unknown command `{other}`; try `exactly-once --help`"
        )),
    }
}

fn cmd_presets(args: &[String]) -> u8 {
    let mut json = false;
    for a in args {
        match a.as_str() {
            "--json" => json = true,
            other => return fail(&format!("`presets` does not take `{other}`")),
        }
    }
    let all = presets::all();
    let mut text = String::new();
    if json {
        let v: Vec<serde_json::Value> = all
            .iter()
            .map(|p| serde_json::json!({ "id": p.id, "title": p.title, "exercise": p.exercise }))
            .collect();
        text.push_str(&serde_json::Value::Array(v).to_string());
        text.push('\n');
    } else {
        for p in &all {
            text.push_str(&format!("{:<14} {:<22} {}\n", p.id, p.exercise, p.title));
        }
    }
    emit(&text)
}

fn load_scenario(what: &str) -> Result<Scenario, String> {
    match source::read(what)? {
        source::Source::Preset(scenario) => Ok(*scenario),
        source::Source::File(text) => {
            // A preset file (with id/title/…) is accepted as well as a bare scenario.
            if let Ok(p) = serde_json::from_str::<presets::Preset>(&text) {
                return Ok(p.scenario);
            }
            Scenario::from_json(&text).map_err(|e| format!("{what}: not a valid scenario ({e})"))
        }
    }
}

fn cmd_run(args: &[String]) -> u8 {
    let mut target: Option<&str> = None;
    let mut seed: Option<u64> = None;
    let mut json = false;
    let mut i = 0;
    while i < args.len() {
        match args[i].as_str() {
            "--json" => json = true,
            "--seed" => {
                let Some(v) = args.get(i + 1) else {
                    return fail("--seed needs a number");
                };
                match v.parse::<u64>() {
                    Ok(n) => seed = Some(n),
                    Err(_) => return fail(&format!("--seed `{v}` is not a non-negative integer")),
                }
                i += 1;
            }
            s if s.starts_with("--") => return fail(&format!("`run` does not take `{s}`")),
            s => {
                if target.is_some() {
                    return fail("`run` takes one preset id or scenario file");
                }
                target = Some(s);
            }
        }
        i += 1;
    }
    let Some(target) = target else {
        return fail(
            "`run` needs a preset id or a scenario file; `exactly-once presets` lists the ids",
        );
    };
    let mut scenario = match load_scenario(target) {
        Ok(s) => s,
        Err(e) => return fail(&e),
    };
    if let Some(s) = seed {
        scenario.seed = s;
    }
    let run = match run_to_end(&scenario) {
        Ok(r) => r,
        Err(errs) => {
            eprintln!("error: the scenario is not valid:");
            for e in errs {
                eprintln!("  - {e}");
            }
            return 2;
        }
    };
    let mut text = String::new();
    if json {
        text.push_str(&run.summary_json().to_string());
        text.push('\n');
    } else {
        text.push_str(&run.trace_text());
        text.push('\n');
        for name in InvariantName::ALL {
            match run.invariants.first_violation.get(&name) {
                None => text.push_str(&format!("  holds     {}\n", name.name())),
                Some(v) => text.push_str(&format!(
                    "  VIOLATED  {} at event #{}: {}\n",
                    name.name(),
                    v.event,
                    v.message
                )),
            }
        }
    }
    emit(&text)
}

fn cmd_link(args: &[String]) -> u8 {
    use exactly_once_core::link;
    match args {
        [verb, target, rest @ ..] if verb == "encode" => {
            let at_event = match rest {
                [] => None,
                [flag, n] if flag == "--at" => match n.parse::<u32>() {
                    Ok(n) => Some(n),
                    Err(_) => return fail(&format!("--at `{n}` is not an event index")),
                },
                _ => return fail("usage: exactly-once link encode <preset-id | scenario.json> [--at <event-index>]"),
            };
            let scenario = match load_scenario(target) {
                Ok(s) => s,
                Err(e) => return fail(&e),
            };
            if let Err(errs) = scenario.validate() {
                let list: Vec<String> = errs.iter().map(ToString::to_string).collect();
                return fail(&format!("the scenario is not valid: {}", list.join("; ")));
            }
            let moment = link::SharedMoment { at_event, ..link::SharedMoment::of(scenario) };
            emit(&format!("#{}\n", link::encode(&moment)))
        }
        [verb, text] if verb == "decode" => match link::decode(text) {
            Ok(moment) => {
                let mut out = moment.scenario.to_json();
                out.push('\n');
                emit(&out)
            }
            Err(e) => fail(&format!("cannot open this link: {e}")),
        },
        _ => fail("usage: exactly-once link encode <preset-id | scenario.json> [--at <event-index>] | exactly-once link decode <link-or-fragment>"),
    }
}

/// Writes to stdout; a closed pipe (`| head`) ends the output quietly instead of panicking.
fn emit(text: &str) -> u8 {
    let mut out = std::io::stdout().lock();
    match out.write_all(text.as_bytes()).and_then(|()| out.flush()) {
        Ok(()) => 0,
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => 0,
        Err(e) => fail(&format!("cannot write the output: {e}")),
    }
}

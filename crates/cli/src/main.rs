//! `exactly-once`: the command line over the Exactly-Once Playground core.

mod check_cmd;

use std::process::ExitCode;

const HELP: &str = "\
exactly-once — the Exactly-Once Playground from a terminal

USAGE:
    exactly-once check ...          exhaustive bounded checking (see `exactly-once check --help`)
    exactly-once --version | --help
";

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let code: i32 = match args.first().map(String::as_str) {
        None | Some("--help" | "-h" | "help") => {
            print!("{HELP}");
            0
        }
        Some("--version" | "-V") => {
            println!("exactly-once {}", exactly_once_core::version());
            0
        }
        Some("check") => check_cmd::run(&args[1..]),
        Some(other) => {
            eprintln!("error: unknown command `{other}`; try `exactly-once --help`");
            2
        }
    };
    ExitCode::from(u8::try_from(code.clamp(0, 255)).unwrap_or(2))
}

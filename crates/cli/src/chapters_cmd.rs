//! `exactly-once chapters [id]`: what a speaker checks after editing a chapter file: the anomaly
//! before and after the fix, and where every beat lands in the deterministic trace.

use exactly_once_core::chapters::{self, Chapter, Source};
use exactly_once_core::run_to_end;

pub fn run(args: &[String]) -> u8 {
    let problems = chapters::problems();
    for p in &problems {
        eprintln!("error: {p}");
    }
    let only = args.first().map(String::as_str);
    let list: Vec<Chapter> = chapters::all()
        .into_iter()
        .filter(|c| only.is_none_or(|id| c.id == id))
        .collect();
    if list.is_empty() {
        eprintln!("error: no chapter {}", only.unwrap_or(""));
        return 2;
    }
    let mut failed = !problems.is_empty();
    for c in &list {
        println!("{:>2}. {} [{}]", c.number, c.title, c.id);
        match &c.source {
            Source::Preset(p) => failed |= !show_preset(c, p),
            Source::Model {
                variant,
                fixed_variant,
                max_failures,
                messages,
            } => {
                println!(
                    "    model: MessageHandler variant {} -> {} (MaxFailures={max_failures}, NoMessages={messages})",
                    variant.name(),
                    fixed_variant.name()
                );
                for fixed in [false, true] {
                    let when = if fixed { "after " } else { "before" };
                    match c.model_check(fixed) {
                        Ok(Some(trace)) => {
                            println!(
                                "    {when}: {} violated, counterexample of {} states",
                                c.anomaly.name(),
                                trace.states.len()
                            );
                            for b in c.model_beats(trace.states.len()) {
                                let step = trace
                                    .states
                                    .get(b.event as usize)
                                    .map_or("", |s| s.step.as_str());
                                println!("      beat {:<44} state {:>2}: {step}", b.label, b.event);
                            }
                        }
                        Ok(None) => println!("    {when}: {} holds", c.anomaly.name()),
                        Err(e) => {
                            failed = true;
                            println!("    {when}: error: {e}");
                        }
                    }
                }
            }
        }
    }
    if failed {
        2
    } else {
        0
    }
}

fn show_preset(c: &Chapter, preset: &str) -> bool {
    let mut ok = true;
    for fixed in [false, true] {
        let when = if fixed { "after " } else { "before" };
        let run = match c
            .scenario(fixed)
            .map_err(|e| e.to_string())
            .and_then(|s| run_to_end(&s).map_err(|errs| format!("{errs:?}")))
        {
            Ok(r) => r,
            Err(e) => {
                println!("    {when}: error: {e}");
                return false;
            }
        };
        let label = if fixed { c.fix.label.as_str() } else { preset };
        let anomaly = c.anomaly_at(&run);
        match anomaly {
            Some(at) => println!("    {when} ({label}): {} at event #{at}", c.anomaly.name()),
            None => println!("    {when} ({label}): no {}", c.anomaly.name()),
        }
        let lines: Vec<String> = run.trace_text().lines().map(str::to_string).collect();
        let beats = c.beats(&run);
        for b in &beats {
            let line = lines
                .get(b.event as usize)
                .map(String::as_str)
                .unwrap_or("");
            println!("      beat {:<44} {}", b.label, line);
        }
        let missing = c.beats.len() - beats.len();
        if missing > 0 && !fixed {
            println!("      ({missing} beat(s) not found in this trace)");
            ok = false;
        }
        ok &= anomaly.is_some() != fixed;
    }
    ok
}

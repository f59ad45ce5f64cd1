//! The settings form as data: which fields exist for which part of the scenario, how a value is
//! written into the scenario's JSON by path (the same dotted paths `Scenario::validate` reports,
//! so its messages land next to the right field), and the text form of the user's script.

use exactly_once_core::ids::OrderId;
use exactly_once_core::scenario::{self, Action, Filling, ScriptStep};
use serde_json::Value;

/// What kind of input a field needs.
#[derive(Clone, Debug, PartialEq)]
pub enum FieldKind {
    /// One of these snake_case values (`null` allowed when `optional`).
    Choice {
        options: &'static [&'static str],
        optional: bool,
    },
    Number,
    Flag,
    /// A probability written `num/den`, or empty for none.
    Ratio,
    /// A set of error kinds (checkboxes).
    ErrorKinds,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Field {
    pub path: String,
    pub label: &'static str,
    pub kind: FieldKind,
    pub help: &'static str,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Group {
    pub title: String,
    /// For a subscriber: the path whose `null` means "not deployed".
    pub deploy: Option<String>,
    pub deployed: bool,
    pub fields: Vec<Field>,
}

fn choice(options: &'static [&'static str]) -> FieldKind {
    FieldKind::Choice {
        options,
        optional: false,
    }
}

fn logic_fields(p: &str, first_item_added: bool) -> Vec<Field> {
    let mut v = vec![
        Field {
            path: format!("{p}.order"),
            label: "order of operations",
            kind: choice(scenario::OperationOrder::NAMES),
            help: "publish then store (PU) or store then publish (UP)",
        },
        Field {
            path: format!("{p}.duplicate_check"),
            label: "duplicate check",
            kind: choice(scenario::DuplicateCheck::NAMES),
            help: "how a handler recognises a message it already processed",
        },
        Field {
            path: format!("{p}.republish_on_duplicate"),
            label: "republish on duplicate",
            kind: FieldKind::Flag,
            help: "a duplicate may be a retry after a failed publish",
        },
        Field {
            path: format!("{p}.outgoing_ids"),
            label: "outgoing ids",
            kind: choice(scenario::OutgoingIds::NAMES),
            help: "fresh GUID per publish, or DeterministicGuid(incoming id, suffix)",
        },
        Field {
            path: format!("{p}.dispatch"),
            label: "dispatch",
            kind: choice(scenario::DispatchMode::NAMES),
            help: "immediate sends survive a later failure; batched ones go out after success",
        },
        Field {
            path: format!("{p}.consistency"),
            label: "consistency",
            kind: choice(scenario::Consistency::NAMES),
            help: "plain handler, outbox, inbox or token strategies of the workshop",
        },
    ];
    if first_item_added {
        v.push(Field {
            path: format!("{p}.first_item_added"),
            label: "publish FirstItemAdded",
            kind: FieldKind::Flag,
            help: "when the order's line count becomes 1",
        });
    }
    v
}

fn endpoint_fields(p: &str) -> Vec<Field> {
    vec![
        Field {
            path: format!("{p}.concurrency"),
            label: "instances",
            kind: FieldKind::Number,
            help: "handler instances running at once",
        },
        Field {
            path: format!("{p}.lease_ms"),
            label: "lease (ms)",
            kind: FieldKind::Number,
            help: "a copy not acked within this time is delivered again",
        },
        Field {
            path: format!("{p}.immediate_retries"),
            label: "immediate retries",
            kind: FieldKind::Number,
            help: "then the error queue",
        },
        Field {
            path: format!("{p}.step_ms"),
            label: "step duration (ms)",
            kind: FieldKind::Number,
            help: "virtual time of each handler step",
        },
        Field {
            path: format!("{p}.unrecoverable"),
            label: "unrecoverable errors",
            kind: FieldKind::ErrorKinds,
            help: "skip the retries and go to the error queue at once",
        },
    ]
}

/// The form's groups for a scenario (as JSON: which subscribers are deployed decides the groups).
pub fn groups(scenario: &Value) -> Vec<Group> {
    let deployed = |key: &str| !get_path(scenario, key).is_none_or(Value::is_null);
    let via_send_local = get_path(scenario, "frontend.submit_via_send_local")
        .and_then(Value::as_bool)
        .unwrap_or(false);
    let mut orders = Vec::new();
    orders.extend(logic_fields("orders.add_item", true));
    orders.extend(logic_fields("orders.remove_item", false));
    orders.extend(logic_fields("orders.submit_order", false));
    orders.push(Field {
        path: "orders.order_key".into(),
        label: "order key",
        kind: choice(scenario::OrderKey::NAMES),
        help: "the order id from the message, or a fresh one per processing",
    });
    orders.extend(endpoint_fields("orders.endpoint"));
    let mut frontend = vec![
        Field {
            path: "frontend.submit_flow".into(),
            label: "submit flow",
            kind: choice(scenario::SubmitFlow::NAMES),
            help: "what Submit does with the cart",
        },
        Field {
            path: "frontend.submit_via_send_local".into(),
            label: "submit via SendLocal",
            kind: FieldKind::Flag,
            help: "SendSubmitOrder to itself, handled with retries",
        },
        Field {
            path: "frontend.importer_retry_ms".into(),
            label: "importer retry (ms)",
            kind: FieldKind::Number,
            help: "the importer's next pass after a failed one",
        },
    ];
    if via_send_local {
        frontend.extend(logic_fields("frontend.send_submit_order", false));
    }
    frontend.extend(endpoint_fields("frontend.endpoint"));
    let mut v = vec![Group {
        title: "Orders".into(),
        deploy: None,
        deployed: true,
        fields: orders,
    }];
    for (name, key) in [("Shipping", "shipping"), ("Marketing", "marketing")] {
        let on = deployed(key);
        let mut fields = Vec::new();
        if on {
            fields.extend(logic_fields(&format!("{key}.logic"), false));
            fields.extend(endpoint_fields(&format!("{key}.endpoint")));
        }
        v.push(Group {
            title: name.into(),
            deploy: Some(key.into()),
            deployed: on,
            fields,
        });
    }
    v.push(Group {
        title: "Frontend".into(),
        deploy: None,
        deployed: true,
        fields: frontend,
    });
    let knob = |path: &str, label: &'static str, help: &'static str| Field {
        path: path.into(),
        label,
        kind: FieldKind::Ratio,
        help,
    };
    v.push(Group {
        title: "Global chaos knobs".into(),
        deploy: None,
        deployed: true,
        fields: vec![
            knob(
                "knobs.duplicate_rate",
                "duplicate rate",
                "every send duplicated (same id) with this probability, e.g. 1/10",
            ),
            knob(
                "knobs.delay_rate",
                "delay rate",
                "every send delayed by the delay below",
            ),
            Field {
                path: "knobs.delay_ms".into(),
                label: "delay (ms)",
                kind: FieldKind::Number,
                help: "how long a delayed send is held back",
            },
            knob(
                "knobs.commit_failure_rate",
                "commit failure rate",
                "every handler commit fails",
            ),
            knob(
                "knobs.crash_rate",
                "crash rate",
                "every handler step crashes",
            ),
            knob(
                "knobs.lost_ack_rate",
                "lost ack rate",
                "a send reaches the broker but its acknowledgement is lost",
            ),
        ],
    });
    let limit = |path: &str, label: &'static str, help: &'static str| Field {
        path: path.into(),
        label,
        kind: FieldKind::Number,
        help,
    };
    v.push(Group {
        title: "Limits".into(),
        deploy: None,
        deployed: true,
        fields: vec![
            limit("limits.max_events", "max events", "the run stops here"),
            limit(
                "limits.max_time_ms",
                "max virtual time (ms)",
                "the run stops here",
            ),
            limit("limits.max_queue_len", "max queue length", "per endpoint"),
            limit("limits.max_script_steps", "max script steps", ""),
            limit(
                "limits.max_request_retries",
                "max request retries",
                "importer / resubmission passes per step",
            ),
        ],
    });
    v
}

/// The handler a field belongs to, for the form's sub-headings ("AddItem", "RemoveItem", …).
pub fn handler_of(path: &str) -> Option<&'static str> {
    [
        ("orders.add_item.", "AddItem handler"),
        ("orders.remove_item.", "RemoveItem handler"),
        ("orders.submit_order.", "SubmitOrder handler"),
        ("orders.endpoint.", "Orders endpoint"),
        ("frontend.send_submit_order.", "SendSubmitOrder handler"),
        ("frontend.endpoint.", "Frontend endpoint"),
        ("shipping.logic.", "handler"),
        ("shipping.endpoint.", "endpoint"),
        ("marketing.logic.", "handler"),
        ("marketing.endpoint.", "endpoint"),
    ]
    .iter()
    .find(|(p, _)| path.starts_with(p))
    .map(|(_, h)| *h)
}

pub use exactly_once_core::json_path::{get_path, set_path};

/// Parses a number field.
pub fn parse_number(text: &str) -> Result<Value, String> {
    text.trim()
        .parse::<u64>()
        .map(Value::from)
        .map_err(|_| format!("\"{}\" is not a whole number (0 or more)", text.trim()))
}

/// Parses a probability `num/den` (empty = none).
pub fn parse_ratio(text: &str) -> Result<Value, String> {
    let t = text.trim();
    if t.is_empty() {
        return Ok(Value::Null);
    }
    let (a, b) = t
        .split_once('/')
        .ok_or_else(|| format!("\"{t}\" is not a probability: write it as num/den, e.g. 1/10"))?;
    let num: u32 = a
        .trim()
        .parse()
        .map_err(|_| format!("\"{}\" is not a whole number", a.trim()))?;
    let den: u32 = b
        .trim()
        .parse()
        .map_err(|_| format!("\"{}\" is not a whole number", b.trim()))?;
    Ok(json_value(&format!(r#"{{"num":{num},"den":{den}}}"#)))
}

/// Shows a probability as `num/den`.
pub fn format_ratio(v: &Value) -> String {
    match (
        v.get("num").and_then(Value::as_u64),
        v.get("den").and_then(Value::as_u64),
    ) {
        (Some(n), Some(d)) => format!("{n}/{d}"),
        _ => String::new(),
    }
}

/// The variant name of an externally tagged enum value: `"drop"` or `{"duplicate": {…}}`.
pub fn variant_of(v: &Value) -> Option<&str> {
    match v {
        Value::String(s) => Some(s),
        Value::Object(m) if m.len() == 1 => m.keys().next().map(String::as_str),
        _ => None,
    }
}

/// A starting value for each chaos effect, so that picking an effect gives a valid rule.
pub fn effect_template(kind: &str) -> Value {
    json_value(match kind {
        "duplicate" => r#"{"duplicate":{"delay_ms":0}}"#,
        "delay" => r#"{"delay":{"delay_ms":5000}}"#,
        "drop" => r#""drop""#,
        "fail_publish" => r#"{"fail_publish":{"broker_has_it":false,"after_ms":0}}"#,
        "fail_commit" => r#""fail_commit""#,
        "slow" => r#"{"slow":{"after":"logic","delay_ms":5000}}"#,
        "crash" => r#"{"crash":{"after":"commit"}}"#,
        _ => r#"{"hang":{"after":"logic","delay_ms":10000}}"#,
    })
}

/// A JSON literal of this file as a value. Templates are text, not `json!`: each `json!` object
/// expands to its own insertion code in the page's bundle, text is a few bytes of data.
fn json_value(text: &str) -> Value {
    serde_json::from_str(text).unwrap_or(Value::Null)
}

/// A starting value for each kind of "when".
pub fn when_template(kind: &str) -> Value {
    json_value(match kind {
        "first" => r#""first""#,
        "every" => r#""every""#,
        "nth" => r#"{"nth":{"n":2}}"#,
        "every_nth" => r#"{"every_nth":{"n":2,"from":1}}"#,
        _ => r#"{"probability":{"num":1,"den":2}}"#,
    })
}

pub const WHEN_OPTIONS: &[&str] = &["first", "every", "nth", "every_nth", "probability"];

/// A new rule: duplicate every AddItem the Frontend sends.
pub fn new_rule() -> Value {
    json_value(
        r#"{"target":{"endpoint":"frontend","message":"AddItem","filling":null},"when":"every","effect":{"duplicate":{"delay_ms":0}},"once_group":null}"#,
    )
}

fn filling_name(f: Filling) -> String {
    format!("{f:?}")
}

fn parse_filling(word: &str) -> Result<Filling, String> {
    let w = word.to_ascii_lowercase();
    Ok(match w.as_str() {
        "meat" => Filling::Meat,
        "mushrooms" => Filling::Mushrooms,
        "quarkandpotatoes" | "ruskie" => Filling::QuarkAndPotatoes,
        "swisscheese" => Filling::SwissCheese,
        "strawberry" => Filling::Strawberry,
        _ => {
            return Err(format!(
                "\"{word}\" is not a filling: Meat, Mushrooms, QuarkAndPotatoes, SwissCheese or Strawberry"
            ))
        }
    })
}

fn parse_id(word: &str) -> Result<OrderId, String> {
    word.parse::<u32>()
        .map(OrderId)
        .map_err(|_| format!("\"{word}\" is not an order number (write e.g. order 1)"))
}

/// The script as text, one step a line: `100 ms: add SwissCheese to order 1`.
pub fn format_script(steps: &[ScriptStep]) -> String {
    steps
        .iter()
        .map(|s| {
            let what = match &s.action {
                Action::SubmitOrder { order } => format!("submit order {}", order.0),
                Action::AddItem { order, filling } => {
                    format!("add {} to order {}", filling_name(*filling), order.0)
                }
                Action::RemoveItem { order, filling } => {
                    format!("remove {} from order {}", filling_name(*filling), order.0)
                }
                Action::Import { order, filling } => {
                    format!("import {} into order {}", filling_name(*filling), order.0)
                }
                Action::CartAdd { cart, filling } => {
                    format!("cart add {} to cart {}", filling_name(*filling), cart.0)
                }
                Action::CartRemove { cart, filling } => {
                    format!(
                        "cart remove {} from cart {}",
                        filling_name(*filling),
                        cart.0
                    )
                }
                Action::Submit { cart } => format!("submit cart {}", cart.0),
            };
            format!("{} ms: {what}", s.at_ms)
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// Parses one line; `at N ms` may come first or last, and `N ms:` first.
fn parse_line(line: &str) -> Result<ScriptStep, String> {
    let mut words: Vec<String> = line
        .replace(':', " ")
        .split_whitespace()
        .map(str::to_string)
        .collect();
    // Time: "N ms" at the start, or "at N ms" anywhere.
    let mut at_ms = None;
    let mut i = 0;
    while i + 1 < words.len() {
        if words[i + 1].eq_ignore_ascii_case("ms") {
            if let Ok(n) = words[i].parse::<u64>() {
                let start = if i > 0 && words[i - 1].eq_ignore_ascii_case("at") {
                    i - 1
                } else {
                    i
                };
                at_ms = Some(n);
                words.drain(start..i + 2);
                break;
            }
        }
        i += 1;
    }
    let at_ms = at_ms.ok_or("missing the time: start the line with e.g. \"100 ms:\"")?;
    let w: Vec<&str> = words.iter().map(String::as_str).collect();
    let lower: Vec<String> = w.iter().map(|s| s.to_ascii_lowercase()).collect();
    let l: Vec<&str> = lower.iter().map(String::as_str).collect();
    let action = match l.as_slice() {
        ["submit", "order", id] => Action::SubmitOrder { order: parse_id(id)? },
        ["submit", "cart", id] => Action::Submit { cart: parse_id(id)? },
        ["add", _, "to", "order", id] => Action::AddItem {
            order: parse_id(id)?,
            filling: parse_filling(w[1])?,
        },
        ["remove", _, "from", "order", id] => Action::RemoveItem {
            order: parse_id(id)?,
            filling: parse_filling(w[1])?,
        },
        ["import", _, "into", "order", id] => Action::Import {
            order: parse_id(id)?,
            filling: parse_filling(w[1])?,
        },
        ["cart", "add", _, "to", "cart", id] => Action::CartAdd {
            cart: parse_id(id)?,
            filling: parse_filling(w[2])?,
        },
        ["cart", "remove", _, "from", "cart", id] => Action::CartRemove {
            cart: parse_id(id)?,
            filling: parse_filling(w[2])?,
        },
        _ => return Err(format!(
            "\"{}\" is not a command: submit order N, add F to order N, remove F from order N, import F into order N, cart add F to cart N, cart remove F from cart N, submit cart N",
            w.join(" ")
        )),
    };
    Ok(ScriptStep { at_ms, action })
}

/// Parses the script text; every bad line is reported with its number.
pub fn parse_script(text: &str) -> Result<Vec<ScriptStep>, Vec<String>> {
    let mut steps = Vec::new();
    let mut errs = Vec::new();
    for (n, line) in text.lines().enumerate() {
        let t = line.trim();
        if t.is_empty() || t.starts_with('#') {
            continue;
        }
        match parse_line(t) {
            Ok(s) => steps.push(s),
            Err(e) => errs.push(format!("line {}: {e}", n + 1)),
        }
    }
    if errs.is_empty() {
        Ok(steps)
    } else {
        Err(errs)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use exactly_once_core::presets;
    use exactly_once_core::scenario::{Effect, Scenario, When};

    #[test]
    fn every_field_path_exists_in_a_full_scenario() {
        for p in presets::all() {
            let v = serde_json::to_value(&p.scenario).expect("json");
            for g in groups(&v) {
                for f in &g.fields {
                    assert!(get_path(&v, &f.path).is_some(), "{} {}", p.id, f.path);
                }
            }
        }
    }

    #[test]
    fn choices_are_the_cores_spellings() {
        // Writing any offered option must give a scenario the core can read.
        let p = presets::get("c05-before").expect("preset");
        let base = serde_json::to_value(&p.scenario).expect("json");
        let mut sc = base.clone();
        set_path(&mut sc, "marketing", serde_json::json!({})).expect("deploy");
        for g in groups(&sc) {
            for f in &g.fields {
                if let FieldKind::Choice { options, .. } = f.kind {
                    for o in options {
                        let mut v = sc.clone();
                        set_path(&mut v, &f.path, Value::from(*o)).expect("set");
                        serde_json::from_value::<Scenario>(v)
                            .unwrap_or_else(|e| panic!("{} = {o}: {e}", f.path));
                    }
                }
            }
        }
        for o in scenario::Effect::NAMES {
            let e: Effect = serde_json::from_value(effect_template(o)).expect("effect");
            assert_eq!(
                variant_of(&serde_json::to_value(e).expect("json")),
                Some(*o)
            );
        }
        for o in WHEN_OPTIONS {
            let w: When = serde_json::from_value(when_template(o)).expect("when");
            assert_eq!(
                variant_of(&serde_json::to_value(w).expect("json")),
                Some(*o)
            );
        }
        let mut v = base;
        set_path(&mut v, "chaos", Value::Array(vec![new_rule()])).expect("set");
        let s: Scenario = serde_json::from_value(v).expect("rule");
        assert!(s.validate().is_ok());
    }

    #[test]
    fn set_path_reports_a_missing_item() {
        let mut v = serde_json::json!({"chaos": []});
        assert!(set_path(&mut v, "chaos[3].when", Value::from("first")).is_err());
        set_path(&mut v, "shipping.logic.order", Value::from("x")).expect("creates");
        assert_eq!(
            get_path(&v, "shipping.logic.order"),
            Some(&Value::from("x"))
        );
    }

    #[test]
    fn the_script_round_trips_through_text() {
        for p in presets::all() {
            let text = format_script(&p.scenario.script);
            let back = parse_script(&text).unwrap_or_else(|e| panic!("{}: {e:?}", p.id));
            assert_eq!(back, p.scenario.script, "{}", p.id);
        }
        let s = parse_script("add Mushrooms to order 1 at 200 ms").expect("issue's example");
        assert_eq!(s[0].at_ms, 200);
        let errs = parse_script("100 ms: add Pineapple to order 1\nsubmit order 1").unwrap_err();
        assert_eq!(errs.len(), 2);
        assert!(errs[0].starts_with("line 1:") && errs[0].contains("Pineapple"));
        assert!(errs[1].starts_with("line 2:") && errs[1].contains("time"));
    }

    #[test]
    fn numbers_and_ratios_explain_bad_input() {
        assert_eq!(parse_number(" 42 "), Ok(Value::from(42u64)));
        assert!(parse_number("-1").unwrap_err().contains("whole number"));
        assert_eq!(parse_ratio(""), Ok(Value::Null));
        assert_eq!(
            format_ratio(&parse_ratio("1/10").expect("ratio")),
            "1/10".to_string()
        );
        assert!(parse_ratio("0.1").unwrap_err().contains("num/den"));
    }
}

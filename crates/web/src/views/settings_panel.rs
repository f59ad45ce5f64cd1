//! The settings form: one input per handler and endpoint setting of the core, the chaos rule
//! editor and the script editor. Every input writes into the scenario's JSON by path; the core's
//! validation messages come back by the same path and are shown next to the field. A component,
//! so the form only re-renders when the draft or its errors change, not on every frame.

use crate::settings::{
    self, effect_template, format_ratio, get_path, variant_of, when_template, Field, FieldKind,
    WHEN_OPTIONS,
};
use crate::state::UiAction;
use crate::views::form::raw;
use crate::views::on_click;
use crate::views::Dispatch;
use exactly_once_core::scenario::{self, ScenarioError};
use exactly_once_core::vec_map::VecMap;
use serde_json::Value;
use std::rc::Rc;
use web_sys::{HtmlInputElement, HtmlTextAreaElement};
use yew::prelude::*;

#[derive(Properties, PartialEq)]
pub struct SettingsProps {
    pub draft: Rc<Value>,
    pub problems: Rc<Vec<ScenarioError>>,
    pub input_errors: Rc<VecMap<String, String>>,
    pub script_text: Rc<String>,
    pub script_errors: Rc<Vec<String>>,
    pub preset_id: Option<String>,
    pub dispatch: Dispatch,
}

fn edit(d: &Dispatch, path: &str, value: Value) {
    d.dispatch(UiAction::EditField {
        path: path.to_string(),
        value,
    });
}

/// The messages for a path: text that could not be read, then the core's validation.
fn errors_for(p: &SettingsProps, path: &str) -> Vec<String> {
    let mut v: Vec<String> = p.input_errors.get(path).cloned().into_iter().collect();
    v.extend(
        p.problems
            .iter()
            .filter(|e| e.path == path)
            .map(|e| e.message.clone()),
    );
    v
}

fn error_html(errs: Vec<String>, path: &str) -> Html {
    if errs.is_empty() {
        return Html::default();
    }
    html! {
        <span class="field-error" role="alert" data-testid={format!("error-{path}")}>{ errs.join("; ") }</span>
    }
}

/// How an input's text becomes the value written at its path. Every input of the form goes through
/// the one handler [`on_edit`] (each distinct closure is its own code in the bundle).
#[derive(Clone)]
enum Parse {
    /// A choice; the empty option ("any") is `null`.
    Choice,
    /// A whole number; empty is `null` when `optional`.
    Number {
        optional: bool,
    },
    Ratio,
    /// The checkbox's state.
    Flag,
    /// A rule's variant, from its template.
    Template(fn(&str) -> Value),
    /// This value, whatever the input says (a toggle that knows its next value).
    Set(Value),
}

fn on_edit(d: &Dispatch, path: String, parse: Parse) -> Callback<Event> {
    let d = d.clone();
    Callback::from(move |e: Event| {
        // `value` and `checked` are read by name, so this serves selects too.
        let el: HtmlInputElement = e.target_unchecked_into();
        let text = el.value();
        let parsed = match &parse {
            Parse::Choice if text.is_empty() => Ok(Value::Null),
            Parse::Choice => Ok(Value::from(text)),
            Parse::Number { optional: true } if text.trim().is_empty() => Ok(Value::Null),
            Parse::Number { .. } => settings::parse_number(&text),
            Parse::Ratio => settings::parse_ratio(&text),
            Parse::Flag => Ok(Value::Bool(el.checked())),
            Parse::Template(template) => Ok(template(&text)),
            Parse::Set(v) => Ok(v.clone()),
        };
        match parsed {
            Ok(value) => edit(&d, &path, value),
            Err(message) => d.dispatch(UiAction::InputError {
                path: path.clone(),
                message,
            }),
        }
    })
}

/// A select of snake_case `options`, shown with spaces; "any" first when `optional`.
fn select(
    onchange: Callback<Event>,
    testid: Option<String>,
    label: &str,
    current: Option<&str>,
    options: &[&str],
    optional: bool,
) -> Html {
    html! {
        <select {onchange} data-testid={testid} aria-label={label.to_string()}>
            if optional { <option value="" selected={current.is_none()}>{ "any" }</option> }
            { for options.iter().map(|o| html! { <option value={o.to_string()} selected={current == Some(*o)}>{ o.replace('_', " ") }</option> }) }
        </select>
    }
}

fn select_input(
    d: &Dispatch,
    path: &str,
    current: Option<&str>,
    options: &[&str],
    optional: bool,
    label: &str,
) -> Html {
    select(
        on_edit(d, path.to_string(), Parse::Choice),
        Some(format!("field-{path}")),
        label,
        current,
        options,
        optional,
    )
}

/// What differs between the form's inputs.
enum Input {
    /// A whole number (`optional`: empty means `null`).
    Number(Option<u64>, bool),
    /// A ratio such as 1/10, as typed.
    Ratio(String),
    Flag(bool),
}

/// One `<input>` of the form, writing at `path`.
fn input(d: &Dispatch, path: &str, kind: Input, label: &str) -> Html {
    let (parse, value, checked, numeric) = match kind {
        Input::Number(v, optional) => (
            Parse::Number { optional },
            Some(v.map(|v| v.to_string()).unwrap_or_default()),
            false,
            true,
        ),
        Input::Ratio(text) => (Parse::Ratio, Some(text), false, false),
        Input::Flag(on) => (Parse::Flag, None, on, false),
    };
    let text = value.is_some();
    html! {
        <input type={if text { "text" } else { "checkbox" }} inputmode={numeric.then_some("numeric")} size={text.then_some("8")}
            placeholder={(text && !numeric).then_some("e.g. 1/10")} {value} {checked} onchange={on_edit(d, path.to_string(), parse)}
            data-testid={format!("field-{path}")} aria-label={label.to_string()} />
    }
}

fn field_row(p: &SettingsProps, f: &Field) -> Html {
    let d = &p.dispatch;
    let cur = get_path(&p.draft, &f.path);
    let input = match &f.kind {
        FieldKind::Choice { options, optional } => select_input(
            d,
            &f.path,
            cur.and_then(Value::as_str),
            options,
            *optional,
            f.label,
        ),
        FieldKind::Number => input(
            d,
            &f.path,
            Input::Number(cur.and_then(Value::as_u64), false),
            f.label,
        ),
        FieldKind::Flag => input(
            d,
            &f.path,
            Input::Flag(cur.and_then(Value::as_bool).unwrap_or(false)),
            f.label,
        ),
        FieldKind::Ratio => input(
            d,
            &f.path,
            Input::Ratio(cur.map(format_ratio).unwrap_or_default()),
            f.label,
        ),
        FieldKind::ErrorKinds => {
            let chosen: Vec<&str> = cur
                .and_then(Value::as_array)
                .map(|a| a.iter().filter_map(Value::as_str).collect())
                .unwrap_or_default();
            html! {
                <span class="kinds">
                    { for scenario::ErrorKind::NAMES.iter().map(|k| {
                        let on = chosen.contains(k);
                        let mut next: Vec<&str> = chosen.iter().copied().filter(|c| c != k).collect();
                        if !on { next.push(k); }
                        let onchange = on_edit(d, f.path.clone(), Parse::Set(Value::from(next)));
                        html! { <label class="kind"><input type="checkbox" checked={on} {onchange} />{ k.replace('_', " ") }</label> }
                    }) }
                </span>
            }
        }
    };
    html! {
        <div class="field" title={f.help}>
            <label>{ f.label }</label>
            { input }
            { error_html(errors_for(p, &f.path), &f.path) }
        </div>
    }
}

fn rule_editor(p: &SettingsProps, i: usize, rule: &Value) -> Html {
    let d = &p.dispatch;
    let base = format!("chaos[{i}]");
    let t = |k: &str| get_path(rule, &format!("target.{k}")).and_then(Value::as_str);
    let when = rule.get("when").cloned().unwrap_or(Value::Null);
    let effect = rule.get("effect").cloned().unwrap_or(Value::Null);
    let when_kind = variant_of(&when).unwrap_or("first").to_string();
    let effect_kind = variant_of(&effect).unwrap_or("drop").to_string();
    let kind_select =
        |root: &str, current: &str, options: &[&str], template: fn(&str) -> Value, label: &str| {
            select(
                on_edit(d, format!("{base}.{root}"), Parse::Template(template)),
                None,
                label,
                Some(current),
                options,
                false,
            )
        };
    // Parameters of the chosen variant, from the value's own shape.
    let params = |root: &str, v: &Value, kind: &str| -> Html {
        let Some(inner) = v.get(kind).and_then(Value::as_object) else {
            return Html::default();
        };
        inner
            .iter()
            .map(|(k, val)| {
                let path = format!("{base}.{root}.{kind}.{k}");
                let input = match val {
                    Value::Bool(b) => input(d, &path, Input::Flag(*b), k),
                    Value::String(s) if k == "after" => select_input(d, &path, Some(s), scenario::StepName::NAMES, false, k),
                    _ => input(d, &path, Input::Number(val.as_u64(), false), k),
                };
                html! { <label class="param">{ k.replace('_', " ") }{ " " }{ input }{ error_html(errors_for(p, &path), &path) }</label> }
            })
            .collect()
    };
    let remove = on_click(d, UiAction::RemoveRule(i));
    let rule_errors: Vec<String> = p
        .problems
        .iter()
        .filter(|e| e.path.starts_with(&base))
        .map(|e| format!("{}: {}", e.path, e.message))
        .collect();
    html! {
        <li class="rule" data-testid={format!("rule-{i}")}>
            <div class="rule-line">
                <span>{ "target" }</span>
                { for [("endpoint", scenario::Endpoint::NAMES, "target endpoint"), ("message", scenario::MsgKind::NAMES, "target message"), ("filling", scenario::Filling::NAMES, "target filling")]
                    .into_iter()
                    .map(|(key, options, label)| select_input(d, &format!("{base}.target.{key}"), t(key), options, true, label)) }
            </div>
            <div class="rule-line">
                <span>{ "when" }</span>
                { kind_select("when", &when_kind, WHEN_OPTIONS, when_template, "when") }
                { params("when", &when, &when_kind) }
            </div>
            <div class="rule-line">
                <span>{ "effect" }</span>
                { kind_select("effect", &effect_kind, scenario::Effect::NAMES, effect_template, "effect") }
                { params("effect", &effect, &effect_kind) }
            </div>
            <div class="rule-line">
                <label class="param">{ "once group " }{ input(d, &format!("{base}.once_group"), Input::Number(rule.get("once_group").and_then(Value::as_u64), true), "once group") }</label>
                <button type="button" class="remove" onclick={remove} aria-label={format!("remove rule {i}")}>{ "Remove rule" }</button>
            </div>
            if !rule_errors.is_empty() {
                <span class="field-error" role="alert">{ rule_errors.join("; ") }</span>
            }
        </li>
    }
}

#[component]
pub fn SettingsPanel(p: &SettingsProps) -> Html {
    let d = &p.dispatch;
    let groups = settings::groups(&p.draft);
    let mut shown: Vec<String> = groups
        .iter()
        .flat_map(|g| g.fields.iter().map(|f| f.path.clone()))
        .collect();
    shown.push("seed".into());
    let general: Vec<&ScenarioError> = p
        .problems
        .iter()
        .filter(|e| {
            !shown.contains(&e.path)
                && !e.path.starts_with("chaos[")
                && !e.path.starts_with("script")
        })
        .collect();
    let script_input = {
        let d = d.clone();
        Callback::from(move |e: InputEvent| {
            let el: HtmlTextAreaElement = e.target_unchecked_into();
            d.dispatch(UiAction::EditScript(el.value()));
        })
    };
    let mut script_errs: Vec<String> = (*p.script_errors).clone();
    script_errs.extend(
        p.problems
            .iter()
            .filter(|e| e.path.starts_with("script"))
            .map(|e| {
                // script[3].at_ms is line 4 of the editor when it has no blank lines.
                let line = e
                    .path
                    .trim_start_matches("script[")
                    .split(']')
                    .next()
                    .and_then(|n| n.parse::<usize>().ok())
                    .map_or(String::new(), |n| format!("step {}: ", n + 1));
                format!("{line}{}", e.message)
            }),
    );
    let rules: Vec<Value> = get_path(&p.draft, "chaos")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    let add_rule = on_click(d, UiAction::AddRule);
    let reset = p.preset_id.clone().map(|id| {
        let d = d.clone();
        let onclick = on_click(&d, UiAction::SelectPreset(id.clone()));
        html! { <button type="button" {onclick}>{ "Reset to the preset" }</button> }
    });
    html! {
        <section class="settings" data-testid="settings">
            if !p.problems.is_empty() {
                <p class="problems" role="alert" data-testid="problems">
                    { format!("{} problem(s): the last valid scenario keeps running until they are fixed.", p.problems.len()) }
                </p>
            }
            if !general.is_empty() {
                <ul class="field-error">{ for general.iter().map(|e| html! { <li>{ format!("{}: {}", e.path, e.message) }</li> }) }</ul>
            }
            <div class="settings-actions">{ for reset }</div>
            { raw(concat!(
                "<h3>Script</h3><p class=\"help\">One step a line, e.g. \"100 ms: add SwissCheese to order 1\", \"submit order 1\", ",
                "\"remove Meat from order 1\", \"import Meat into order 1\", \"cart add Meat to cart 1\", \"submit cart 1\".</p>"
            )) }
            <textarea class="script" rows="5" value={(*p.script_text).clone()} oninput={script_input} data-testid="script" aria-label="script" spellcheck="false" />
            if !script_errs.is_empty() {
                <ul class="field-error" role="alert" data-testid="script-errors">{ for script_errs.iter().map(|e| html! { <li>{ e.clone() }</li> }) }</ul>
            }
            { for groups.iter().map(|g| {
                let deploy = g.deploy.clone().map(|path| {
                    let next = if g.deployed { Value::Null } else { serde_json::json!({}) };
                    let onchange = on_edit(d, path, Parse::Set(next));
                    html! { <label class="deploy"><input type="checkbox" checked={g.deployed} {onchange} data-testid={format!("deploy-{}", g.title.to_ascii_lowercase())} />{ " deployed" }</label> }
                });
                let mut last_handler: Option<&str> = None;
                html! {
                    <fieldset class="group">
                        <legend>{ g.title.clone() }{ for deploy }</legend>
                        { for g.fields.iter().map(|f| {
                            let h = settings::handler_of(&f.path);
                            let heading = (h != last_handler).then_some(h).flatten();
                            last_handler = h;
                            html! { <>{ for heading.map(|h| html! { <h4>{ h }</h4> }) }{ field_row(p, f) }</> }
                        }) }
                    </fieldset>
                }
            }) }
            <h3>{ format!("Chaos rules · {}", rules.len()) }</h3>
            <ol class="rules">{ for rules.iter().enumerate().map(|(i, r)| rule_editor(p, i, r)) }</ol>
            <button type="button" onclick={add_rule} data-testid="add-rule">{ "Add a rule" }</button>
        </section>
    }
}

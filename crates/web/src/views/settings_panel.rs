//! The settings form: one input per handler and endpoint setting of the core, the chaos rule
//! editor and the script editor. Every input writes into the scenario's JSON by path; the core's
//! validation messages come back by the same path and are shown next to the field. A component,
//! so the form only re-renders when the draft or its errors change, not on every frame.

use crate::settings::{
    self, effect_template, format_ratio, get_path, variant_of, when_template, Field, FieldKind,
    EFFECT_OPTIONS, ENDPOINT_OPTIONS, ERROR_KIND_OPTIONS, FILLING_OPTIONS, MESSAGE_OPTIONS,
    STEP_OPTIONS, WHEN_OPTIONS,
};
use crate::state::UiAction;
use crate::views::on_click;
use crate::views::Dispatch;
use exactly_once_core::scenario::ScenarioError;
use serde_json::Value;
use std::collections::BTreeMap;
use std::rc::Rc;
use web_sys::{HtmlInputElement, HtmlSelectElement, HtmlTextAreaElement};
use yew::prelude::*;

#[derive(Properties, PartialEq)]
pub struct SettingsProps {
    pub draft: Rc<Value>,
    pub problems: Rc<Vec<ScenarioError>>,
    pub input_errors: Rc<BTreeMap<String, String>>,
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

fn select_input(
    d: &Dispatch,
    path: &str,
    current: Option<&str>,
    options: &[&str],
    optional: bool,
    label: &str,
) -> Html {
    let p = path.to_string();
    let d = d.clone();
    let onchange = Callback::from(move |e: Event| {
        let el: HtmlSelectElement = e.target_unchecked_into();
        let v = el.value();
        edit(
            &d,
            &p,
            if v.is_empty() {
                Value::Null
            } else {
                Value::from(v)
            },
        );
    });
    html! {
        <select {onchange} data-testid={format!("field-{path}")} aria-label={label.to_string()}>
            if optional { <option value="" selected={current.is_none()}>{ "any" }</option> }
            { for options.iter().map(|o| html! { <option value={o.to_string()} selected={current == Some(*o)}>{ o.replace('_', " ") }</option> }) }
        </select>
    }
}

fn number_input(
    d: &Dispatch,
    path: &str,
    current: Option<u64>,
    label: &str,
    optional: bool,
) -> Html {
    let p = path.to_string();
    let d = d.clone();
    let onchange = Callback::from(move |e: Event| {
        let el: HtmlInputElement = e.target_unchecked_into();
        let text = el.value();
        if optional && text.trim().is_empty() {
            edit(&d, &p, Value::Null);
            return;
        }
        match settings::parse_number(&text) {
            Ok(v) => edit(&d, &p, v),
            Err(message) => d.dispatch(UiAction::InputError {
                path: p.clone(),
                message,
            }),
        }
    });
    html! {
        <input type="text" inputmode="numeric" size="8" value={current.map(|v| v.to_string()).unwrap_or_default()} {onchange}
            data-testid={format!("field-{path}")} aria-label={label.to_string()} />
    }
}

fn flag_input(d: &Dispatch, path: &str, current: bool, label: &str) -> Html {
    let p = path.to_string();
    let d = d.clone();
    let onchange = Callback::from(move |e: Event| {
        let el: HtmlInputElement = e.target_unchecked_into();
        edit(&d, &p, Value::Bool(el.checked()));
    });
    html! { <input type="checkbox" checked={current} {onchange} data-testid={format!("field-{path}")} aria-label={label.to_string()} /> }
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
        FieldKind::Number => number_input(d, &f.path, cur.and_then(Value::as_u64), f.label, false),
        FieldKind::Flag => flag_input(
            d,
            &f.path,
            cur.and_then(Value::as_bool).unwrap_or(false),
            f.label,
        ),
        FieldKind::Ratio => {
            let path = f.path.clone();
            let d = d.clone();
            let onchange = Callback::from(move |e: Event| {
                let el: HtmlInputElement = e.target_unchecked_into();
                match settings::parse_ratio(&el.value()) {
                    Ok(v) => edit(&d, &path, v),
                    Err(message) => d.dispatch(UiAction::InputError {
                        path: path.clone(),
                        message,
                    }),
                }
            });
            html! {
                <input type="text" size="8" placeholder="e.g. 1/10" value={cur.map(format_ratio).unwrap_or_default()} {onchange}
                    data-testid={format!("field-{}", f.path)} aria-label={f.label} />
            }
        }
        FieldKind::ErrorKinds => {
            let chosen: Vec<String> = cur
                .and_then(Value::as_array)
                .map(|a| {
                    a.iter()
                        .filter_map(|v| v.as_str().map(str::to_string))
                        .collect()
                })
                .unwrap_or_default();
            html! {
                <span class="kinds">
                    { for ERROR_KIND_OPTIONS.iter().map(|k| {
                        let on = chosen.iter().any(|c| c == k);
                        let mut next: Vec<String> = chosen.iter().filter(|c| c != k).cloned().collect();
                        if !on { next.push(k.to_string()); }
                        let path = f.path.clone();
                        let d = d.clone();
                        let onchange = Callback::from(move |_: Event| edit(&d, &path, Value::from(next.clone())));
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
    let kind_select = |path: String,
                       current: String,
                       options: &'static [&'static str],
                       template: fn(&str) -> Value,
                       label: &'static str| {
        let d = d.clone();
        let onchange = Callback::from(move |e: Event| {
            let el: HtmlSelectElement = e.target_unchecked_into();
            edit(&d, &path, template(&el.value()));
        });
        html! {
            <select {onchange} aria-label={label}>
                { for options.iter().map(|o| html! { <option value={o.to_string()} selected={current == *o}>{ o.replace('_', " ") }</option> }) }
            </select>
        }
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
                    Value::Bool(b) => flag_input(d, &path, *b, k),
                    Value::String(s) if k == "after" => select_input(d, &path, Some(s), STEP_OPTIONS, false, k),
                    _ => number_input(d, &path, val.as_u64(), k, false),
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
                { select_input(d, &format!("{base}.target.endpoint"), t("endpoint"), ENDPOINT_OPTIONS, true, "target endpoint") }
                { select_input(d, &format!("{base}.target.message"), t("message"), MESSAGE_OPTIONS, true, "target message") }
                { select_input(d, &format!("{base}.target.filling"), t("filling"), FILLING_OPTIONS, true, "target filling") }
            </div>
            <div class="rule-line">
                <span>{ "when" }</span>
                { kind_select(format!("{base}.when"), when_kind.clone(), WHEN_OPTIONS, when_template, "when") }
                { params("when", &when, &when_kind) }
            </div>
            <div class="rule-line">
                <span>{ "effect" }</span>
                { kind_select(format!("{base}.effect"), effect_kind.clone(), EFFECT_OPTIONS, effect_template, "effect") }
                { params("effect", &effect, &effect_kind) }
            </div>
            <div class="rule-line">
                <label class="param">{ "once group " }{ number_input(d, &format!("{base}.once_group"), rule.get("once_group").and_then(Value::as_u64), "once group", true) }</label>
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
            <h3>{ "Script" }</h3>
            <p class="help">{ "One step a line, e.g. \"100 ms: add SwissCheese to order 1\", \"submit order 1\", \"remove Meat from order 1\", \"import Meat into order 1\", \"cart add Meat to cart 1\", \"submit cart 1\"." }</p>
            <textarea class="script" rows="5" value={(*p.script_text).clone()} oninput={script_input} data-testid="script" aria-label="script" spellcheck="false" />
            if !script_errs.is_empty() {
                <ul class="field-error" role="alert" data-testid="script-errors">{ for script_errs.iter().map(|e| html! { <li>{ e.clone() }</li> }) }</ul>
            }
            { for groups.iter().map(|g| {
                let deploy = g.deploy.clone().map(|path| {
                    let d = d.clone();
                    let on = g.deployed;
                    let onchange = Callback::from(move |_: Event| {
                        edit(&d, &path, if on { Value::Null } else { serde_json::json!({}) });
                    });
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

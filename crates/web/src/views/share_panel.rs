//! The Share tab: copy a link (to the start, or to this moment), save and reopen named scenarios,
//! export and import scenario files, export the trace and the sequence view.

use crate::browser;
use crate::compute::Computed;
use crate::share::{self, Saved};
use crate::state::{Selection, View};
use crate::views::form::raw;
use exactly_once_core::link::{self, SharedMoment};
use exactly_once_core::Scenario;
use std::rc::Rc;
use wasm_bindgen::JsCast;
use yew::prelude::*;

#[derive(Properties, PartialEq)]
pub struct SharePanelProps {
    pub scenario: Rc<Scenario>,
    pub preset_id: Option<String>,
    pub cursor: u32,
    pub view: View,
    pub selection: Option<Selection>,
    pub manual: Option<Rc<Vec<u32>>>,
    pub run: Option<Rc<Computed>>,
    /// Opens a saved or imported scenario (the page replaces its state and pushes a history entry).
    pub on_open: Callback<SharedMoment>,
    /// Says something in the page's banner.
    pub on_notice: Callback<String>,
}

/// What the page shows, captured with cheap `Rc` clones: the link itself is built only on click,
/// because the panel re-renders with every animation frame while the run plays.
#[derive(Clone)]
struct Shown {
    scenario: Rc<Scenario>,
    cursor: u32,
    view: View,
    selection: Option<Selection>,
    manual: Option<Rc<Vec<u32>>>,
}

impl Shown {
    fn of(p: &SharePanelProps) -> Shown {
        Shown {
            scenario: p.scenario.clone(),
            cursor: p.cursor,
            view: p.view,
            selection: p.selection,
            manual: p.manual.clone(),
        }
    }

    fn moment(&self, at_moment: bool) -> SharedMoment {
        share::moment_from(
            &self.scenario,
            self.cursor,
            self.view,
            self.selection.as_ref(),
            self.manual.as_deref(),
            at_moment,
        )
    }
}

fn file_stem(p: &SharePanelProps) -> String {
    p.preset_id.clone().unwrap_or_else(|| "scenario".into())
}

fn load_saved() -> (Vec<Saved>, Option<String>) {
    share::parse_saved(browser::storage_get(share::SAVED_KEY).as_deref())
}

fn store_saved(list: &[Saved]) -> Result<(), String> {
    let text = serde_json::to_string(list).map_err(|e| e.to_string())?;
    browser::storage_set(share::SAVED_KEY, &text)
}

#[component]
pub fn SharePanel(p: &SharePanelProps) -> Html {
    let link_text = use_state(String::new);
    let name = use_state(String::new);
    let renaming = use_state(|| None::<(String, String)>);
    let saved = use_state(|| load_saved().0);
    let message = use_state(|| load_saved().1);

    let copy = |at_moment: bool| {
        let (link_text, message) = (link_text.clone(), message.clone());
        let shown = Shown::of(p);
        Callback::from(move |_: MouseEvent| {
            let fragment = link::encode(&shown.moment(at_moment));
            let url = format!("{}#{fragment}", browser::page_url());
            // Sharing this moment is a point in the history (Back returns to what came before);
            // a link to the start is only copied, the address bar keeps naming what is shown.
            if at_moment {
                browser::set_fragment(&fragment, true);
            }
            browser::copy_to_clipboard(&url);
            link_text.set(url);
            message.set(Some(if at_moment {
                "Link to this moment copied (also shown below).".into()
            } else {
                "Link to the start of this scenario copied (also shown below).".into()
            }));
        })
    };

    let save = {
        let (name, saved, message) = (name.clone(), saved.clone(), message.clone());
        let shown = Shown::of(p);
        Callback::from(move |e: SubmitEvent| {
            e.prevent_default();
            let mut list = (*saved).clone();
            let result = share::save_named(&mut list, &name, &shown.moment(true))
                .and_then(|()| store_saved(&list));
            match result {
                Ok(()) => {
                    message.set(Some(format!("Saved as \u{201c}{}\u{201d}.", name.trim())));
                    saved.set(list);
                    name.set(String::new());
                }
                Err(e) => message.set(Some(e)),
            }
        })
    };

    let rows: Html = saved
        .iter()
        .map(|entry| {
            let n = entry.name.clone();
            let open = {
                let (saved, on_open, message, n) = (saved.clone(), p.on_open.clone(), message.clone(), n.clone());
                Callback::from(move |_: MouseEvent| match share::open_saved(&saved, &n) {
                    Ok(m) => on_open.emit(m),
                    Err(e) => message.set(Some(e)),
                })
            };
            let remove = {
                let (saved, message, n) = (saved.clone(), message.clone(), n.clone());
                Callback::from(move |_: MouseEvent| {
                    let mut list = (*saved).clone();
                    share::delete(&mut list, &n);
                    match store_saved(&list) {
                        Ok(()) => saved.set(list),
                        Err(e) => message.set(Some(e)),
                    }
                })
            };
            let editing = renaming.as_ref().filter(|(from, _)| *from == n).map(|(_, to)| to.clone());
            let body = match editing {
                Some(to) => {
                    let oninput = {
                        let (renaming, n) = (renaming.clone(), n.clone());
                        Callback::from(move |e: InputEvent| {
                            let value = e.target_unchecked_into::<web_sys::HtmlInputElement>().value();
                            renaming.set(Some((n.clone(), value)));
                        })
                    };
                    let onsubmit = {
                        let (renaming, saved, message, n, to) = (renaming.clone(), saved.clone(), message.clone(), n.clone(), to.clone());
                        Callback::from(move |e: SubmitEvent| {
                            e.prevent_default();
                            let mut list = (*saved).clone();
                            match share::rename(&mut list, &n, &to).and_then(|()| store_saved(&list)) {
                                Ok(()) => {
                                    saved.set(list);
                                    renaming.set(None);
                                }
                                Err(e) => message.set(Some(e)),
                            }
                        })
                    };
                    html! {
                        <form class="rename" {onsubmit}>
                            <input type="text" value={to} {oninput} aria-label="new name" data-testid="rename-input" />
                            <button type="submit">{ "Rename" }</button>
                        </form>
                    }
                }
                None => {
                    let start_rename = {
                        let (renaming, n) = (renaming.clone(), n.clone());
                        Callback::from(move |_: MouseEvent| renaming.set(Some((n.clone(), n.clone()))))
                    };
                    html! {
                        <>
                            <span class="saved-name">{ n.clone() }</span>
                            <button type="button" onclick={open} data-testid="saved-open">{ "Open" }</button>
                            <button type="button" onclick={start_rename}>{ "Rename" }</button>
                            <button type="button" onclick={remove}>{ "Delete" }</button>
                        </>
                    }
                }
            };
            html! { <li key={n.clone()} class="saved-row" data-name={n.clone()}>{ body }</li> }
        })
        .collect();

    let export_scenario = {
        let (scenario, stem, on_notice) = (p.scenario.clone(), file_stem(p), p.on_notice.clone());
        Callback::from(move |_: MouseEvent| {
            if let Err(e) = browser::download_text(
                &format!("{stem}.json"),
                "application/json",
                &scenario.to_json(),
            ) {
                on_notice.emit(format!("The scenario could not be exported: {e}."));
            }
        })
    };
    let import = {
        let (on_open, message) = (p.on_open.clone(), message.clone());
        Callback::from(move |e: Event| {
            let input: web_sys::HtmlInputElement = e.target_unchecked_into();
            let (on_open, message) = (on_open.clone(), message.clone());
            browser::read_file_text(&input, move |text| {
                match text.and_then(|t| share::import_scenario(&t)) {
                    Ok(scenario) => on_open.emit(SharedMoment::of(scenario)),
                    Err(e) => message.set(Some(e)),
                }
            });
            // Allow importing the same file again after fixing it.
            input.set_value("");
        })
    };
    let export_trace = {
        let (run, stem, on_notice) = (p.run.clone(), file_stem(p), p.on_notice.clone());
        Callback::from(move |_: MouseEvent| {
            let Some(run) = &run else {
                on_notice.emit(
                    "The run is still being computed; export the trace when it is ready.".into(),
                );
                return;
            };
            let trace = exactly_once_core::trace::export_json(
                &run.scenario,
                &run.events,
                &run.report,
                &run.path,
            );
            if let Err(e) =
                browser::download_text(&format!("{stem}-trace.json"), "application/json", &trace)
            {
                on_notice.emit(format!("The trace could not be exported: {e}."));
            }
        })
    };
    let export_svg = {
        let (stem, on_notice) = (file_stem(p), p.on_notice.clone());
        Callback::from(move |_: MouseEvent| {
            let result = browser::svg_document("svg.sequence").and_then(|(svg, _, _)| {
                browser::download_text(&format!("{stem}-sequence.svg"), "image/svg+xml", &svg)
            });
            if let Err(e) = result {
                on_notice.emit(format!("The sequence view could not be exported: {e}."));
            }
        })
    };
    let export_png = {
        let (stem, on_notice) = (file_stem(p), p.on_notice.clone());
        Callback::from(move |_: MouseEvent| {
            if let Err(e) = browser::download_png("svg.sequence", &format!("{stem}-sequence.png")) {
                on_notice.emit(format!("The sequence view could not be exported: {e}."));
            }
        })
    };
    let on_name = {
        let name = name.clone();
        Callback::from(move |e: InputEvent| {
            if let Some(input) = e
                .target()
                .and_then(|t| t.dyn_into::<web_sys::HtmlInputElement>().ok())
            {
                name.set(input.value());
            }
        })
    };
    let sequence_shown = p.view == View::Sequence;
    if !share::shareable(&p.scenario) {
        return html! {
            <section class="share" data-testid="share-panel">
                <h3>{ "Share" }</h3>
                <p>{ format!("This scenario has {} script steps, more than the {} a link can carry: export it as a file instead.", p.scenario.script.len(), share::MAX_SHARED_SCRIPT_STEPS) }</p>
                <button type="button" onclick={export_scenario} data-testid="export-scenario">{ "Export scenario (JSON)" }</button>
            </section>
        };
    }
    html! {
        <section class="share" data-testid="share-panel">
            <h3>{ "Share" }</h3>
            <div class="share-buttons">
                <button type="button" onclick={copy(false)} data-testid="copy-link">{ "Copy link" }</button>
                <button type="button" onclick={copy(true)} data-testid="copy-link-moment">{ format!("Copy link at this moment (event #{})", p.cursor) }</button>
            </div>
            if !link_text.is_empty() {
                <input class="share-link" type="text" readonly=true value={(*link_text).clone()} data-testid="share-link" aria-label="share link" />
            }
            if let Some(text) = &*message {
                <p class="share-message" role="status" data-testid="share-message">{ text.clone() }</p>
            }
            { raw("<h3>Saved in this browser</h3>") }
            <form class="save" onsubmit={save}>
                <input type="text" placeholder="name" value={(*name).clone()} oninput={on_name} aria-label="name to save as" data-testid="save-name" maxlength={share::MAX_NAME_CHARS.to_string()} />
                <button type="submit" data-testid="save">{ "Save" }</button>
            </form>
            <ul class="saved" data-testid="saved-list">{ rows }</ul>
            { raw("<h3>Files</h3>") }
            <div class="share-buttons">
                <button type="button" onclick={export_scenario} data-testid="export-scenario">{ "Export scenario (JSON)" }</button>
                <label class="import">{ "Import scenario: " }<input type="file" accept=".json,application/json" onchange={import} data-testid="import-scenario" /></label>
                <button type="button" onclick={export_trace} data-testid="export-trace">{ "Export trace (JSON)" }</button>
                <button type="button" onclick={export_svg} disabled={!sequence_shown} title="shows in the Sequence view">{ "Sequence view as SVG" }</button>
                <button type="button" onclick={export_png} disabled={!sequence_shown} title="shows in the Sequence view">{ "Sequence view as PNG" }</button>
            </div>
        </section>
    }
}

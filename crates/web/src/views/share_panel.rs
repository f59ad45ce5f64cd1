//! The Share tab: copy a link (to the start, or to this moment), save and reopen named scenarios,
//! export and import scenario files, export the trace and the sequence view.

use crate::browser;
use crate::compute::Computed;
use crate::share::{self, Saved};
use crate::state::{Selection, UiAction, View};
use crate::views::form::raw;
use crate::views::Dispatch;
use exactly_once_core::link::{self, SharedMoment};
use exactly_once_core::Scenario;
use std::rc::Rc;
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
    /// Opens saved or imported scenarios (the page replaces its state and pushes a history
    /// entry) and says things in the page's banner.
    pub dispatch: Dispatch,
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

fn load_saved() -> (Vec<Saved>, Option<String>) {
    share::parse_saved(browser::storage_get(share::SAVED_KEY).as_deref())
}

fn store_saved(list: &[Saved]) -> Result<(), String> {
    let text = serde_json::to_string(list).map_err(|e| e.to_string())?;
    browser::storage_set(share::SAVED_KEY, &text)
}

/// What an event in the panel does. Every handler of the panel is one closure that runs one of
/// these (see [`Panel::act`]): each distinct closure is its own callback, drop and vtable code in
/// the bundle, and the panel had fourteen.
#[derive(Clone)]
enum Op {
    /// Copy a link: to this moment (`true`) or to the start.
    Copy(bool),
    /// The name to save as was edited.
    Name,
    Save,
    Open(String),
    Delete(String),
    StartRename(String),
    /// The new name of the entry being renamed was edited.
    RenameInput(String),
    Rename,
    ExportScenario,
    Import,
    ExportTrace,
    ExportSvg,
    ExportPng,
}

/// The panel's state and props, as the handlers of one render see them.
struct Panel {
    link_text: UseStateHandle<String>,
    name: UseStateHandle<String>,
    renaming: UseStateHandle<Option<(String, String)>>,
    saved: UseStateHandle<Vec<Saved>>,
    message: UseStateHandle<Option<String>>,
    shown: Shown,
    stem: String,
    run: Option<Rc<Computed>>,
    d: Dispatch,
}

/// Opens a saved or imported scenario.
fn open(d: &Dispatch, moment: SharedMoment) {
    d.dispatch(UiAction::OpenMoment {
        moment: Box::new(moment),
        notice: None,
    });
}

/// A handler of any event type that runs `op`.
fn act<E: AsRef<Event> + 'static>(panel: &Rc<Panel>, op: Op) -> Callback<E> {
    let panel = panel.clone();
    Callback::from(move |e: E| panel.run(&op, e.as_ref()))
}

impl Panel {
    /// Says `text` in the page's banner.
    fn notice(&self, text: String) {
        self.d.dispatch(UiAction::Notice(Some(text)));
    }

    fn say(&self, text: String) {
        self.message.set(Some(text));
    }

    /// Stores `list` and shows it, or says why it could not be stored.
    fn store(&self, list: Vec<Saved>) -> bool {
        match store_saved(&list) {
            Ok(()) => {
                self.saved.set(list);
                true
            }
            Err(e) => {
                self.say(e);
                false
            }
        }
    }

    fn export(&self, what: &str, result: Result<(), String>) {
        if let Err(e) = result {
            self.notice(format!("The {what} could not be exported: {e}."));
        }
    }

    fn run(&self, op: &Op, e: &Event) {
        let value = || {
            e.target_unchecked_into::<web_sys::HtmlInputElement>()
                .value()
        };
        let stem = &self.stem;
        match op {
            Op::Copy(at_moment) => {
                let fragment = link::encode(&self.shown.moment(*at_moment));
                let url = format!("{}#{fragment}", browser::page_url());
                // Sharing this moment is a point in the history (Back returns to what came
                // before); a link to the start is only copied, the address bar keeps naming what
                // is shown.
                if *at_moment {
                    browser::set_fragment(&fragment, true);
                }
                browser::copy_to_clipboard(&url);
                self.link_text.set(url);
                self.say(if *at_moment {
                    "Link to this moment copied (also shown below).".into()
                } else {
                    "Link to the start of this scenario copied (also shown below).".into()
                });
            }
            Op::Name => self.name.set(value()),
            Op::Save => {
                e.prevent_default();
                let mut list = (*self.saved).clone();
                match share::save_named(&mut list, &self.name, &self.shown.moment(true)) {
                    Ok(()) => {
                        if self.store(list) {
                            self.say(format!("Saved as \u{201c}{}\u{201d}.", self.name.trim()));
                            self.name.set(String::new());
                        }
                    }
                    Err(e) => self.say(e),
                }
            }
            Op::Open(n) => match share::open_saved(&self.saved, n) {
                Ok(m) => open(&self.d, m),
                Err(e) => self.say(e),
            },
            Op::Delete(n) => {
                let mut list = (*self.saved).clone();
                share::delete(&mut list, n);
                self.store(list);
            }
            Op::StartRename(n) => self.renaming.set(Some((n.clone(), n.clone()))),
            Op::RenameInput(n) => self.renaming.set(Some((n.clone(), value()))),
            Op::Rename => {
                e.prevent_default();
                let Some((from, to)) = &*self.renaming else {
                    return;
                };
                let mut list = (*self.saved).clone();
                match share::rename(&mut list, from, to) {
                    Ok(()) => {
                        if self.store(list) {
                            self.renaming.set(None);
                        }
                    }
                    Err(e) => self.say(e),
                }
            }
            Op::ExportScenario => self.export(
                "scenario",
                browser::download_text(
                    &format!("{stem}.json"),
                    "application/json",
                    &self.shown.scenario.to_json(),
                ),
            ),
            Op::Import => {
                let input: web_sys::HtmlInputElement = e.target_unchecked_into();
                let (d, message) = (self.d.clone(), self.message.clone());
                browser::read_file_text(&input, move |text| {
                    match text.and_then(|t| share::import_scenario(&t)) {
                        Ok(scenario) => open(&d, SharedMoment::of(scenario)),
                        Err(e) => message.set(Some(e)),
                    }
                });
                // Allow importing the same file again after fixing it.
                input.set_value("");
            }
            Op::ExportTrace => {
                let Some(run) = &self.run else {
                    self.notice(
                        "The run is still being computed; export the trace when it is ready."
                            .into(),
                    );
                    return;
                };
                let trace = exactly_once_core::trace::export_json(
                    &run.scenario,
                    &run.events,
                    &run.report,
                    &run.path,
                );
                self.export(
                    "trace",
                    browser::download_text(
                        &format!("{stem}-trace.json"),
                        "application/json",
                        &trace,
                    ),
                );
            }
            Op::ExportSvg => self.export(
                "sequence view",
                browser::svg_document("svg.sequence").and_then(|(svg, _, _)| {
                    browser::download_text(&format!("{stem}-sequence.svg"), "image/svg+xml", &svg)
                }),
            ),
            Op::ExportPng => self.export(
                "sequence view",
                browser::download_png("svg.sequence", &format!("{stem}-sequence.png")),
            ),
        }
    }
}

#[component]
pub fn SharePanel(p: &SharePanelProps) -> Html {
    let panel = Rc::new(Panel {
        link_text: use_state(String::new),
        name: use_state(String::new),
        renaming: use_state(|| None::<(String, String)>),
        saved: use_state(|| load_saved().0),
        message: use_state(|| load_saved().1),
        shown: Shown::of(p),
        stem: p.preset_id.clone().unwrap_or_else(|| "scenario".into()),
        run: p.run.clone(),
        d: p.dispatch.clone(),
    });
    let click = |op: Op| act::<MouseEvent>(&panel, op);

    let rows: Html = panel
        .saved
        .iter()
        .map(|entry| {
            let n = entry.name.clone();
            let editing = panel
                .renaming
                .as_ref()
                .filter(|(from, _)| *from == n)
                .map(|(_, to)| to.clone());
            let body = match editing {
                Some(to) => html! {
                    <form class="rename" onsubmit={act(&panel, Op::Rename)}>
                        <input type="text" value={to} oninput={act(&panel, Op::RenameInput(n.clone()))} aria-label="new name" data-testid="rename-input" />
                        <button type="submit">{ "Rename" }</button>
                    </form>
                },
                None => html! {
                    <>
                        <span class="saved-name">{ n.clone() }</span>
                        <button type="button" onclick={click(Op::Open(n.clone()))} data-testid="saved-open">{ "Open" }</button>
                        <button type="button" onclick={click(Op::StartRename(n.clone()))}>{ "Rename" }</button>
                        <button type="button" onclick={click(Op::Delete(n.clone()))}>{ "Delete" }</button>
                    </>
                },
            };
            html! { <li key={n.clone()} class="saved-row" data-name={n.clone()}>{ body }</li> }
        })
        .collect();

    let sequence_shown = p.view == View::Sequence;
    if !share::shareable(&p.scenario) {
        return html! {
            <section class="share" data-testid="share-panel">
                <h3>{ "Share" }</h3>
                <p>{ format!("This scenario has {} script steps, more than the {} a link can carry: export it as a file instead.", p.scenario.script.len(), share::MAX_SHARED_SCRIPT_STEPS) }</p>
                <button type="button" onclick={click(Op::ExportScenario)} data-testid="export-scenario">{ "Export scenario (JSON)" }</button>
            </section>
        };
    }
    html! {
        <section class="share" data-testid="share-panel">
            <h3>{ "Share" }</h3>
            <div class="share-buttons">
                <button type="button" onclick={click(Op::Copy(false))} data-testid="copy-link">{ "Copy link" }</button>
                <button type="button" onclick={click(Op::Copy(true))} data-testid="copy-link-moment">{ format!("Copy link at this moment (event #{})", p.cursor) }</button>
            </div>
            if !panel.link_text.is_empty() {
                <input class="share-link" type="text" readonly=true value={(*panel.link_text).clone()} data-testid="share-link" aria-label="share link" />
            }
            if let Some(text) = &*panel.message {
                <p class="share-message" role="status" data-testid="share-message">{ text.clone() }</p>
            }
            { raw("<h3>Saved in this browser</h3>") }
            <form class="save" onsubmit={act(&panel, Op::Save)}>
                <input type="text" placeholder="name" value={(*panel.name).clone()} oninput={act(&panel, Op::Name)} aria-label="name to save as" data-testid="save-name" maxlength={share::MAX_NAME_CHARS.to_string()} />
                <button type="submit" data-testid="save">{ "Save" }</button>
            </form>
            <ul class="saved" data-testid="saved-list">{ rows }</ul>
            { raw("<h3>Files</h3>") }
            <div class="share-buttons">
                <button type="button" onclick={click(Op::ExportScenario)} data-testid="export-scenario">{ "Export scenario (JSON)" }</button>
                <label class="import">{ "Import scenario: " }<input type="file" accept=".json,application/json" onchange={act(&panel, Op::Import)} data-testid="import-scenario" /></label>
                <button type="button" onclick={click(Op::ExportTrace)} data-testid="export-trace">{ "Export trace (JSON)" }</button>
                <button type="button" onclick={click(Op::ExportSvg)} disabled={!sequence_shown} title="shows in the Sequence view">{ "Sequence view as SVG" }</button>
                <button type="button" onclick={click(Op::ExportPng)} disabled={!sequence_shown} title="shows in the Sequence view">{ "Sequence view as PNG" }</button>
            </div>
        </section>
    }
}

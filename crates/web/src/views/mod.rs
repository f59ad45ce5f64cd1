//! Rendering: pure `fn(&UiState, &Dispatch) -> Html` helpers per panel (the state is the only
//! input, so a frame re-renders cheaply and no closure captures stale state), plus the settings
//! form as a component that only re-renders when the draft changes.

pub mod chapters;
pub mod checker_panel;
pub mod controls;
pub mod form;
pub mod glyph;
pub mod inspector;
pub mod manual;
pub mod model_stage;
pub mod model_view;
pub mod picker;
pub mod presenter;
pub mod sequence;
pub mod settings_panel;
pub mod share_panel;
pub mod topology;
pub mod trace_list;
pub mod verdict_panel;

use crate::state::{UiAction, UiState};
use yew::{Callback, MouseEvent};

/// How views send actions.
pub type Dispatch = yew::UseReducerDispatcher<UiState>;

/// A click that dispatches `action`. Every button that only dispatches goes through this one
/// closure type: each distinct closure is its own callback, drop and vtable code in the bundle.
pub fn on_click(d: &Dispatch, action: UiAction) -> Callback<MouseEvent> {
    let d = d.clone();
    Callback::from(move |_: MouseEvent| d.dispatch(action.clone()))
}

/// `0.130 s`: virtual time as people read it.
pub fn seconds(ms: u64) -> String {
    format!("{}.{:03} s", ms / 1000, ms % 1000)
}

//! The root component.

use yew::prelude::*;

/// The playground's root component.
#[component]
pub fn App() -> Html {
    html! {
        <main class="playground" data-testid="playground">
            <header class="topbar">
                <h1>{ "Exactly-Once Playground" }</h1>
                <span class="version">{ format!("core {}", exactly_once_core::version()) }</span>
            </header>
            <section class="stage">
                <p class="hint">{ "Why messaging systems lose, duplicate and ghost messages, and which patterns fix that." }</p>
            </section>
        </main>
    }
}

//! The checker web worker: the page starts it (lazily, when a check starts) from
//! `worker-loader.js`, which loads this bundle. It says `Ready`, takes one [`Job`] at a time as
//! JSON, runs it in slices (yielding to its own event loop between them, so a `Cancel` message
//! gets in) and posts [`Update`]s as JSON. No Yew, no DOM.

#[cfg(target_arch = "wasm32")]
mod glue {
    use exactly_once_core::check::wire::{Job, Update};
    use exactly_once_worker::{drive, Search, SLICE_MS};
    use std::cell::Cell;
    use std::rc::Rc;
    use wasm_bindgen::prelude::*;
    use wasm_bindgen::JsCast;
    use web_sys::{DedicatedWorkerGlobalScope, MessageChannel, MessageEvent};

    fn scope() -> DedicatedWorkerGlobalScope {
        js_sys::global().unchecked_into()
    }

    fn post(update: &Update) {
        let _ = scope().post_message(&JsValue::from_str(&update.to_json()));
    }

    fn now_ms() -> f64 {
        scope().performance().map_or(0.0, |p| p.now())
    }

    /// Gives the worker's event loop a turn (a `Cancel` message may be waiting): a message on a
    /// fresh channel, which, unlike a timer, is not clamped to 4 ms.
    async fn yield_now() {
        let promise = js_sys::Promise::new(&mut |resolve, _reject| {
            if let Ok(channel) = MessageChannel::new() {
                let port = channel.port1();
                let callback = Closure::once_into_js(move |_: MessageEvent| {
                    let _ = resolve.call0(&JsValue::UNDEFINED);
                });
                port.set_onmessage(Some(callback.unchecked_ref()));
                let _ = channel.port2().post_message(&JsValue::NULL);
            } else {
                let _ = resolve.call0(&JsValue::UNDEFINED);
            }
        });
        let _ = wasm_bindgen_futures::JsFuture::from(promise).await;
    }

    pub fn start() {
        // A panic (the worker aborts after it) becomes a message the page shows.
        std::panic::set_hook(Box::new(|info| {
            post(&Update::Failed(format!("The checker stopped: {info}")));
        }));
        let busy = Rc::new(Cell::new(false));
        let cancelled = Rc::new(Cell::new(false));
        let onmessage = Closure::<dyn FnMut(MessageEvent)>::new(move |e: MessageEvent| {
            let text = e.data().as_string().unwrap_or_default();
            let job = match Job::from_json(&text) {
                Ok(job) => job,
                Err(message) => return post(&Update::Failed(message)),
            };
            if job == Job::Cancel {
                cancelled.set(true);
                return;
            }
            if busy.get() {
                return post(&Update::Failed(
                    "The checker is busy with another search.".into(),
                ));
            }
            let mut search = match Search::start(job) {
                Ok(search) => search,
                Err(message) => return post(&Update::Failed(message)),
            };
            busy.set(true);
            cancelled.set(false);
            let busy = busy.clone();
            let cancelled = cancelled.clone();
            wasm_bindgen_futures::spawn_local(async move {
                let done = drive(&mut search, now_ms, SLICE_MS, |update| {
                    post(&update);
                    let cancelled = cancelled.clone();
                    async move {
                        yield_now().await;
                        cancelled.get()
                    }
                })
                .await;
                post(&done);
                busy.set(false);
            });
        });
        scope().set_onmessage(Some(onmessage.as_ref().unchecked_ref()));
        // The handler lives as long as the worker.
        onmessage.forget();
        post(&Update::Ready);
    }
}

fn main() {
    #[cfg(target_arch = "wasm32")]
    glue::start();
}

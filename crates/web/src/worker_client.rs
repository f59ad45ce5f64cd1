//! The page's end of the checker web worker: starts the worker (lazily, when a check starts),
//! sends it a [`Job`] once it says `Ready`, and hands every [`Update`] to a callback. A worker
//! that cannot load or crashes becomes an [`Update::Failed`] with a sentence for the page.
//!
//! The worker is a second bundle (`crates/worker`, built by Trunk next to the page); the page
//! links none of the explorer. Its loader script sits next to `index.html`, so the relative URL
//! works under any public URL.

use exactly_once_core::check::wire::{Job, Update};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use web_sys::{ErrorEvent, Event, MessageEvent, Worker};

/// The worker's loader, relative to the page's base URL.
pub const LOADER: &str = "worker-loader.js";

/// A running checker worker. Dropping it terminates the worker.
pub struct CheckWorker {
    worker: Worker,
    _onmessage: Closure<dyn FnMut(MessageEvent)>,
    _onerror: Closure<dyn FnMut(Event)>,
}

impl CheckWorker {
    /// Starts a worker for `job`; `on_update` gets everything it reports.
    pub fn start(job: &Job, on_update: impl Fn(Update) + 'static) -> Result<CheckWorker, String> {
        let worker = Worker::new(LOADER).map_err(|e| {
            format!(
                "The checker's web worker could not be started: {}",
                describe(&e)
            )
        })?;
        let on_update = std::rc::Rc::new(on_update);
        let job_text = job.to_json();
        let onmessage = {
            let on_update = on_update.clone();
            let worker = worker.clone();
            Closure::<dyn FnMut(MessageEvent)>::new(move |e: MessageEvent| {
                let text = e.data().as_string().unwrap_or_default();
                match Update::from_json(&text) {
                    Ok(Update::Ready) => {
                        if let Err(e) = worker.post_message(&JsValue::from_str(&job_text)) {
                            on_update(Update::Failed(format!(
                                "The checker's web worker did not take the job: {}",
                                describe(&e)
                            )));
                        }
                    }
                    Ok(update) => on_update(update),
                    Err(message) => on_update(Update::Failed(message)),
                }
            })
        };
        // A script that fails to load raises a plain `Event`, an error inside the worker an
        // `ErrorEvent` with a message.
        let onerror = Closure::<dyn FnMut(Event)>::new(move |e: Event| {
            // Handled here: the page shows the sentence, the console needs no second report.
            e.prevent_default();
            let detail = e
                .dyn_ref::<ErrorEvent>()
                .map(ErrorEvent::message)
                .unwrap_or_default();
            on_update(Update::Failed(if detail.is_empty() {
                format!("The checker's web worker could not be loaded ({LOADER}).")
            } else {
                format!("The checker's web worker failed: {detail}")
            }));
        });
        worker.set_onmessage(Some(onmessage.as_ref().unchecked_ref()));
        worker.set_onerror(Some(onerror.as_ref().unchecked_ref()));
        Ok(CheckWorker {
            worker,
            _onmessage: onmessage,
            _onerror: onerror,
        })
    }

    /// Asks the search to stop at its next slice; it then reports what it saw.
    pub fn cancel(&self) {
        let _ = self
            .worker
            .post_message(&JsValue::from_str(&Job::Cancel.to_json()));
    }

    /// Stops the worker at once (its result is not wanted any more).
    pub fn terminate(&self) {
        self.worker.terminate();
    }
}

impl Drop for CheckWorker {
    fn drop(&mut self) {
        self.worker.terminate();
    }
}

fn describe(e: &JsValue) -> String {
    e.as_string()
        .or_else(|| {
            e.dyn_ref::<js_sys::Error>()
                .map(|e| String::from(e.message()))
        })
        .unwrap_or_else(|| "unknown error".to_string())
}

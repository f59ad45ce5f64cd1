// Starts the checker web worker (built by Trunk from crates/worker, see index.html): loads its
// wasm-bindgen script and its WebAssembly from next to this file. A failure becomes a message the
// page shows; a missing script also raises the worker's error event, which the page handles too.
importScripts("./exactly-once-worker.js");
wasm_bindgen({ module_or_path: "./exactly-once-worker_bg.wasm" }).catch(function (e) {
  postMessage(JSON.stringify({ Failed: "The checker's WebAssembly could not be loaded: " + e }));
});

//! Share-tab plumbing in a real browser: the fragment and history, localStorage, and the
//! sequence view turned into a standalone SVG file.
#![cfg(target_arch = "wasm32")]

use exactly_once_web::browser;
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

fn document() -> web_sys::Document {
    web_sys::window()
        .and_then(|w| w.document())
        .expect("a document")
}

#[wasm_bindgen_test]
fn the_sequence_view_exports_as_a_standalone_svg_with_its_styles() {
    let host = document().create_element("div").expect("div");
    host.set_inner_html(
        r#"<svg class="sequence" viewBox="0 0 100 50" style="width:200px;height:100px"><line class="arrow" x1="0" y1="0" x2="100" y2="50"/></svg>"#,
    );
    document()
        .body()
        .expect("body")
        .append_child(&host)
        .expect("append");
    let style = document().create_element("style").expect("style");
    style.set_text_content(Some(".arrow { stroke: rgb(1, 2, 3); }"));
    document()
        .head()
        .expect("head")
        .append_child(&style)
        .expect("append");

    let (svg, width, height) = browser::svg_document("svg.sequence").expect("exported");
    assert!(svg.starts_with("<svg"), "{svg}");
    assert!(
        svg.contains("xmlns=\"http://www.w3.org/2000/svg\""),
        "{svg}"
    );
    assert!(
        svg.contains("<style"),
        "the page's rules are embedded: {svg}"
    );
    assert!(svg.contains("rgb(1, 2, 3)"), "{svg}");
    assert!(svg.contains("<line"), "{svg}");
    assert_eq!((width.round(), height.round()), (200.0, 100.0));
    // The PNG path draws the same SVG into a canvas; it must at least start without an error.
    assert_eq!(browser::download_png("svg.sequence", "test.png"), Ok(()));
    host.remove();
    style.remove();
    assert!(
        browser::svg_document("svg.sequence").is_err(),
        "no view, a clear error"
    );
}

#[wasm_bindgen_test]
fn the_fragment_is_replaced_or_pushed() {
    let history = web_sys::window()
        .expect("window")
        .history()
        .expect("history");
    let before = history.length().expect("length");
    browser::set_fragment("v1.test-replace", false);
    assert_eq!(browser::location_parts().0, "#v1.test-replace");
    assert_eq!(history.length().expect("length"), before);
    browser::set_fragment("v1.test-push", true);
    assert_eq!(browser::location_parts().0, "#v1.test-push");
    assert_eq!(history.length().expect("length"), before + 1);
    // The same fragment again adds no entry.
    browser::set_fragment("v1.test-push", true);
    assert_eq!(history.length().expect("length"), before + 1);
    assert!(browser::page_url().ends_with('/') || !browser::page_url().contains('#'));
}

#[wasm_bindgen_test]
fn storage_round_trips() {
    browser::storage_set("eop-test-key", "value").expect("stored");
    assert_eq!(
        browser::storage_get("eop-test-key").as_deref(),
        Some("value")
    );
    assert_eq!(browser::storage_get("eop-missing-key"), None);
}

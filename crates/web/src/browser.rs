//! Thin glue to the browser for sharing and saving: the URL fragment and history, localStorage,
//! the clipboard, file downloads, and turning the sequence view into SVG or PNG files. Every
//! function degrades to "did nothing" (or an error sentence) outside a browser; none panics.

use wasm_bindgen::closure::Closure;
use wasm_bindgen::{JsCast, JsValue};

fn window() -> Option<web_sys::Window> {
    web_sys::window()
}

/// `(fragment, query)` of the page's URL, each with its leading `#` / `?`.
pub fn location_parts() -> (String, String) {
    let Some(location) = window().map(|w| w.location()) else {
        return (String::new(), String::new());
    };
    (
        location.hash().unwrap_or_default(),
        location.search().unwrap_or_default(),
    )
}

/// The page's URL without its fragment (the base of a share link).
pub fn page_url() -> String {
    let Some(location) = window().map(|w| w.location()) else {
        return String::new();
    };
    let href = location.href().unwrap_or_default();
    match href.find('#') {
        Some(i) => href[..i].to_string(),
        None => href,
    }
}

/// Writes `fragment` (without `#`) into the URL: a new history entry when `push`, else in place.
/// Unchanged fragments are left alone so Back does not step through duplicates.
pub fn set_fragment(fragment: &str, push: bool) {
    let Some(w) = window() else { return };
    let wanted = format!("#{fragment}");
    if w.location().hash().unwrap_or_default() == wanted {
        return;
    }
    let Ok(history) = w.history() else { return };
    let _ = if push {
        history.push_state_with_url(&JsValue::NULL, "", Some(&wanted))
    } else {
        history.replace_state_with_url(&JsValue::NULL, "", Some(&wanted))
    };
}

fn storage() -> Option<web_sys::Storage> {
    window().and_then(|w| w.local_storage().ok().flatten())
}

pub fn storage_get(key: &str) -> Option<String> {
    storage().and_then(|s| s.get_item(key).ok().flatten())
}

/// Stores `value`; the error is a sentence (storage full or disabled).
pub fn storage_set(key: &str, value: &str) -> Result<(), String> {
    let s = storage().ok_or("this browser does not let the page save anything (storage is off)")?;
    s.set_item(key, value)
        .map_err(|_| "the browser refused to save (its storage may be full)".to_string())
}

/// Copies `text` to the clipboard when the browser allows it; the caller also shows the text in
/// a field, so a refused clipboard (no permission, no HTTPS) never loses the link.
pub fn copy_to_clipboard(text: &str) {
    if let Some(w) = window() {
        let promise = w.navigator().clipboard().write_text(text);
        // A refusal is expected (no permission, not HTTPS); handled here, it is no page error.
        yew::platform::spawn_local(async move {
            let _ = wasm_bindgen_futures::JsFuture::from(promise).await;
        });
    }
}

/// Offers `text` as a file download named `filename`.
pub fn download_text(filename: &str, mime: &str, text: &str) -> Result<(), String> {
    let parts = js_sys::Array::of1(&JsValue::from_str(text));
    let options = web_sys::BlobPropertyBag::new();
    options.set_type(mime);
    let blob = web_sys::Blob::new_with_str_sequence_and_options(&parts, &options)
        .map_err(|_| "the browser could not prepare the file".to_string())?;
    download_blob(filename, &blob)
}

fn download_blob(filename: &str, blob: &web_sys::Blob) -> Result<(), String> {
    let url = web_sys::Url::create_object_url_with_blob(blob)
        .map_err(|_| "the browser could not prepare the file".to_string())?;
    let result = click_link(filename, &url);
    let _ = web_sys::Url::revoke_object_url(&url);
    result
}

fn click_link(filename: &str, href: &str) -> Result<(), String> {
    let document = window().and_then(|w| w.document()).ok_or("no document")?;
    let anchor: web_sys::HtmlAnchorElement = document
        .create_element("a")
        .map_err(|_| "no anchor".to_string())?
        .dyn_into()
        .map_err(|_| "no anchor".to_string())?;
    anchor.set_href(href);
    anchor.set_download(filename);
    anchor.click();
    Ok(())
}

/// The SVG element matching `selector` as a standalone SVG document, with the page's style rules
/// that apply to it embedded (the view is styled by classes from style.css).
pub fn svg_document(selector: &str) -> Result<(String, f64, f64), String> {
    let document = window().and_then(|w| w.document()).ok_or("no document")?;
    let svg = document
        .query_selector(selector)
        .ok()
        .flatten()
        .ok_or("the sequence view is not on screen: switch to it first")?;
    let rect = svg.get_bounding_client_rect();
    let clone: web_sys::Element = svg
        .clone_node_with_deep(true)
        .map_err(|_| "could not copy the view".to_string())?
        .dyn_into()
        .map_err(|_| "could not copy the view".to_string())?;
    let _ = clone.set_attribute("xmlns", "http://www.w3.org/2000/svg");
    let _ = clone.set_attribute("width", &crate::anim::num(rect.width().round()));
    let _ = clone.set_attribute("height", &crate::anim::num(rect.height().round()));
    let mut css = String::new();
    let sheets = document.style_sheets();
    for i in 0..sheets.length() {
        let Some(sheet) = sheets
            .get(i)
            .and_then(|s| s.dyn_into::<web_sys::CssStyleSheet>().ok())
        else {
            continue;
        };
        let Ok(rules) = sheet.css_rules() else {
            continue;
        };
        for j in 0..rules.length() {
            if let Some(rule) = rules.get(j) {
                css.push_str(&rule.css_text());
                css.push('\n');
            }
        }
    }
    if let Ok(style) = document.create_element_ns(Some("http://www.w3.org/2000/svg"), "style") {
        style.set_text_content(Some(&css));
        let _ = clone.insert_before(&style, clone.first_child().as_ref());
    }
    let text = web_sys::XmlSerializer::new()
        .and_then(|s| s.serialize_to_string(&clone))
        .map_err(|_| "could not write the SVG".to_string())?;
    Ok((text, rect.width(), rect.height()))
}

/// Downloads the view matching `selector` as a PNG at twice its size (sharp on slides): the SVG
/// is drawn into a canvas once the browser has decoded it.
pub fn download_png(selector: &str, filename: &str) -> Result<(), String> {
    let (svg, width, height) = svg_document(selector)?;
    let document = window().and_then(|w| w.document()).ok_or("no document")?;
    let scale = 2.0;
    let canvas: web_sys::HtmlCanvasElement = document
        .create_element("canvas")
        .map_err(|_| "no canvas".to_string())?
        .dyn_into()
        .map_err(|_| "no canvas".to_string())?;
    canvas.set_width((width * scale).round().max(1.0) as u32);
    canvas.set_height((height * scale).round().max(1.0) as u32);
    let image = web_sys::HtmlImageElement::new().map_err(|_| "no image".to_string())?;
    let filename = filename.to_string();
    let (image_for_load, canvas_for_load) = (image.clone(), canvas.clone());
    let onload = Closure::once_into_js(move || {
        let Ok(Some(context)) = canvas_for_load.get_context("2d") else {
            return;
        };
        let Ok(context) = context.dyn_into::<web_sys::CanvasRenderingContext2d>() else {
            return;
        };
        context.set_fill_style_str("#ffffff");
        context.fill_rect(
            0.0,
            0.0,
            f64::from(canvas_for_load.width()),
            f64::from(canvas_for_load.height()),
        );
        let _ = context.scale(scale, scale);
        let _ = context.draw_image_with_html_image_element(&image_for_load, 0.0, 0.0);
        if let Ok(url) = canvas_for_load.to_data_url_with_type("image/png") {
            let _ = click_link(&filename, &url);
        }
    });
    image.set_onload(Some(onload.unchecked_ref()));
    let data = format!(
        "data:image/svg+xml;charset=utf-8,{}",
        js_sys::encode_uri_component(&svg)
    );
    image.set_src(&data);
    Ok(())
}

/// Reads the first file of a file input and hands its text to `done` (or an error sentence).
pub fn read_file_text(
    input: &web_sys::HtmlInputElement,
    done: impl FnOnce(Result<String, String>) + 'static,
) {
    let Some(file) = input.files().and_then(|f| f.get(0)) else {
        return;
    };
    let Ok(reader) = web_sys::FileReader::new() else {
        done(Err("this browser cannot read files".into()));
        return;
    };
    let reader_for_load = reader.clone();
    let onload = Closure::once_into_js(move || {
        let text = reader_for_load.result().ok().and_then(|v| v.as_string());
        done(text.ok_or_else(|| "the file is not text".to_string()));
    });
    reader.set_onloadend(Some(onload.unchecked_ref()));
    if reader.read_as_text(&file).is_err() {
        // `done` moved into the closure; the closure never runs, so say nothing more here.
    }
}

// ---- Presenter mode ---------------------------------------------------------------------

/// Full screen on or off. Browsers refuse it without a user gesture (and headless ones may
/// always refuse): the refusal comes back as a sentence, never as an unhandled rejection.
pub fn toggle_fullscreen(on_refused: impl FnOnce(String) + 'static) {
    let Some(document) = window().and_then(|w| w.document()) else {
        return;
    };
    let promise = if document.fullscreen_element().is_some() {
        js_sys::Reflect::get(&document, &JsValue::from_str("exitFullscreen"))
            .ok()
            .and_then(|f| f.dyn_into::<js_sys::Function>().ok())
            .and_then(|f| f.call0(&document).ok())
    } else {
        document.document_element().and_then(|root| {
            js_sys::Reflect::get(&root, &JsValue::from_str("requestFullscreen"))
                .ok()
                .and_then(|f| f.dyn_into::<js_sys::Function>().ok())
                .and_then(|f| f.call0(&root).ok())
        })
    };
    let Some(promise) = promise.and_then(|p| p.dyn_into::<js_sys::Promise>().ok()) else {
        on_refused("this browser has no full screen here".into());
        return;
    };
    yew::platform::spawn_local(async move {
        if wasm_bindgen_futures::JsFuture::from(promise).await.is_err() {
            on_refused(
                "the browser refused full screen (press F again, or use its own full-screen key)"
                    .into(),
            );
        }
    });
}

/// Puts the theme's name on `<html data-theme=…>` (style.css keys its colours on it).
pub fn set_theme_attribute(name: &str) {
    if let Some(root) = window()
        .and_then(|w| w.document())
        .and_then(|d| d.document_element())
    {
        let _ = root.set_attribute("data-theme", name);
    }
}

/// Replaces the URL's query and drops its fragment (a chapter link): a new history entry when
/// `push`, else in place. Unchanged URLs are left alone.
pub fn set_query(query: &str, push: bool) {
    let Some(w) = window() else { return };
    let location = w.location();
    let wanted = if query.is_empty() {
        location.pathname().unwrap_or_default()
    } else {
        format!("?{}", query.trim_start_matches('?'))
    };
    let current = format!(
        "{}{}",
        location.search().unwrap_or_default(),
        location.hash().unwrap_or_default()
    );
    if current == wanted {
        return;
    }
    let Ok(history) = w.history() else { return };
    let _ = if push {
        history.push_state_with_url(&JsValue::NULL, "", Some(&wanted))
    } else {
        history.replace_state_with_url(&JsValue::NULL, "", Some(&wanted))
    };
}

//! Dotted paths into a scenario's JSON (`orders.add_item.order`, `chaos[2].when`): the settings
//! editor of the page and the chapters' "apply the fix" edits change a scenario the same way.

use serde_json::Value;

/// Compact JSON text (`serde_json::to_string`) laid out exactly as `serde_json::to_string_pretty`
/// lays it out (two-space indent, `"key": value`, `[]` and `{}` for empty containers).
///
/// Through text on purpose: every type serialised with the pretty formatter would otherwise be a
/// second instantiation of its whole serde tree in the page's bundle, beside the compact one that
/// share links and the worker messages already need.
pub fn pretty(compact: &str) -> String {
    fn newline(out: &mut String, depth: usize) {
        out.push('\n');
        for _ in 0..depth {
            out.push_str("  ");
        }
    }
    let mut out = String::with_capacity(compact.len() * 2);
    let mut depth = 0usize;
    let mut in_string = false;
    let mut escaped = false;
    let mut chars = compact.chars().peekable();
    while let Some(c) = chars.next() {
        if in_string {
            out.push(c);
            if escaped {
                escaped = false;
            } else if c == '\\' {
                escaped = true;
            } else if c == '"' {
                in_string = false;
            }
            continue;
        }
        match c {
            '"' => {
                in_string = true;
                out.push(c);
            }
            '[' | '{' => {
                out.push(c);
                let close = if c == '[' { ']' } else { '}' };
                if chars.peek() == Some(&close) {
                    chars.next();
                    out.push(close);
                } else {
                    depth += 1;
                    newline(&mut out, depth);
                }
            }
            ']' | '}' => {
                depth = depth.saturating_sub(1);
                newline(&mut out, depth);
                out.push(c);
            }
            ',' => {
                out.push(c);
                newline(&mut out, depth);
            }
            ':' => out.push_str(": "),
            _ => out.push(c),
        }
    }
    out
}

/// `T` as pretty JSON text through the compact serialiser (see [`pretty`]).
pub fn to_pretty_string<T: serde::Serialize + ?Sized>(value: &T) -> String {
    pretty(&serde_json::to_string(value).unwrap_or_default())
}

/// One segment of a dotted path: a key, optionally indexed (`chaos[2]`).
fn segments(path: &str) -> Vec<(String, Option<usize>)> {
    path.split('.')
        .filter(|s| !s.is_empty())
        .map(|seg| match seg.find('[') {
            Some(b) => (
                seg[..b].to_string(),
                seg[b + 1..].trim_end_matches(']').parse().ok(),
            ),
            None => (seg.to_string(), None),
        })
        .collect()
}

/// The value at a dotted path, if present.
pub fn get_path<'v>(root: &'v Value, path: &str) -> Option<&'v Value> {
    let mut cur = root;
    for (key, index) in segments(path) {
        cur = cur.get(&key)?;
        if let Some(i) = index {
            cur = cur.get(i)?;
        }
    }
    Some(cur)
}

/// Writes `new` at a dotted path, creating objects where the path runs through `null` (a
/// subscriber being deployed). Fails with a sentence when the path names nothing.
pub fn set_path(root: &mut Value, path: &str, new: Value) -> Result<(), String> {
    let segs = segments(path);
    let mut cur = root;
    for (n, (key, index)) in segs.iter().enumerate() {
        if cur.is_null() {
            *cur = Value::Object(Default::default());
        }
        let obj = cur
            .as_object_mut()
            .ok_or_else(|| format!("{path}: {key} is not inside an object"))?;
        let last = n + 1 == segs.len();
        if last && index.is_none() {
            obj.insert(key.clone(), new);
            return Ok(());
        }
        let next = obj.entry(key.clone()).or_insert(Value::Null);
        cur = match index {
            Some(i) => {
                let arr = next
                    .as_array_mut()
                    .ok_or_else(|| format!("{path}: {key} is not a list"))?;
                let slot = arr
                    .get_mut(*i)
                    .ok_or_else(|| format!("{path}: there is no item {i}"))?;
                if last {
                    *slot = new;
                    return Ok(());
                }
                slot
            }
            None => next,
        };
    }
    Err(format!("{path}: empty path"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pretty_lays_out_compact_text_exactly_as_serde_json_does() {
        for preset in crate::presets::all() {
            let expected = serde_json::to_string_pretty(&preset.scenario).unwrap_or_default();
            assert_eq!(preset.scenario.to_json(), expected, "{}", preset.id);
            assert_eq!(
                to_pretty_string(&preset),
                serde_json::to_string_pretty(&preset).unwrap_or_default()
            );
        }
        let tricky = serde_json::json!({
            "empty": [], "none": {}, "nested": [[], {}, [1, [2, {"a": {}}]]],
            "text": "quote \" backslash \\ brackets [{,:}] \u{1} é ✓", "n": null, "t": true,
            "k:ey,": "v"
        });
        assert_eq!(
            to_pretty_string(&tricky),
            serde_json::to_string_pretty(&tricky).unwrap_or_default()
        );
        assert_eq!(pretty("[]"), "[]");
        assert_eq!(
            pretty("{\"a\":[1,2]}"),
            "{\n  \"a\": [\n    1,\n    2\n  ]\n}"
        );
    }
}

//! Dotted paths into a scenario's JSON (`orders.add_item.order`, `chaos[2].when`): the settings
//! editor of the page and the chapters' "apply the fix" edits change a scenario the same way.

use serde_json::Value;

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

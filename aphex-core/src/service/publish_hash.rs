//! The publish hash, byte-for-byte what the Aphex TypeScript studio computes, so a JS client can
//! tell whether a draft differs from what is live.
//!
//! 1. Canonical JSON: object keys ordered as JavaScript enumerates `Object.keys(o).sort()`
//!    re-inserted into a fresh object — integer-like keys (array indexes) first in numeric order,
//!    then the rest by UTF-16 code units — serialised exactly like `JSON.stringify` (JS number
//!    formatting: `1.0` → `1`, `1e21` → `1e+21`, `-0` → `0`).
//! 2. `h = ((h << 5) - h + code_unit) | 0` over the UTF-16 code units; `abs(h)` in base 36.

use std::cmp::Ordering;

use serde_json::{Map, Number, Value};

/// The publish hash of `data`.
pub fn publish_hash(data: &Value) -> String {
    hash_string(&canonical_json(data))
}

/// `JSON.stringify(sortKeys(data))` as the studio computes it.
pub fn canonical_json(data: &Value) -> String {
    let mut out = String::new();
    write_value(data, &mut out);
    out
}

fn hash_string(s: &str) -> String {
    let mut h: i32 = 0;
    for unit in s.encode_utf16() {
        h = h
            .wrapping_shl(5)
            .wrapping_sub(h)
            .wrapping_add(i32::from(unit));
    }
    to_base36(i64::from(h).unsigned_abs())
}

fn to_base36(mut n: u64) -> String {
    const DIGITS: &[u8; 36] = b"0123456789abcdefghijklmnopqrstuvwxyz";
    let mut buf = Vec::new();
    loop {
        buf.push(DIGITS[(n % 36) as usize]);
        n /= 36;
        if n == 0 {
            break;
        }
    }
    buf.reverse();
    String::from_utf8_lossy(&buf).into_owned()
}

fn write_value(v: &Value, out: &mut String) {
    match v {
        Value::Null => out.push_str("null"),
        Value::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Value::Number(n) => write_number(n, out),
        Value::String(s) => write_string(s, out),
        Value::Array(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write_value(item, out);
            }
            out.push(']');
        }
        Value::Object(map) => write_object(map, out),
    }
}

fn write_object(map: &Map<String, Value>, out: &mut String) {
    let mut keys: Vec<&String> = map.keys().collect();
    keys.sort_by(|a, b| js_key_order(a, b));
    out.push('{');
    for (i, key) in keys.into_iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        write_string(key, out);
        out.push(':');
        write_value(&map[key], out);
    }
    out.push('}');
}

/// Property enumeration order of a JS object whose keys were inserted in sorted order.
fn js_key_order(a: &str, b: &str) -> Ordering {
    match (array_index(a), array_index(b)) {
        (Some(x), Some(y)) => x.cmp(&y),
        (Some(_), None) => Ordering::Less,
        (None, Some(_)) => Ordering::Greater,
        (None, None) => a.encode_utf16().cmp(b.encode_utf16()),
    }
}

/// A canonical array index: `0`, or digits without a leading zero, below 2^32 - 1.
fn array_index(key: &str) -> Option<u32> {
    if key.is_empty() || !key.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    if key.len() > 1 && key.starts_with('0') {
        return None;
    }
    key.parse::<u32>().ok().filter(|n| *n != u32::MAX)
}

fn write_number(n: &Number, out: &mut String) {
    // JS numbers are doubles: integers beyond 2^53 are rounded exactly as `JSON.parse` does.
    let f = n.as_f64().unwrap_or(0.0);
    if f.is_finite() {
        out.push_str(ryu_js::Buffer::new().format_finite(f));
    } else {
        out.push_str("null");
    }
}

fn write_string(s: &str, out: &mut String) {
    // serde_json escapes exactly what JSON.stringify escapes for valid UTF-8: `"`, `\`, and
    // control characters (short forms for \b \f \n \r \t, `\u00xx` otherwise).
    out.push_str(&Value::String(s.to_owned()).to_string());
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn integer_like_keys_come_first_in_numeric_order() {
        let v: Value = serde_json::from_str(r#"{"b":1,"10":2,"2":3,"01":4}"#).unwrap_or_default();
        assert_eq!(canonical_json(&v), r#"{"2":3,"10":2,"01":4,"b":1}"#);
    }

    #[test]
    fn zero_hash_is_zero() {
        assert_eq!(hash_string(""), "0");
    }
}

//! Values every backend can store: what is refused before any write so that a value either
//! round-trips identically on SQLite, PostgreSQL and MongoDB or gets the same
//! [`Error::Validation`](crate::Error::Validation) on all three.
//!
//! - **NUL characters** (U+0000) in strings and object keys: PostgreSQL cannot hold one in
//!   `text` or `jsonb`.
//! - **Nesting** deeper than [`MAX_DATA_DEPTH`] levels: MongoDB refuses documents nested deeper
//!   than 100 levels, and JSON read back from SQL is parsed with a recursion limit of 128.
//! - **Integers above `i64::MAX`** (JSON allows them up to `u64::MAX` exactly): MongoDB's
//!   largest integer is a 64-bit signed one.
//! - **Documents larger than [`MAX_DATA_BYTES`]** as JSON text: a MongoDB record (draft plus
//!   published copy plus metadata) must stay below 16 MiB.
//!
//! Lone surrogates cannot occur: a Rust `String` cannot hold one, and `serde_json` refuses
//! them when parsing. Lookups by a string that cannot have been stored (a NUL in an email,
//! token or name) find nothing without asking the database.

use serde_json::Value;

use crate::error::ValidationErrors;

/// Deepest accepted nesting of a JSON value (the value itself is level 1).
pub const MAX_DATA_DEPTH: usize = 64;

/// Largest accepted JSON value, in bytes of its JSON text.
pub const MAX_DATA_BYTES: usize = 4 * 1024 * 1024;

/// Records an error when `value` contains a NUL character.
pub(crate) fn check_text(errors: &mut ValidationErrors, path: &str, value: &str) {
    if value.contains('\0') {
        errors.push(path, NUL);
    }
}

/// [`check_text`] for an optional value.
pub(crate) fn check_opt_text(errors: &mut ValidationErrors, path: &str, value: Option<&str>) {
    if let Some(v) = value {
        check_text(errors, path, v);
    }
}

/// Whether a lookup key can match a stored value at all.
pub(crate) fn storable(key: &str) -> bool {
    !key.contains('\0')
}

const NUL: &str = "must not contain a NUL character (U+0000)";

/// Records the first problem of each kind in `value` (NUL, nesting, integer range), with the
/// path where it is, and an error when the whole value is too large.
pub(crate) fn check_json(errors: &mut ValidationErrors, path: &str, value: &Value) {
    let mut walk = Walk {
        errors,
        nul: false,
        deep: false,
        big: false,
    };
    walk.value(path, value, 1);
    if json_len(value) > MAX_DATA_BYTES {
        errors.push(
            path,
            format!("must be at most {MAX_DATA_BYTES} bytes as JSON"),
        );
    }
}

struct Walk<'e> {
    errors: &'e mut ValidationErrors,
    nul: bool,
    deep: bool,
    big: bool,
}

impl Walk<'_> {
    fn value(&mut self, path: &str, value: &Value, depth: usize) {
        match value {
            Value::String(s) => self.text(path, s),
            Value::Number(n) if n.is_u64() && n.as_i64().is_none() && !self.big => {
                self.big = true;
                self.errors.push(
                    path,
                    "integers must be at most 9223372036854775807 (2^63 - 1)",
                );
            }
            Value::Array(items) if self.nested(path, depth) => {
                for (i, item) in items.iter().enumerate() {
                    self.value(&format!("{path}[{i}]"), item, depth + 1);
                }
            }
            Value::Object(map) if self.nested(path, depth) => {
                for (key, item) in map {
                    let child = if path.is_empty() {
                        key.clone()
                    } else {
                        format!("{path}.{key}")
                    };
                    self.text(&child, key);
                    self.value(&child, item, depth + 1);
                }
            }
            _ => {}
        }
    }

    /// Whether the children of a container at `depth` are walked (they are not once it is too
    /// deep: one error is enough).
    fn nested(&mut self, path: &str, depth: usize) -> bool {
        if depth < MAX_DATA_DEPTH {
            return true;
        }
        if !self.deep {
            self.deep = true;
            self.errors.push(
                path,
                format!("must not be nested deeper than {MAX_DATA_DEPTH} levels"),
            );
        }
        false
    }

    fn text(&mut self, path: &str, s: &str) {
        if !self.nul && s.contains('\0') {
            self.nul = true;
            self.errors.push(path, NUL);
        }
    }
}

/// Length of the JSON text of `value`, without building it.
fn json_len(value: &Value) -> usize {
    struct Count(usize);
    impl std::io::Write for Count {
        fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
            self.0 += buf.len();
            Ok(buf.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }
    let mut count = Count(0);
    // Writing a `Value` into an infallible sink cannot fail.
    let _ = serde_json::to_writer(&mut count, value);
    count.0
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn paths(value: &Value) -> Vec<String> {
        let mut errors = ValidationErrors::default();
        check_json(&mut errors, "data", value);
        errors.fields().iter().map(|f| f.path.clone()).collect()
    }

    #[test]
    fn each_kind_of_problem_is_named_once_where_it_is() {
        assert!(paths(&json!({"a": [1, "x", {"b": null}], "n": i64::MAX})).is_empty());
        assert_eq!(paths(&json!({"a": ["ok", "b\u{0}d"]})), ["data.a[1]"]);
        assert_eq!(paths(&json!({"k\u{0}": 1, "j\u{0}": 2})).len(), 1);
        assert_eq!(paths(&json!({"n": u64::MAX})), ["data.n"]);
        let mut deep = json!(1);
        for _ in 0..MAX_DATA_DEPTH {
            deep = json!([deep]);
        }
        assert_eq!(paths(&json!({ "d": deep })).len(), 1);
        let mut ok = json!(1);
        for _ in 0..MAX_DATA_DEPTH - 2 {
            ok = json!([ok]);
        }
        assert!(paths(&json!({ "d": ok })).is_empty(), "64 levels are fine");
        let big = "x".repeat(MAX_DATA_BYTES);
        assert_eq!(paths(&json!({ "s": big })), ["data"]);
    }
}

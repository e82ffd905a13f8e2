//! Validation of document data against a registered type (see the [module docs](super) for the
//! rules). Every failing value is reported; nothing stops at the first error.

use serde_json::{Map, Value};
use uuid::Uuid;

use super::definition::{ArrayMember, FieldDef, FieldType, Rules, SchemaTypeDef};
use super::json::{index, join};
use super::registry::SchemaRegistry;
use crate::error::ValidationErrors;

/// Validates `data` (which must be a JSON object) against `def`'s fields, and lists the
/// references found at reference fields (with the types they may point to).
pub(super) fn validate_data(
    registry: &SchemaRegistry,
    def: &SchemaTypeDef,
    data: &Value,
) -> (ValidationErrors, Vec<ReferenceField>) {
    let mut validator = Validator {
        registry,
        errors: ValidationErrors::default(),
        references: Vec::new(),
    };
    match data.as_object() {
        Some(obj) => validator.fields(&def.fields, obj, ""),
        None => validator.errors.push("", "data must be an object"),
    }
    (validator.errors, validator.references)
}

/// A reference at a reference field of the data: where it is, the document it points to, and
/// the document types the field allows (its `to`). Whether the target has one of them needs
/// the database, so publishing checks it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReferenceField {
    /// Path of the reference object, e.g. `author` or `related[2]`.
    pub path: String,
    /// The referenced document.
    pub target: Uuid,
    /// Allowed document types.
    pub to: Vec<String>,
}

struct Validator<'a> {
    registry: &'a SchemaRegistry,
    errors: ValidationErrors,
    references: Vec<ReferenceField>,
}

impl Validator<'_> {
    /// Each field of one object level; keys that are not fields are ignored.
    fn fields(&mut self, fields: &[FieldDef], obj: &Map<String, Value>, parent: &str) {
        for field in fields {
            let path = join(parent, &field.name);
            self.field(&path, &field.field_type, &field.rules, obj.get(&field.name));
        }
    }

    /// The `required` rule, then the type and the other rules for a present value.
    fn field(&mut self, path: &str, field_type: &FieldType, rules: &Rules, value: Option<&Value>) {
        let value = value.filter(|v| !v.is_null());
        let Some(value) = value else {
            if rules.required {
                self.errors.push(path, "is required");
            }
            return;
        };
        let empty = match value {
            Value::String(s) => s.is_empty(),
            Value::Array(items) => items.is_empty(),
            _ => false,
        };
        if rules.required && empty {
            self.errors.push(path, "is required");
            return;
        }
        self.value(path, field_type, rules, value);
    }

    /// A present, non-null value: type check first; a mismatch is one error and ends the checks.
    fn value(&mut self, path: &str, field_type: &FieldType, rules: &Rules, value: &Value) {
        match field_type {
            FieldType::String | FieldType::Text => match value.as_str() {
                Some(s) => self.string_rules(path, rules, s, false),
                None => self.errors.push(path, "expected a string"),
            },
            FieldType::Url => match value.as_str() {
                Some(s) => self.string_rules(path, rules, s, true),
                None => self.errors.push(path, "expected a string"),
            },
            FieldType::Number => match value.as_f64() {
                Some(n) => self.number_rules(path, rules, value, n),
                None => self.errors.push(path, "expected a number"),
            },
            FieldType::Boolean => {
                if !value.is_boolean() {
                    self.errors.push(path, "expected a boolean");
                }
            }
            FieldType::Date => match value.as_str() {
                Some(s) if is_date(s) => self.string_rules(path, rules, s, false),
                _ => self.errors.push(path, "expected a date (YYYY-MM-DD)"),
            },
            FieldType::Datetime => match value.as_str() {
                Some(s) if chrono::DateTime::parse_from_rfc3339(s).is_ok() => {
                    self.string_rules(path, rules, s, false);
                }
                _ => self.errors.push(path, "expected an RFC 3339 datetime"),
            },
            FieldType::Slug => {
                let current = value.get("current").and_then(Value::as_str);
                match (value.as_object(), current) {
                    (Some(obj), Some(current)) => {
                        self.check_type_tag(path, obj, "slug");
                        if rules.required && current.is_empty() {
                            self.errors.push(path, "is required");
                        } else {
                            self.string_rules(path, rules, current, false);
                        }
                    }
                    _ => self
                        .errors
                        .push(path, "expected a slug object with a string `current`"),
                }
            }
            FieldType::Reference { to } => {
                if let Some(target) = self.reference(path, value) {
                    self.references.push(ReferenceField {
                        path: path.to_owned(),
                        target,
                        to: to.clone(),
                    });
                }
            }
            FieldType::Image | FieldType::File => match value.as_object() {
                Some(obj) => {
                    self.check_type_tag(path, obj, field_type.type_name());
                    if let Some(asset) = obj.get("asset").filter(|a| !a.is_null()) {
                        self.reference(&join(path, "asset"), asset);
                    }
                }
                None if matches!(field_type, FieldType::Image) => {
                    self.errors.push(path, "expected an image object");
                }
                None => self.errors.push(path, "expected a file object"),
            },
            FieldType::Block => match value.as_object() {
                Some(obj) => self.check_type_tag(path, obj, "block"),
                None => self.errors.push(path, "expected a block object"),
            },
            FieldType::Array { of } => match value.as_array() {
                Some(items) => {
                    self.count_rules(path, rules, items.len());
                    for (i, item) in items.iter().enumerate() {
                        self.item(&index(path, i), of, item);
                    }
                }
                None => self.errors.push(path, "expected an array"),
            },
            FieldType::Object { fields } => match value.as_object() {
                Some(obj) => self.fields(fields, obj, path),
                None => self.errors.push(path, "expected an object"),
            },
            FieldType::Named(name) => match (value.as_object(), self.registry.get(name)) {
                (Some(obj), Some(def)) => {
                    self.check_type_tag(path, obj, name);
                    self.fields(&def.fields, obj, path);
                }
                (None, _) => self
                    .errors
                    .push(path, format!("expected an object of type `{name}`")),
                // the registry guarantees `name` is registered; report rather than panic.
                (Some(_), None) => self
                    .errors
                    .push(path, format!("unknown object type `{name}`")),
            },
        }
    }

    /// One array item: picks the member type, then checks the item with no extra rules.
    fn item(&mut self, path: &str, of: &[ArrayMember], item: &Value) {
        if item.is_null() {
            self.errors.push(path, "must not be null");
            return;
        }
        match select_member(of, item) {
            Ok(member) => self.value(path, member, &Rules::default(), item),
            Err(message) => self.errors.push(path, message),
        }
    }

    /// `{"_type": "reference", "_ref": "<uuid>"}`; the target id when it is well-formed.
    /// Whether the target exists (and has an allowed type) needs the database and is not
    /// checked here.
    fn reference(&mut self, path: &str, value: &Value) -> Option<Uuid> {
        let Some(obj) = value.as_object() else {
            self.errors.push(path, "expected a reference object");
            return None;
        };
        self.check_type_tag(path, obj, "reference");
        let target = obj
            .get("_ref")
            .and_then(Value::as_str)
            .filter(|r| is_canonical_uuid(r))
            .and_then(|r| Uuid::parse_str(r).ok());
        if target.is_none() {
            self.errors
                .push(join(path, "_ref"), "must be a lowercase hyphenated UUID");
        }
        target
    }

    /// `_type`, when present, must name the expected type.
    fn check_type_tag(&mut self, path: &str, obj: &Map<String, Value>, expected: &str) {
        if let Some(tag) = obj.get("_type")
            && tag.as_str() != Some(expected)
        {
            self.errors
                .push(join(path, "_type"), format!("must be \"{expected}\""));
        }
    }

    fn string_rules(&mut self, path: &str, rules: &Rules, s: &str, is_url: bool) {
        #[allow(clippy::cast_precision_loss)] // lengths are far below 2^53
        let len = s.chars().count() as f64;
        if let Some(min) = rules.min
            && len < min
        {
            let unit = plural(min, "character", "characters");
            self.errors
                .push(path, format!("must be at least {min} {unit}"));
        }
        if let Some(max) = rules.max
            && len > max
        {
            let unit = plural(max, "character", "characters");
            self.errors
                .push(path, format!("must be at most {max} {unit}"));
        }
        if let Some(length) = rules.length
            && s.chars().count() as u64 != length
        {
            let unit = plural(length as f64, "character", "characters");
            self.errors
                .push(path, format!("must be exactly {length} {unit}"));
        }
        if let Some(pattern) = &rules.regex {
            match self.registry.pattern(pattern) {
                Some(re) if re.is_match(s) => {}
                Some(_) => self
                    .errors
                    .push(path, format!("does not match pattern {pattern}")),
                // unreachable for a registered type: the registry compiled every pattern.
                None => self
                    .errors
                    .push(path, format!("has an uncompiled pattern {pattern}")),
            }
        }
        if rules.email && !is_plausible_email(s) {
            self.errors.push(path, "must be a valid email address");
        }
        if (rules.uri || is_url) && !is_absolute_uri(s) {
            self.errors
                .push(path, "must be an absolute URI (scheme:...)");
        }
    }

    fn number_rules(&mut self, path: &str, rules: &Rules, value: &Value, n: f64) {
        if let Some(min) = rules.min
            && n < min
        {
            self.errors.push(path, format!("must be at least {min}"));
        }
        if let Some(max) = rules.max
            && n > max
        {
            self.errors.push(path, format!("must be at most {max}"));
        }
        let integral = value.is_i64() || value.is_u64() || n.fract() == 0.0;
        if rules.integer && !integral {
            self.errors.push(path, "must be an integer");
        }
    }

    fn count_rules(&mut self, path: &str, rules: &Rules, count: usize) {
        #[allow(clippy::cast_precision_loss)] // counts are far below 2^53
        let n = count as f64;
        if let Some(min) = rules.min
            && n < min
        {
            let unit = plural(min, "item", "items");
            self.errors
                .push(path, format!("must have at least {min} {unit}"));
        }
        if let Some(max) = rules.max
            && n > max
        {
            let unit = plural(max, "item", "items");
            self.errors
                .push(path, format!("must have at most {max} {unit}"));
        }
        if let Some(length) = rules.length
            && count as u64 != length
        {
            let unit = plural(length as f64, "item", "items");
            self.errors
                .push(path, format!("must have exactly {length} {unit}"));
        }
    }
}

/// The member type an array item is checked against:
/// 1. a single member is always used (so its own type error is reported);
/// 2. an object's `_type` picks the member with that [`type_name`](FieldType::type_name), or
///    else the first inline `object` member (inline objects have no name to match);
/// 3. otherwise the first member whose JSON kind fits the item.
fn select_member<'a>(of: &'a [ArrayMember], item: &Value) -> Result<&'a FieldType, String> {
    let types = || of.iter().map(|m| &m.field_type);
    if let [only] = of {
        return Ok(&only.field_type);
    }
    let allowed = || {
        types()
            .map(FieldType::type_name)
            .collect::<Vec<_>>()
            .join(", ")
    };
    if let Some(tag) = item.get("_type").and_then(Value::as_str) {
        return types()
            .find(|m| m.type_name() == tag)
            .or_else(|| types().find(|m| matches!(m, FieldType::Object { .. })))
            .ok_or_else(|| format!("type `{tag}` is not allowed here (allowed: {})", allowed()));
    }
    types()
        .find(|m| fits(m, item))
        .ok_or_else(|| format!("expected one of: {}", allowed()))
}

/// Whether `value` has the JSON kind that `member` holds.
fn fits(member: &FieldType, value: &Value) -> bool {
    match member {
        FieldType::String
        | FieldType::Text
        | FieldType::Url
        | FieldType::Date
        | FieldType::Datetime => value.is_string(),
        FieldType::Number => value.is_number(),
        FieldType::Boolean => value.is_boolean(),
        FieldType::Array { .. } => value.is_array(),
        FieldType::Slug
        | FieldType::Reference { .. }
        | FieldType::Image
        | FieldType::File
        | FieldType::Block
        | FieldType::Object { .. }
        | FieldType::Named(_) => value.is_object(),
    }
}

fn plural<'s>(n: f64, one: &'s str, many: &'s str) -> &'s str {
    if n == 1.0 { one } else { many }
}

/// `YYYY-MM-DD` (exactly, zero-padded) naming a real calendar date.
fn is_date(s: &str) -> bool {
    let shape = s.len() == 10
        && s.bytes().enumerate().all(|(i, b)| match i {
            4 | 7 => b == b'-',
            _ => b.is_ascii_digit(),
        });
    shape && chrono::NaiveDate::parse_from_str(s, "%Y-%m-%d").is_ok()
}

/// The form content ids are stored in everywhere: lowercase, hyphenated, 36 characters.
fn is_canonical_uuid(s: &str) -> bool {
    s.len() == 36 && !s.bytes().any(|b| b.is_ascii_uppercase()) && uuid::Uuid::try_parse(s).is_ok()
}

/// A plausible address, not RFC 5322: one `@`, a non-empty local part, a domain of non-empty
/// dot-separated labels with at least one dot, no whitespace.
fn is_plausible_email(s: &str) -> bool {
    if s.chars().any(char::is_whitespace) {
        return false;
    }
    let mut parts = s.split('@');
    let (Some(local), Some(domain), None) = (parts.next(), parts.next(), parts.next()) else {
        return false;
    };
    !local.is_empty() && domain.contains('.') && domain.split('.').all(|label| !label.is_empty())
}

/// An absolute URI in the RFC 3986 sense, checked only as far as editors need: a scheme
/// (`[A-Za-z][A-Za-z0-9+.-]*`), `:`, a non-empty rest, and no whitespace or control characters.
fn is_absolute_uri(s: &str) -> bool {
    if s.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return false;
    }
    let Some((scheme, rest)) = s.split_once(':') else {
        return false;
    };
    let mut chars = scheme.chars();
    chars.next().is_some_and(|c| c.is_ascii_alphabetic())
        && chars.all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '.' | '-'))
        && !rest.is_empty()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates() {
        assert!(is_date("2024-02-29"));
        assert!(!is_date("2023-02-29"), "not a leap year");
        assert!(!is_date("2024-2-29"), "not zero-padded");
        assert!(!is_date("2024-02-29T00:00:00Z"));
        assert!(!is_date("２０２４-02-29"), "non-ASCII digits");
    }

    #[test]
    fn uuids() {
        assert!(is_canonical_uuid("0b6f8e3a-2c4d-4e5f-8a9b-0c1d2e3f4a5b"));
        assert!(!is_canonical_uuid("0B6F8E3A-2C4D-4E5F-8A9B-0C1D2E3F4A5B"));
        assert!(!is_canonical_uuid("0b6f8e3a2c4d4e5f8a9b0c1d2e3f4a5b"));
        assert!(!is_canonical_uuid("{0b6f8e3a-2c4d-4e5f-8a9b-0c1d2e3f4a5b}"));
        assert!(!is_canonical_uuid("0b6f8e3a-2c4d-4e5f-8a9b-0c1d2e3f4a5g"));
    }

    #[test]
    fn emails() {
        assert!(is_plausible_email("a@b.co"));
        assert!(is_plausible_email("first.last+tag@mail.example.org"));
        for bad in [
            "", "a", "@b.co", "a@b", "a@@b.co", "a@b@c.co", "a b@c.co", "a@b..co", "a@.co", "a@co.",
        ] {
            assert!(!is_plausible_email(bad), "{bad:?} must be rejected");
        }
    }

    #[test]
    fn uris() {
        for good in [
            "https://example.com",
            "mailto:a@b.co",
            "urn:isbn:0451450523",
            "x+y.z-1:rest",
        ] {
            assert!(is_absolute_uri(good), "{good:?} must be accepted");
        }
        for bad in [
            "",
            "example.com",
            "/relative/path",
            "https:",
            "1http://x",
            "ht tp://x",
            "https://a b",
            ":x",
            "-a:x",
        ] {
            assert!(!is_absolute_uri(bad), "{bad:?} must be rejected");
        }
    }

    #[test]
    fn member_selection() {
        let of = [FieldType::Block, FieldType::Image, FieldType::String].map(ArrayMember::from);
        let pick = |v: Value| select_member(&of, &v).map(FieldType::type_name);
        assert_eq!(pick(serde_json::json!({"_type": "image"})), Ok("image"));
        assert_eq!(pick(serde_json::json!({"children": []})), Ok("block"));
        assert_eq!(pick(serde_json::json!("text")), Ok("string"));
        assert!(pick(serde_json::json!({"_type": "video"})).is_err());
        assert_eq!(
            pick(serde_json::json!(5)),
            Err("expected one of: block, image, string".to_owned())
        );
    }
}

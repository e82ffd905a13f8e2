//! The JSON form of the definitions (what `cms_schema_types.schema` stores and a JavaScript
//! studio reads), their serde implementations through it, and the path helpers definition and
//! data errors are built with. See [`definition`](super::definition) for the shape.

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use serde_json::{Map, Value};

use super::definition::{ArrayMember, FieldDef, FieldType, IndexScope, Rules, SchemaTypeDef};
use crate::error::{Error, Result, ValidationErrors};
use crate::model::SchemaKind;

// ---- serde: through the JSON form, so there is exactly one representation -------------------

impl Serialize for SchemaTypeDef {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        self.to_json().serialize(serializer)
    }
}

impl<'de> Deserialize<'de> for SchemaTypeDef {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let value = Value::deserialize(deserializer)?;
        SchemaTypeDef::from_json(&value).map_err(serde::de::Error::custom)
    }
}

impl Serialize for FieldDef {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        self.to_json().serialize(serializer)
    }
}

impl<'de> Deserialize<'de> for FieldDef {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let value = Value::deserialize(deserializer)?;
        FieldDef::from_json(&value).map_err(serde::de::Error::custom)
    }
}

/// As an array member: `{"type": "reference", "to": [{"type": "author"}]}`.
impl Serialize for FieldType {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut m = Map::new();
        type_into(self, &mut m);
        Value::Object(m).serialize(serializer)
    }
}

impl<'de> Deserialize<'de> for FieldType {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let value = Value::deserialize(deserializer)?;
        let mut errors = ValidationErrors::default();
        let member = parse_member(&value, "", &mut errors);
        finish(member, errors)
            .map(|m| m.field_type)
            .map_err(serde::de::Error::custom)
    }
}

/// As an array member, with its kept properties.
impl Serialize for ArrayMember {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        member_to_json(self).serialize(serializer)
    }
}

impl<'de> Deserialize<'de> for ArrayMember {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let value = Value::deserialize(deserializer)?;
        let mut errors = ValidationErrors::default();
        let member = parse_member(&value, "", &mut errors);
        finish(member, errors).map_err(serde::de::Error::custom)
    }
}

/// As a field's `validation` object (only non-default rules).
impl Serialize for Rules {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        rules_to_json(self).serialize(serializer)
    }
}

impl<'de> Deserialize<'de> for Rules {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let value = Value::deserialize(deserializer)?;
        let mut errors = ValidationErrors::default();
        let rules = parse_rules(&value, "validation", &mut errors);
        finish(rules, errors).map_err(serde::de::Error::custom)
    }
}

// ---- paths --------------------------------------------------------------------------------

/// `parent.key`, or `key` at the root. Paths in definition and data errors are built with it.
pub(super) fn join(parent: &str, key: &str) -> String {
    if parent.is_empty() {
        key.to_owned()
    } else {
        format!("{parent}.{key}")
    }
}

/// `parent[index]`.
pub(super) fn index(parent: &str, i: usize) -> String {
    format!("{parent}[{i}]")
}

// ---- to JSON ------------------------------------------------------------------------------

pub(super) fn type_def_to_json(def: &SchemaTypeDef) -> Value {
    let mut m = Map::new();
    m.insert("name".into(), Value::String(def.name.clone()));
    m.insert("title".into(), Value::String(def.title.clone()));
    m.insert("type".into(), Value::String(def.kind.as_str().into()));
    m.insert(
        "description".into(),
        def.description.clone().map_or(Value::Null, Value::String),
    );
    m.insert("fields".into(), fields_to_json(&def.fields));
    extra_into(&def.extra, &mut m);
    Value::Object(m)
}

fn fields_to_json(fields: &[FieldDef]) -> Value {
    Value::Array(fields.iter().map(field_to_json).collect())
}

pub(super) fn field_to_json(field: &FieldDef) -> Value {
    let mut m = Map::new();
    m.insert("name".into(), Value::String(field.name.clone()));
    if let Some(title) = &field.title {
        m.insert("title".into(), Value::String(title.clone()));
    }
    if let Some(description) = &field.description {
        m.insert("description".into(), Value::String(description.clone()));
    }
    type_into(&field.field_type, &mut m);
    if !field.rules.is_default() {
        m.insert("validation".into(), rules_to_json(&field.rules));
    }
    for (key, scope) in [("index", field.index), ("unique", field.unique)] {
        if let Some(scope) = scope {
            m.insert(key.into(), scope_to_json(scope));
        }
    }
    extra_into(&field.extra, &mut m);
    Value::Object(m)
}

fn scope_to_json(scope: IndexScope) -> Value {
    match scope {
        IndexScope::Both => Value::Bool(true),
        IndexScope::Draft => Value::String("draft".into()),
        IndexScope::Published => Value::String("published".into()),
    }
}

/// `index` / `unique`: `true`, `false`/`null` (none), `"draft"` or `"published"`.
fn parse_scope(
    obj: &Map<String, Value>,
    key: &str,
    path: &str,
    errors: &mut ValidationErrors,
) -> Option<Option<IndexScope>> {
    match obj.get(key) {
        None | Some(Value::Null) | Some(Value::Bool(false)) => Some(None),
        Some(Value::Bool(true)) => Some(Some(IndexScope::Both)),
        Some(Value::String(s)) if s == "draft" => Some(Some(IndexScope::Draft)),
        Some(Value::String(s)) if s == "published" => Some(Some(IndexScope::Published)),
        Some(_) => {
            errors.push(
                join(path, key),
                "must be true, false, \"draft\" or \"published\"",
            );
            None
        }
    }
}

fn member_to_json(member: &ArrayMember) -> Value {
    let mut m = Map::new();
    type_into(&member.field_type, &mut m);
    extra_into(&member.extra, &mut m);
    Value::Object(m)
}

/// Writes the kept properties (never over a known one: parsing only keeps unknown keys).
fn extra_into(extra: &Map<String, Value>, m: &mut Map<String, Value>) {
    for (key, value) in extra {
        if !m.contains_key(key) {
            m.insert(key.clone(), value.clone());
        }
    }
}

/// Writes `type` and the type's own property (`to`, `of` or `fields`).
fn type_into(field_type: &FieldType, m: &mut Map<String, Value>) {
    m.insert("type".into(), Value::String(field_type.type_name().into()));
    match field_type {
        FieldType::Reference { to } => {
            let to = to
                .iter()
                .map(|name| {
                    let mut target = Map::new();
                    target.insert("type".into(), Value::String(name.clone()));
                    Value::Object(target)
                })
                .collect();
            m.insert("to".into(), Value::Array(to));
        }
        FieldType::Array { of } => {
            m.insert(
                "of".into(),
                Value::Array(of.iter().map(member_to_json).collect()),
            );
        }
        FieldType::Object { fields } => {
            m.insert("fields".into(), fields_to_json(fields));
        }
        _ => {}
    }
}

fn rules_to_json(rules: &Rules) -> Value {
    let mut m = Map::new();
    if rules.required {
        m.insert("required".into(), Value::Bool(true));
    }
    if let Some(min) = rules.min {
        m.insert("min".into(), number_to_json(min));
    }
    if let Some(max) = rules.max {
        m.insert("max".into(), number_to_json(max));
    }
    if let Some(length) = rules.length {
        m.insert("length".into(), Value::from(length));
    }
    if let Some(regex) = &rules.regex {
        m.insert("regex".into(), Value::String(regex.clone()));
    }
    if rules.email {
        m.insert("email".into(), Value::Bool(true));
    }
    if rules.uri {
        m.insert("uri".into(), Value::Bool(true));
    }
    if rules.integer {
        m.insert("integer".into(), Value::Bool(true));
    }
    Value::Object(m)
}

/// Integral values are written as JSON integers (`120`, not `120.0`), as JavaScript writes them,
/// so the stored JSON equals a hand-written definition.
fn number_to_json(n: f64) -> Value {
    const SAFE: f64 = 9_007_199_254_740_992.0; // 2^53: every integer below converts exactly
    if n.is_finite() && n.fract() == 0.0 && n.abs() < SAFE {
        #[allow(clippy::cast_possible_truncation)] // exact: integral and below 2^53
        let i = n as i64;
        Value::from(i)
    } else {
        serde_json::Number::from_f64(n).map_or(Value::Null, Value::Number)
    }
}

// ---- from JSON ----------------------------------------------------------------------------

pub(super) fn finish<T>(parsed: Option<T>, errors: ValidationErrors) -> Result<T> {
    errors.into_result()?;
    parsed.ok_or_else(|| Error::invalid("", "invalid schema definition"))
}

fn object<'a>(
    value: &'a Value,
    path: &str,
    what: &str,
    errors: &mut ValidationErrors,
) -> Option<&'a Map<String, Value>> {
    let obj = value.as_object();
    if obj.is_none() {
        errors.push(path, format!("must be {what}"));
    }
    obj
}

/// The properties of `obj` that are not `known`, kept as they are.
fn unknown(obj: &Map<String, Value>, known: &[&str]) -> Map<String, Value> {
    obj.iter()
        .filter(|(key, _)| !known.contains(&key.as_str()))
        .map(|(key, value)| (key.clone(), value.clone()))
        .collect()
}

fn reject_unknown(
    obj: &Map<String, Value>,
    allowed: &[&str],
    path: &str,
    errors: &mut ValidationErrors,
) {
    for key in obj.keys() {
        if !allowed.contains(&key.as_str()) {
            errors.push(join(path, key), "unknown property");
        }
    }
}

fn required_string(
    obj: &Map<String, Value>,
    key: &str,
    path: &str,
    errors: &mut ValidationErrors,
) -> Option<String> {
    match obj.get(key) {
        Some(Value::String(s)) => Some(s.clone()),
        Some(_) => {
            errors.push(join(path, key), "must be a string");
            None
        }
        None => {
            errors.push(join(path, key), "is required");
            None
        }
    }
}

/// `Some(None)` when absent or `null`; `None` after pushing an error.
fn optional_string(
    obj: &Map<String, Value>,
    key: &str,
    path: &str,
    errors: &mut ValidationErrors,
) -> Option<Option<String>> {
    match obj.get(key) {
        None | Some(Value::Null) => Some(None),
        Some(Value::String(s)) => Some(Some(s.clone())),
        Some(_) => {
            errors.push(join(path, key), "must be a string or null");
            None
        }
    }
}

pub(super) fn parse_type_def(
    value: &Value,
    errors: &mut ValidationErrors,
) -> Option<SchemaTypeDef> {
    let obj = object(value, "", "a schema definition object", errors)?;
    let path = obj
        .get("name")
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_owned();
    let extra = unknown(obj, &["name", "title", "type", "description", "fields"]);
    let name = required_string(obj, "name", &path, errors);
    let title = required_string(obj, "title", &path, errors);
    let kind = match required_string(obj, "type", &path, errors) {
        Some(kind) => {
            let parsed = SchemaKind::parse(&kind);
            if parsed.is_none() {
                errors.push(join(&path, "type"), "must be \"document\" or \"object\"");
            }
            parsed
        }
        None => None,
    };
    let description = optional_string(obj, "description", &path, errors);
    let fields = match obj.get("fields") {
        None => Some(Vec::new()),
        Some(fields) => parse_fields(fields, &path, errors),
    };
    Some(SchemaTypeDef {
        name: name?,
        title: title?,
        kind: kind?,
        description: description?,
        fields: fields?,
        extra,
    })
}

/// Parses `fields` of a type or inline object at `parent`.
fn parse_fields(
    value: &Value,
    parent: &str,
    errors: &mut ValidationErrors,
) -> Option<Vec<FieldDef>> {
    let Some(items) = value.as_array() else {
        errors.push(join(parent, "fields"), "must be an array of fields");
        return None;
    };
    let mut fields = Some(Vec::with_capacity(items.len()));
    for (i, item) in items.iter().enumerate() {
        let path = match item.get("name").and_then(Value::as_str) {
            Some(name) => join(parent, &format!("fields.{name}")),
            None => index(&join(parent, "fields"), i),
        };
        let field = parse_field(item, &path, errors);
        fields = fields.zip(field).map(|(mut all, field)| {
            all.push(field);
            all
        });
    }
    fields
}

pub(super) fn parse_field(
    value: &Value,
    path: &str,
    errors: &mut ValidationErrors,
) -> Option<FieldDef> {
    let obj = object(value, path, "a field object", errors)?;
    let extra = unknown(
        obj,
        &[
            "name",
            "title",
            "description",
            "type",
            "to",
            "of",
            "fields",
            "validation",
            "index",
            "unique",
        ],
    );
    let name = required_string(obj, "name", path, errors);
    let title = optional_string(obj, "title", path, errors);
    let description = optional_string(obj, "description", path, errors);
    let field_type = parse_type(obj, path, errors);
    let rules = match obj.get("validation") {
        None | Some(Value::Null) => Some(Rules::default()),
        Some(v) => parse_rules(v, &join(path, "validation"), errors),
    };
    let index = parse_scope(obj, "index", path, errors);
    let unique = parse_scope(obj, "unique", path, errors);
    Some(FieldDef {
        name: name?,
        title: title?,
        description: description?,
        field_type: field_type?,
        rules: rules?,
        index: index?,
        unique: unique?,
        extra,
    })
}

/// An array member: `{"type": ..}` plus the type's own property and kept properties.
fn parse_member(value: &Value, path: &str, errors: &mut ValidationErrors) -> Option<ArrayMember> {
    let obj = object(value, path, "an object with a `type`", errors)?;
    let extra = unknown(obj, &["type", "to", "of", "fields"]);
    parse_type(obj, path, errors).map(|field_type| ArrayMember { field_type, extra })
}

/// Reads `type` and the property that belongs to it (`to`, `of`, `fields`); the others of
/// those three are errors for this type.
fn parse_type(
    obj: &Map<String, Value>,
    path: &str,
    errors: &mut ValidationErrors,
) -> Option<FieldType> {
    let type_name = required_string(obj, "type", path, errors)?;
    let own = match type_name.as_str() {
        "reference" => "to",
        "array" => "of",
        "object" => "fields",
        _ => "",
    };
    for key in ["to", "of", "fields"] {
        if key != own && obj.contains_key(key) {
            errors.push(
                join(path, key),
                format!("not allowed for type `{type_name}`"),
            );
        }
    }
    let own_value = if own.is_empty() { None } else { obj.get(own) };
    if !own.is_empty() && own_value.is_none() {
        errors.push(
            join(path, own),
            format!("is required for type `{type_name}`"),
        );
        return None;
    }
    match (type_name.as_str(), own_value) {
        ("string", _) => Some(FieldType::String),
        ("text", _) => Some(FieldType::Text),
        ("number", _) => Some(FieldType::Number),
        ("boolean", _) => Some(FieldType::Boolean),
        ("date", _) => Some(FieldType::Date),
        ("datetime", _) => Some(FieldType::Datetime),
        ("url", _) => Some(FieldType::Url),
        ("slug", _) => Some(FieldType::Slug),
        ("block", _) => Some(FieldType::Block),
        ("image", _) => Some(FieldType::Image),
        ("file", _) => Some(FieldType::File),
        ("reference", Some(to)) => {
            parse_targets(to, &join(path, "to"), errors).map(|to| FieldType::Reference { to })
        }
        ("array", Some(of)) => {
            parse_members(of, &join(path, "of"), errors).map(|of| FieldType::Array { of })
        }
        ("object", Some(fields)) => {
            parse_fields(fields, path, errors).map(|fields| FieldType::Object { fields })
        }
        ("", _) => {
            errors.push(join(path, "type"), "must not be empty");
            None
        }
        (name, _) => Some(FieldType::Named(name.to_owned())),
    }
}

/// `to: [{"type": "author"}, ..]`.
fn parse_targets(value: &Value, path: &str, errors: &mut ValidationErrors) -> Option<Vec<String>> {
    let Some(items) = value.as_array() else {
        errors.push(path, "must be an array of {\"type\": ...} objects");
        return None;
    };
    let mut targets = Some(Vec::with_capacity(items.len()));
    for (i, item) in items.iter().enumerate() {
        let item_path = index(path, i);
        let target = object(item, &item_path, "an object with a `type`", errors).and_then(|obj| {
            reject_unknown(obj, &["type"], &item_path, errors);
            required_string(obj, "type", &item_path, errors)
        });
        targets = targets.zip(target).map(|(mut all, t)| {
            all.push(t);
            all
        });
    }
    targets
}

/// `of: [{"type": "string"}, ..]`.
fn parse_members(
    value: &Value,
    path: &str,
    errors: &mut ValidationErrors,
) -> Option<Vec<ArrayMember>> {
    let Some(items) = value.as_array() else {
        errors.push(path, "must be an array of member types");
        return None;
    };
    let mut members = Some(Vec::with_capacity(items.len()));
    for (i, item) in items.iter().enumerate() {
        let member = parse_member(item, &index(path, i), errors);
        members = members.zip(member).map(|(mut all, m)| {
            all.push(m);
            all
        });
    }
    members
}

fn parse_rules(value: &Value, path: &str, errors: &mut ValidationErrors) -> Option<Rules> {
    let obj = object(value, path, "an object", errors)?;
    reject_unknown(
        obj,
        &[
            "required", "min", "max", "length", "regex", "email", "uri", "integer",
        ],
        path,
        errors,
    );
    let before = errors.fields().len();
    let flag = |key: &str, errors: &mut ValidationErrors| match obj.get(key) {
        None | Some(Value::Null) => false,
        Some(Value::Bool(b)) => *b,
        Some(_) => {
            errors.push(join(path, key), "must be a boolean");
            false
        }
    };
    let number = |key: &str, errors: &mut ValidationErrors| match obj.get(key) {
        None | Some(Value::Null) => None,
        Some(Value::Number(n)) => n.as_f64(),
        Some(_) => {
            errors.push(join(path, key), "must be a number");
            None
        }
    };
    let rules = Rules {
        required: flag("required", errors),
        min: number("min", errors),
        max: number("max", errors),
        length: match obj.get("length") {
            None | Some(Value::Null) => None,
            Some(v) => {
                let length = v.as_u64();
                if length.is_none() {
                    errors.push(join(path, "length"), "must be a non-negative integer");
                }
                length
            }
        },
        regex: optional_string(obj, "regex", path, errors).flatten(),
        email: flag("email", errors),
        uri: flag("uri", errors),
        integer: flag("integer", errors),
    };
    (errors.fields().len() == before).then_some(rules)
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn integral_limits_are_written_as_integers() {
        let field = FieldDef::number("n").min(0.0).max(2.5);
        assert_eq!(
            field.to_json(),
            json!({"name": "n", "type": "number", "validation": {"min": 0, "max": 2.5}})
        );
    }

    #[test]
    fn unknown_properties_are_kept_and_round_trip() {
        let stored = json!({
            "name": "post", "title": "Post", "type": "document", "description": null,
            "icon": "DocumentIcon", "orderings": [{"by": [{"field": "title"}]}],
            "fields": [
                {"name": "title", "type": "string", "hidden": false,
                 "initialValue": "Untitled", "options": {"list": ["a", "b"]}},
                {"name": "body", "type": "array",
                 "of": [{"type": "block", "styles": [{"title": "H1", "value": "h1"}]},
                        {"type": "image", "options": {"hotspot": true}}]}
            ]
        });
        let def = SchemaTypeDef::from_json(&stored).expect("a JS studio's definition parses");
        assert_eq!(def.extra["icon"], json!("DocumentIcon"));
        assert_eq!(def.fields[0].extra["initialValue"], json!("Untitled"));
        assert_eq!(def.to_json(), stored, "nothing is lost");
        assert_eq!(
            SchemaTypeDef::from_json(&def.to_json()).expect("again"),
            def
        );
    }

    #[test]
    fn misplaced_type_properties_and_typos_in_rules_are_errors() {
        let err = SchemaTypeDef::from_json(&json!({
            "name": "post", "title": "Post", "type": "document", "extra": 1,
            "fields": [
                {"name": "a", "type": "string", "of": [{"type": "string"}]},
                {"name": "b", "type": "reference"},
                {"type": "string"},
                {"name": "c", "type": "number",
                 "validation": {"min": "1", "length": -1, "requried": true}}
            ]
        }))
        .expect_err("invalid");
        let Error::Validation(errors) = err else {
            panic!("expected a validation error, got {err:?}");
        };
        let paths: Vec<&str> = errors.fields().iter().map(|e| e.path.as_str()).collect();
        assert_eq!(
            paths,
            [
                "post.fields.a.of",
                "post.fields.b.to",
                "post.fields[2].name",
                "post.fields.c.validation.requried",
                "post.fields.c.validation.min",
                "post.fields.c.validation.length",
            ]
        );
    }
}

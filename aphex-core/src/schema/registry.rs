//! [`SchemaRegistry`]: a checked, immutable set of definitions that document data is validated
//! against.
//!
//! The registry is rebuilt (never mutated) on every change, so a reader holding a snapshot always
//! sees a set that passed every check. Regexes are compiled while checking and kept, so
//! validation never compiles a pattern.

use std::collections::{BTreeMap, HashMap, HashSet};

use regex::Regex;
use serde_json::Value;

use super::definition::{BUILT_IN_TYPES, FieldDef, FieldType, Rules, SchemaTypeDef};
use super::indexes::{self, FieldIndex};
use super::json::{index, join};
use super::validate;
use crate::error::{Error, Result, ValidationErrors};
use crate::model::SchemaKind;

/// Longest type name (`cms_schema_types.name`).
const MAX_TYPE_NAME: usize = 100;
/// Longest type title (`cms_schema_types.title`).
const MAX_TITLE: usize = 200;
/// What type and field names must look like (the rule is checked by hand, not with a regex).
const NAME_RULE: &str = "must match ^[A-Za-z_][A-Za-z0-9_]*$";

/// A checked set of schema types, by name.
///
/// `Default` is the empty registry. Cloning is cheap enough to do per change (compiled regexes
/// share their programs).
#[derive(Debug, Clone, Default)]
pub struct SchemaRegistry {
    types: BTreeMap<String, SchemaTypeDef>,
    /// Every `regex` rule of every type, compiled, by pattern text.
    patterns: HashMap<String, Regex>,
    /// The field indexes the document types declare.
    indexes: Vec<FieldIndex>,
}

impl SchemaRegistry {
    /// Checks `defs` as a whole and builds the registry.
    ///
    /// Checks: names match `^[A-Za-z_][A-Za-z0-9_]*$` and are not built-in type names; type names
    /// are at most 100 characters and unique; titles are 1–200 characters; field names are
    /// unique per object level; regexes compile; `min`/`max` are finite and `min <= max`;
    /// `Named` refers to an object type; `Reference` targets are document types and there is at
    /// least one; arrays allow at least one member type, without duplicates; object types do not
    /// embed themselves through `Named` fields (directly or through other types).
    ///
    /// # Errors
    /// [`Error::Validation`] listing every problem, with paths like
    /// `post.fields.title.validation.regex`.
    pub fn new(defs: Vec<SchemaTypeDef>) -> Result<Self> {
        let mut errors = ValidationErrors::default();
        let mut types = BTreeMap::new();
        for def in defs {
            if types.contains_key(&def.name) {
                errors.push(
                    def.name.clone(),
                    format!("duplicate type name `{}`", def.name),
                );
            } else {
                types.insert(def.name.clone(), def);
            }
        }
        Self::build(types, &HashMap::new(), errors)
    }

    /// The type with this name.
    pub fn get(&self, name: &str) -> Option<&SchemaTypeDef> {
        self.types.get(name)
    }

    /// The document type with this name (`None` for object types).
    pub fn document_type(&self, name: &str) -> Option<&SchemaTypeDef> {
        self.get(name).filter(|d| d.kind == SchemaKind::Document)
    }

    /// All types, ordered by name.
    pub fn types(&self) -> impl Iterator<Item = &SchemaTypeDef> {
        self.types.values()
    }

    /// A copy with `def` added, or replacing the type of the same name, re-checked as a whole.
    ///
    /// # Errors
    /// [`Error::Validation`] when the new set fails a check (see [`new`](Self::new)).
    pub fn with(&self, def: SchemaTypeDef) -> Result<Self> {
        let mut types = self.types.clone();
        types.insert(def.name.clone(), def);
        Self::build(types, &self.patterns, ValidationErrors::default())
    }

    /// A copy without the type `name`, re-checked as a whole. Removing a name that is not
    /// registered gives an unchanged copy (the caller decides whether that is "not found").
    ///
    /// # Errors
    /// [`Error::Validation`] when other types still use it, at the paths that use it.
    pub fn without(&self, name: &str) -> Result<Self> {
        let mut types = self.types.clone();
        types.remove(name);
        Self::build(types, &self.patterns, ValidationErrors::default())
    }

    /// Every field index the document types declare (`index` / `unique` on their fields), in
    /// a stable order: what schema sync keeps in the database.
    pub fn field_indexes(&self) -> &[FieldIndex] {
        &self.indexes
    }

    /// The field indexes of one document type.
    pub fn indexes_of<'a>(&'a self, doc_type: &'a str) -> impl Iterator<Item = &'a FieldIndex> {
        self.indexes.iter().filter(move |i| i.doc_type == doc_type)
    }

    /// Marks the JSON fields of a list query on documents of `doc_type` that one of its field
    /// indexes serves ([`JsonField::indexed`](crate::query::JsonField::indexed)).
    pub fn mark_indexed(&self, doc_type: &str, query: &mut crate::query::ListQuery) {
        let of_type: Vec<&FieldIndex> = self.indexes_of(doc_type).collect();
        if !of_type.is_empty() {
            indexes::mark(&of_type, query);
        }
    }

    /// [`mark_indexed`](Self::mark_indexed) for a filter alone (what counting sends).
    pub fn mark_indexed_filter(&self, doc_type: &str, filter: &mut crate::query::Filter) {
        let of_type: Vec<&FieldIndex> = self.indexes_of(doc_type).collect();
        if !of_type.is_empty() {
            indexes::mark_filter(&of_type, filter);
        }
    }

    /// `error` with a unique field index's name replaced by the field it guards: a
    /// [`Error::Conflict`] whose constraint is the name of one of this registry's indexes names
    /// `<type>.<field>` (`post.slug.current`) instead; any other error is returned as it is.
    pub fn name_conflict(&self, error: Error) -> Error {
        match error {
            Error::Conflict { entity, constraint } => {
                let constraint = self
                    .indexes
                    .iter()
                    .find(|i| i.name == constraint)
                    .map_or(constraint, FieldIndex::conflict_key);
                Error::Conflict { entity, constraint }
            }
            other => other,
        }
    }

    /// Validates document `data` against type `type_name`, as publish does.
    ///
    /// # Errors
    /// [`Error::Validation`] listing every failing field (see the [module docs](super));
    /// an unknown type is one error at path `type`.
    pub fn validate(&self, type_name: &str, data: &Value) -> Result<()> {
        self.validate_references(type_name, data).map(|_| ())
    }

    /// [`validate`](Self::validate), returning the references at reference fields, with the
    /// document types each may point to (publishing checks them against the targets).
    ///
    /// # Errors
    /// As [`validate`](Self::validate).
    pub fn validate_references(
        &self,
        type_name: &str,
        data: &Value,
    ) -> Result<Vec<validate::ReferenceField>> {
        let def = self
            .get(type_name)
            .ok_or_else(|| Error::invalid("type", format!("unknown schema type `{type_name}`")))?;
        let (errors, references) = validate::validate_data(self, def, data);
        errors.into_result()?;
        Ok(references)
    }

    /// The compiled form of a `regex` rule; every rule of a registered type has one.
    pub(super) fn pattern(&self, pattern: &str) -> Option<&Regex> {
        self.patterns.get(pattern)
    }

    /// Runs every check; `previous` holds already compiled patterns to reuse.
    fn build(
        types: BTreeMap<String, SchemaTypeDef>,
        previous: &HashMap<String, Regex>,
        errors: ValidationErrors,
    ) -> Result<Self> {
        let mut checker = Checker {
            types: &types,
            previous,
            patterns: HashMap::new(),
            errors,
            embeds: BTreeMap::new(),
        };
        for def in types.values() {
            checker.check_type_def(def);
        }
        checker.check_cycles();
        let Checker {
            patterns, errors, ..
        } = checker;
        errors.into_result()?;
        let indexes = indexes::field_indexes(&types);
        Ok(SchemaRegistry {
            types,
            patterns,
            indexes,
        })
    }
}

/// An edge of the "object type embeds object type" graph: target type and the field path.
type Embed<'a> = (&'a str, String);

struct Checker<'a> {
    types: &'a BTreeMap<String, SchemaTypeDef>,
    previous: &'a HashMap<String, Regex>,
    patterns: HashMap<String, Regex>,
    errors: ValidationErrors,
    /// For each object type, the object types it embeds by `Named`, for the cycle check.
    embeds: BTreeMap<&'a str, Vec<Embed<'a>>>,
}

impl<'a> Checker<'a> {
    fn check_type_def(&mut self, def: &'a SchemaTypeDef) {
        let path = def.name.as_str();
        if !is_identifier(&def.name) {
            self.errors.push(join(path, "name"), NAME_RULE);
        } else if def.name.chars().count() > MAX_TYPE_NAME {
            self.errors.push(
                join(path, "name"),
                format!("must be at most {MAX_TYPE_NAME} characters"),
            );
        } else if BUILT_IN_TYPES.contains(&path) {
            self.errors.push(
                join(path, "name"),
                format!("`{path}` is a built-in type name"),
            );
        }
        if def.title.trim().is_empty() {
            self.errors.push(join(path, "title"), "must not be empty");
        } else if def.title.chars().count() > MAX_TITLE {
            self.errors.push(
                join(path, "title"),
                format!("must be at most {MAX_TITLE} characters"),
            );
        }
        let mut embeds = Vec::new();
        self.check_fields(&def.fields, path, false, &mut embeds);
        if def.kind == SchemaKind::Object {
            self.embeds.insert(path, embeds);
        }
    }

    /// Checks the fields of a type or inline object; `in_array` when the object is an array
    /// member (its fields have no fixed path, so they cannot be indexed).
    fn check_fields(
        &mut self,
        fields: &'a [FieldDef],
        parent: &str,
        in_array: bool,
        embeds: &mut Vec<Embed<'a>>,
    ) {
        let mut seen = HashSet::new();
        for field in fields {
            let path = join(parent, &format!("fields.{}", field.name));
            if !is_identifier(&field.name) {
                self.errors.push(join(&path, "name"), NAME_RULE);
            }
            if !seen.insert(field.name.as_str()) {
                self.errors.push(
                    path.clone(),
                    format!("duplicate field name `{}`", field.name),
                );
            }
            self.check_rules(&field.rules, &join(&path, "validation"));
            for (key, declared) in [("index", field.index), ("unique", field.unique)] {
                if declared.is_none() {
                    continue;
                }
                if !indexes::can_index(&field.field_type) {
                    self.errors.push(join(&path, key), indexes::INDEXABLE);
                } else if in_array {
                    self.errors.push(
                        join(&path, key),
                        "fields inside arrays cannot be indexed (an array item has no fixed path)",
                    );
                }
            }
            self.check_field_type(&field.field_type, &path, in_array, embeds);
        }
    }

    fn check_rules(&mut self, rules: &Rules, path: &str) {
        for (key, limit) in [("min", rules.min), ("max", rules.max)] {
            if limit.is_some_and(|n| !n.is_finite()) {
                self.errors.push(join(path, key), "must be a finite number");
            }
        }
        if let (Some(min), Some(max)) = (rules.min, rules.max)
            && min > max
        {
            self.errors.push(
                join(path, "min"),
                format!("must not be greater than max ({min} > {max})"),
            );
        }
        if let Some(pattern) = &rules.regex
            && !self.patterns.contains_key(pattern)
        {
            match self.previous.get(pattern) {
                Some(re) => {
                    self.patterns.insert(pattern.clone(), re.clone());
                }
                None => match Regex::new(pattern) {
                    Ok(re) => {
                        self.patterns.insert(pattern.clone(), re);
                    }
                    Err(e) => {
                        // regex errors span several lines (with a caret); keep one line.
                        let reason = e
                            .to_string()
                            .split_whitespace()
                            .collect::<Vec<_>>()
                            .join(" ");
                        self.errors.push(
                            join(path, "regex"),
                            format!("is not a valid regular expression: {reason}"),
                        );
                    }
                },
            }
        }
    }

    fn check_field_type(
        &mut self,
        field_type: &'a FieldType,
        path: &str,
        in_array: bool,
        embeds: &mut Vec<Embed<'a>>,
    ) {
        match field_type {
            FieldType::Reference { to } => {
                if to.is_empty() {
                    self.errors
                        .push(join(path, "to"), "must name at least one document type");
                }
                for (i, target) in to.iter().enumerate() {
                    let message = match self.types.get(target).map(|d| d.kind) {
                        Some(SchemaKind::Document) => continue,
                        Some(SchemaKind::Object) => {
                            format!("`{target}` is an object type, not a document type")
                        }
                        None => format!("unknown document type `{target}`"),
                    };
                    self.errors.push(index(&join(path, "to"), i), message);
                }
            }
            FieldType::Array { of } => {
                let of_path = join(path, "of");
                if of.is_empty() {
                    self.errors
                        .push(of_path.clone(), "must allow at least one member type");
                }
                let mut seen = HashSet::new();
                for (i, member) in of.iter().map(|m| &m.field_type).enumerate() {
                    let member_path = index(&of_path, i);
                    if !seen.insert(member.type_name()) {
                        self.errors.push(
                            member_path.clone(),
                            format!("duplicate member type `{}`", member.type_name()),
                        );
                    }
                    self.check_field_type(member, &member_path, true, embeds);
                }
            }
            FieldType::Object { fields } => self.check_fields(fields, path, in_array, embeds),
            FieldType::Named(name) => {
                let message = match self.types.get(name).map(|d| d.kind) {
                    Some(SchemaKind::Object) => {
                        embeds.push((name.as_str(), join(path, "type")));
                        return;
                    }
                    Some(SchemaKind::Document) => {
                        format!("`{name}` is a document type; use a reference to embed it")
                    }
                    None => format!("unknown object type `{name}`"),
                };
                self.errors.push(join(path, "type"), message);
            }
            _ => {}
        }
    }

    /// Reports each cycle of object types embedding each other (a value of such a type would
    /// have no finite form if the fields were required; we reject every such cycle).
    fn check_cycles(&mut self) {
        let mut state: HashMap<&str, Visit> = HashMap::new();
        let names: Vec<&'a str> = self.embeds.keys().copied().collect();
        for name in names {
            if !state.contains_key(name) {
                let mut stack = Vec::new();
                self.visit(name, &mut state, &mut stack);
            }
        }
    }

    fn visit(
        &mut self,
        name: &'a str,
        state: &mut HashMap<&'a str, Visit>,
        stack: &mut Vec<&'a str>,
    ) {
        state.insert(name, Visit::InProgress);
        stack.push(name);
        let edges = self.embeds.get(name).cloned().unwrap_or_default();
        for (target, path) in edges {
            match state.get(target) {
                Some(Visit::InProgress) => {
                    let start = stack.iter().position(|n| *n == target).unwrap_or(0);
                    let mut cycle: Vec<&str> = stack[start..].to_vec();
                    cycle.push(target);
                    self.errors.push(
                        path,
                        format!("object types embed each other: {}", cycle.join(" -> ")),
                    );
                }
                Some(Visit::Done) => {}
                None => self.visit(target, state, stack),
            }
        }
        stack.pop();
        state.insert(name, Visit::Done);
    }
}

#[derive(Clone, Copy)]
enum Visit {
    InProgress,
    Done,
}

/// `^[A-Za-z_][A-Za-z0-9_]*$`, checked by hand.
fn is_identifier(name: &str) -> bool {
    let mut chars = name.chars();
    chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn identifiers() {
        assert!(is_identifier("_a1"));
        assert!(is_identifier("Post"));
        assert!(!is_identifier(""));
        assert!(!is_identifier("1a"));
        assert!(!is_identifier("a-b"));
        assert!(!is_identifier("é"));
    }

    #[test]
    fn with_reuses_compiled_patterns() {
        let registry = SchemaRegistry::new(vec![
            SchemaTypeDef::document("post", "Post").field(FieldDef::string("s").regex("^a+$")),
        ])
        .expect("valid");
        let before = registry
            .pattern("^a+$")
            .expect("compiled")
            .as_str()
            .as_ptr();
        let next = registry
            .with(SchemaTypeDef::document("page", "Page"))
            .expect("valid");
        let after = next.pattern("^a+$").expect("kept").as_str().as_ptr();
        assert_eq!(
            before, after,
            "the compiled regex is shared, not recompiled"
        );
    }
}

//! Field indexes: what the `index` / `unique` declarations of a set of schema types ask the
//! database for ([`FieldIndex`]), and marking the fields of a query that such an index serves.
//!
//! Which fields can be indexed: `string`, `text`, `url`, `date`, `datetime` and `number` fields
//! (the value itself), `slug` (its `current`) and `reference` (its `_ref`) — scalar values at a
//! fixed path, reached from a document type through inline `object` fields and named object
//! types. Fields inside arrays cannot be (an array item has no fixed path): an inline object in
//! an array refuses the declaration, and a named object type used in an array is indexed only
//! where it is embedded outside arrays.

use std::collections::BTreeMap;

use sha2::{Digest, Sha256};

use super::definition::{FieldDef, FieldType, SchemaTypeDef};
use crate::model::SchemaKind;
use crate::query::{Field, Filter, IndexKind, JsonColumn, ListQuery, Perspective, SortKey};

/// Prefix of the names of plain field indexes.
pub const INDEX_PREFIX: &str = "cms_ix_";
/// Prefix of the names of unique field indexes.
pub const UNIQUE_PREFIX: &str = "cms_ux_";
/// Longest index name (PostgreSQL's identifier limit).
const MAX_NAME: usize = 63;
/// Bumped when the form of the indexed expressions changes, so every index gets a new name and
/// schema sync replaces it. v2: every field index leads with the organization (a unique field
/// is unique per organization).
const FORM: &str = "v2";

/// One backend-native index that schema sync keeps in the database: on the value at `path` in
/// one perspective's data of the documents of `doc_type`, for values of `kind`, partial on the
/// type. The backends build it on exactly the expressions their `where` compilers write for
/// such a field ([`JsonField::indexed`](crate::query::JsonField::indexed)).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub struct FieldIndex {
    /// The index name: `cms_ix_` (or `cms_ux_` for unique) + a hash of the type + a readable
    /// part + a hash of the whole definition, at most 63 characters. A changed definition gets
    /// a new name, so sync replaces the index.
    pub name: String,
    /// The document type (the index is partial on it).
    pub doc_type: String,
    /// `DraftData` or `PublishedData`.
    pub column: JsonColumn,
    /// Object keys from the data's root (`["slug", "current"]`).
    pub path: Vec<String>,
    /// The kind of value indexed.
    pub kind: IndexKind,
    /// Whether the database enforces uniqueness.
    pub unique: bool,
}

impl FieldIndex {
    fn new(
        doc_type: &str,
        perspective: Perspective,
        path: Vec<String>,
        kind: IndexKind,
        unique: bool,
    ) -> FieldIndex {
        let column = match perspective {
            Perspective::Published => JsonColumn::PublishedData,
            _ => JsonColumn::DraftData,
        };
        let name = index_name(doc_type, column, &path, kind, unique);
        FieldIndex {
            name,
            doc_type: doc_type.to_owned(),
            column,
            path,
            kind,
            unique,
        }
    }

    /// The field as a `where` path: `slug.current`.
    pub fn field(&self) -> String {
        self.path.join(".")
    }

    /// The key an [`Error::Conflict`](crate::Error::Conflict) on this index names:
    /// `<type>.<field>` (`post.slug.current`), the same on every backend.
    pub fn conflict_key(&self) -> String {
        format!("{}.{}", self.doc_type, self.field())
    }

    /// The perspective whose data the index covers.
    pub fn perspective(&self) -> Perspective {
        match self.column {
            JsonColumn::PublishedData => Perspective::Published,
            _ => Perspective::Draft,
        }
    }

    /// Whether `name` is the name of a field index (of any type).
    pub fn is_managed(name: &str) -> bool {
        name.starts_with(INDEX_PREFIX) || name.starts_with(UNIQUE_PREFIX)
    }

    /// Whether `name` is the name of a field index of `doc_type`.
    pub fn belongs_to(name: &str, doc_type: &str) -> bool {
        Self::is_managed(name)
            && name.get(INDEX_PREFIX.len()..INDEX_PREFIX.len() + 8) == Some(&hash8(doc_type))
    }
}

fn hash8(text: &str) -> String {
    let digest = Sha256::digest(text.as_bytes());
    hex::encode(&digest[..4])
}

fn index_name(
    doc_type: &str,
    column: JsonColumn,
    path: &[String],
    kind: IndexKind,
    unique: bool,
) -> String {
    let (prefix, perspective) = (
        if unique { UNIQUE_PREFIX } else { INDEX_PREFIX },
        match column {
            JsonColumn::PublishedData => "p",
            _ => "d",
        },
    );
    let definition = format!(
        "{FORM}|{doc_type}|{perspective}|{}|{kind:?}|{unique}",
        path.join("\u{1f}")
    );
    let (type_hash, definition_hash) = (hash8(doc_type), hash8(&definition));
    let room = MAX_NAME - prefix.len() - type_hash.len() - definition_hash.len() - 2;
    let readable: String = format!("{doc_type}_{perspective}_{}", path.join("_"))
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '_' })
        .take(room)
        .collect();
    format!("{prefix}{type_hash}_{readable}_{definition_hash}")
}

/// The value kind and path suffix of an indexable field type.
fn indexable(field_type: &FieldType) -> Option<(IndexKind, Option<&'static str>)> {
    Some(match field_type {
        FieldType::String
        | FieldType::Text
        | FieldType::Url
        | FieldType::Date
        | FieldType::Datetime => (IndexKind::Text, None),
        FieldType::Number => (IndexKind::Number, None),
        FieldType::Slug => (IndexKind::Text, Some("current")),
        FieldType::Reference { .. } => (IndexKind::Text, Some("_ref")),
        _ => return None,
    })
}

/// Whether a field of this type may declare `index` / `unique`.
pub(super) fn can_index(field_type: &FieldType) -> bool {
    indexable(field_type).is_some()
}

/// What `index` / `unique` accept, for the error of a field that cannot be indexed.
pub(super) const INDEXABLE: &str =
    "only string, text, url, date, datetime, number, slug and reference fields can be indexed";

/// Every field index the document types of `types` declare, in a stable order.
pub(super) fn field_indexes(types: &BTreeMap<String, SchemaTypeDef>) -> Vec<FieldIndex> {
    let mut out = Vec::new();
    for def in types.values().filter(|d| d.kind == SchemaKind::Document) {
        collect(types, &def.name, &def.fields, &mut Vec::new(), &mut out);
    }
    out
}

fn collect(
    types: &BTreeMap<String, SchemaTypeDef>,
    doc_type: &str,
    fields: &[FieldDef],
    prefix: &mut Vec<String>,
    out: &mut Vec<FieldIndex>,
) {
    for field in fields {
        prefix.push(field.name.clone());
        match &field.field_type {
            FieldType::Object { fields } => collect(types, doc_type, fields, prefix, out),
            // The registry refuses cycles of named types, so this ends.
            FieldType::Named(name) => {
                if let Some(def) = types.get(name) {
                    collect(types, doc_type, &def.fields, prefix, out);
                }
            }
            other => {
                if let Some((kind, suffix)) = indexable(other) {
                    let mut path = prefix.clone();
                    path.extend(suffix.map(str::to_owned));
                    for perspective in [Perspective::Draft, Perspective::Published] {
                        let covers = |scope: Option<super::IndexScope>| {
                            scope.is_some_and(|s| s.covers(perspective))
                        };
                        let unique = covers(field.unique);
                        if unique || covers(field.index) {
                            out.push(FieldIndex::new(
                                doc_type,
                                perspective,
                                path.clone(),
                                kind,
                                unique,
                            ));
                        }
                    }
                }
            }
        }
        prefix.pop();
    }
}

/// Marks the JSON fields of `query` (filter and sort) that an index of `indexes` serves.
pub(super) fn mark(indexes: &[&FieldIndex], query: &mut ListQuery) {
    mark_filter(indexes, &mut query.filter);
    if let Some(after) = &mut query.after {
        mark_filter(indexes, &mut after.filter);
    }
    for SortKey { field, .. } in &mut query.sort {
        mark_field(indexes, field);
    }
}

/// Marks the JSON fields of a filter.
pub(super) fn mark_filter(indexes: &[&FieldIndex], filter: &mut Filter) {
    match filter {
        Filter::And(items) | Filter::Or(items) => {
            for item in items {
                mark_filter(indexes, item);
            }
        }
        Filter::Not(inner) => mark_filter(indexes, inner),
        Filter::Cond(field, _) => mark_field(indexes, field),
        Filter::True | Filter::False => {}
    }
}

fn mark_field(indexes: &[&FieldIndex], field: &mut Field) {
    if let Field::Json(j) = field {
        j.indexed = indexes
            .iter()
            .find(|i| i.column == j.column && i.path == j.path)
            .map(|i| i.kind);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_short_stable_and_tell_types_apart() {
        let long_type = "t".repeat(100);
        let path = vec!["a".repeat(80), "b-c".into()];
        let name = index_name(
            &long_type,
            JsonColumn::DraftData,
            &path,
            IndexKind::Text,
            true,
        );
        assert!(name.len() <= MAX_NAME, "{name}");
        assert!(name.starts_with(UNIQUE_PREFIX));
        assert!(FieldIndex::belongs_to(&name, &long_type));
        assert!(!FieldIndex::belongs_to(&name, "post"));
        let again = index_name(
            &long_type,
            JsonColumn::DraftData,
            &path,
            IndexKind::Text,
            true,
        );
        assert_eq!(name, again);
        let other_kind = index_name(
            &long_type,
            JsonColumn::DraftData,
            &path,
            IndexKind::Number,
            true,
        );
        assert_ne!(name, other_kind, "a changed definition gets a new name");
        let slug = index_name(
            "post",
            JsonColumn::PublishedData,
            &["slug".into(), "current".into()],
            IndexKind::Text,
            false,
        );
        assert!(slug.starts_with("cms_ix_") && slug.contains("_post_p_slug_current_"));
    }
}

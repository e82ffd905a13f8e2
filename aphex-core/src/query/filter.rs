//! The resolved filter tree: what the SQL and BSON compilers translate.
//!
//! Semantics every compiler must implement (pinned by `aphex-conformance`):
//! - A [`Filter::Cond`] is true only when the value at the field has the operand's type and the
//!   comparison holds; a type mismatch is simply false. Missing and `null` values are false for
//!   every operator except through [`Filter::Not`].
//! - [`Filter::Not`] is the exact complement of its child: rows where the child is false,
//!   missing or null included.
//! - JSON paths address object keys only. Scalar operators never look inside arrays;
//!   [`Op::Contains`] and [`Op::All`] do.

use chrono::{DateTime, Utc};
use uuid::Uuid;

/// A table column that can be filtered and sorted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Column {
    /// Primary key (documents, assets).
    Id,
    /// `cms_documents.type`.
    Type,
    /// `cms_documents.status`.
    Status,
    /// `cms_documents.revision`.
    Revision,
    /// `created_at` (documents, assets).
    CreatedAt,
    /// `updated_at` (documents, assets).
    UpdatedAt,
    /// `cms_documents.published_at`.
    PublishedAt,
    /// `created_by` (documents, assets).
    CreatedBy,
    /// `cms_documents.updated_by`.
    UpdatedBy,
    /// `cms_assets.asset_type`.
    AssetType,
    /// `cms_assets.filename`.
    Filename,
    /// `cms_assets.original_filename`.
    OriginalFilename,
    /// `cms_assets.mime_type`.
    MimeType,
    /// `cms_assets.size`.
    Size,
    /// `cms_assets.url`.
    Url,
    /// `cms_assets.path`.
    Path,
    /// `cms_assets.storage_adapter`.
    StorageAdapter,
    /// `cms_assets.width`.
    Width,
    /// `cms_assets.height`.
    Height,
    /// `cms_assets.title`.
    Title,
    /// `cms_assets.description`.
    Description,
    /// `cms_assets.alt`.
    Alt,
    /// `cms_assets.credit_line`.
    CreditLine,
    /// The ids a document's draft refers to (the reference index, `_references` in the draft
    /// perspective): a condition holds when one of them matches.
    DraftReferences,
    /// The ids a document's published data refers to (`_references` in the published
    /// perspective).
    PublishedReferences,
}

/// The value type of a [`Column`], which decides how operands are coerced.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ColumnKind {
    /// UUID (compared as its lowercase hyphenated text).
    Uuid,
    /// Text, compared by code point.
    Text,
    /// Integer.
    Integer,
    /// Timestamp.
    Timestamp,
}

impl Column {
    /// Columns queryable on `cms_documents`, with their API names.
    pub const DOCUMENT: &'static [(&'static str, Column)] = &[
        ("id", Column::Id),
        ("type", Column::Type),
        ("status", Column::Status),
        ("revision", Column::Revision),
        ("createdAt", Column::CreatedAt),
        ("updatedAt", Column::UpdatedAt),
        ("publishedAt", Column::PublishedAt),
        ("createdBy", Column::CreatedBy),
        ("updatedBy", Column::UpdatedBy),
    ];

    /// Columns queryable on `cms_assets`, with their API names.
    pub const ASSET: &'static [(&'static str, Column)] = &[
        ("id", Column::Id),
        ("assetType", Column::AssetType),
        ("filename", Column::Filename),
        ("originalFilename", Column::OriginalFilename),
        ("mimeType", Column::MimeType),
        ("size", Column::Size),
        ("url", Column::Url),
        ("path", Column::Path),
        ("storageAdapter", Column::StorageAdapter),
        ("width", Column::Width),
        ("height", Column::Height),
        ("title", Column::Title),
        ("description", Column::Description),
        ("alt", Column::Alt),
        ("creditLine", Column::CreditLine),
        ("createdBy", Column::CreatedBy),
        ("createdAt", Column::CreatedAt),
        ("updatedAt", Column::UpdatedAt),
    ];

    /// The column's value type.
    pub fn kind(self) -> ColumnKind {
        match self {
            Column::Id | Column::DraftReferences | Column::PublishedReferences => ColumnKind::Uuid,
            Column::Revision | Column::Size | Column::Width | Column::Height => ColumnKind::Integer,
            Column::CreatedAt | Column::UpdatedAt | Column::PublishedAt => ColumnKind::Timestamp,
            _ => ColumnKind::Text,
        }
    }

    /// Whether the column is a set of ids, each a reference of the document (see
    /// [`Column::DraftReferences`]): only `equals`, `in` and their negations apply, and it
    /// cannot be sorted on.
    pub fn is_references(self) -> bool {
        self.references_perspective().is_some()
    }

    /// The perspective whose references a reference-index column holds.
    pub fn references_perspective(self) -> Option<super::Perspective> {
        match self {
            Column::DraftReferences => Some(super::Perspective::Draft),
            Column::PublishedReferences => Some(super::Perspective::Published),
            _ => None,
        }
    }

    /// Whether the column can hold NULL.
    pub fn nullable(self) -> bool {
        matches!(
            self,
            Column::PublishedAt
                | Column::CreatedBy
                | Column::UpdatedBy
                | Column::Width
                | Column::Height
                | Column::Title
                | Column::Description
                | Column::Alt
                | Column::CreditLine
        )
    }
}

/// A JSON column that paths can point into.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum JsonColumn {
    /// `cms_documents.draft_data`.
    DraftData,
    /// `cms_documents.published_data`.
    PublishedData,
    /// `cms_assets.metadata`.
    Metadata,
}

/// A path inside a JSON column: object keys, outermost first. Each key matches
/// `[A-Za-z0-9_-]+` and is not all digits.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct JsonField {
    /// The column.
    pub column: JsonColumn,
    /// The object keys.
    pub path: Vec<String>,
    /// Set when the query's document type declares an index on this path in this perspective
    /// ([`FieldIndex`](crate::schema::FieldIndex)): the value kind it is indexed for. A compiler
    /// then writes conditions on values of that kind, and the sort, in exactly the form the
    /// index holds, so the database can use it; the results are the same either way.
    pub indexed: Option<IndexKind>,
}

/// The kind of value a field index holds: the declared field's JSON kind.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum IndexKind {
    /// JSON numbers (`number` fields).
    Number,
    /// JSON strings (`string`, `text`, `url`, `date`, `datetime` fields, a slug's `current`,
    /// a reference's `_ref`).
    Text,
}

impl IndexKind {
    /// Whether `operand` is a value of this kind (only then can the index serve a condition).
    pub fn holds(self, operand: &Operand) -> bool {
        match self {
            IndexKind::Number => operand.is_number(),
            IndexKind::Text => matches!(operand, Operand::String(_)),
        }
    }
}

/// What a condition or sort key looks at.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Field {
    /// A table column.
    Column(Column),
    /// A value inside a JSON column.
    Json(JsonField),
}

/// An operand, already coerced to the field's type.
#[derive(Debug, Clone, PartialEq)]
pub enum Operand {
    /// Boolean (JSON fields only).
    Bool(bool),
    /// Integer.
    Int(i64),
    /// Non-integer number.
    Float(f64),
    /// String.
    String(String),
    /// Timestamp (timestamp columns only).
    Timestamp(DateTime<Utc>),
    /// UUID (the `id` column only).
    Uuid(Uuid),
}

impl Operand {
    /// Whether this is a number.
    pub fn is_number(&self) -> bool {
        matches!(self, Operand::Int(_) | Operand::Float(_))
    }
}

/// A comparison. Negations are expressed with [`Filter::Not`].
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum Op {
    /// Same type and equal.
    Eq(Operand),
    /// Equal to one of the operands (never empty after resolution).
    In(Vec<Operand>),
    /// Present and not null.
    Exists,
    /// `>`.
    Gt(Operand),
    /// `>=`.
    Gte(Operand),
    /// `<`.
    Lt(Operand),
    /// `<=`.
    Lte(Operand),
    /// LIKE pattern: `%` any run, `_` one character, `\` escapes the next character.
    /// Case-sensitive, whole value, strings only.
    Like(String),
    /// A string operand: case-insensitive literal substring of a string value, or of any string
    /// element of an array value. A number/boolean operand: any array element equal to it.
    Contains(Operand),
    /// Case-insensitive literal prefix of a string value.
    StartsWith(String),
    /// Case-insensitive literal suffix of a string value.
    EndsWith(String),
    /// The value is an array containing every operand (never empty after resolution).
    All(Vec<Operand>),
    /// The value (JSON fields only) has one of these JSON types (never empty). Keyset pages
    /// ([`Keyset`](super::Keyset)) compare positions by the sort's type order with it.
    TypeIn(Vec<JsonType>),
}

/// A JSON type that is not `null`, in the sort's type order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum JsonType {
    /// Numbers (rank 1).
    Number,
    /// Strings (rank 2).
    String,
    /// Objects (rank 3).
    Object,
    /// Arrays (rank 4).
    Array,
    /// Booleans (rank 5).
    Boolean,
}

impl JsonType {
    /// Every type, in sort order.
    pub const ALL: [JsonType; 5] = [
        JsonType::Number,
        JsonType::String,
        JsonType::Object,
        JsonType::Array,
        JsonType::Boolean,
    ];

    /// The type's place in the sort order: 1 (numbers) to 5 (booleans); a missing or null
    /// value is 0.
    pub fn rank(self) -> u8 {
        match self {
            JsonType::Number => 1,
            JsonType::String => 2,
            JsonType::Object => 3,
            JsonType::Array => 4,
            JsonType::Boolean => 5,
        }
    }
}

/// A resolved, simplified filter. `True`/`False` never appear inside `And`/`Or`/`Not` when the
/// tree is built with [`Filter::and`], [`Filter::or`] and [`Filter::negate`].
#[derive(Debug, Clone, PartialEq)]
pub enum Filter {
    /// Matches everything.
    True,
    /// Matches nothing.
    False,
    /// All children match.
    And(Vec<Filter>),
    /// Some child matches.
    Or(Vec<Filter>),
    /// The child does not match (the exact complement, missing and null values included).
    Not(Box<Filter>),
    /// One comparison.
    Cond(Field, Op),
}

impl Filter {
    /// `a AND b`, simplified.
    pub fn and(items: Vec<Filter>) -> Filter {
        let mut out = Vec::with_capacity(items.len());
        for item in items {
            match item {
                Filter::True => {}
                Filter::False => return Filter::False,
                Filter::And(inner) => out.extend(inner),
                other => out.push(other),
            }
        }
        match out.len() {
            0 => Filter::True,
            1 => out.remove(0),
            _ => Filter::And(out),
        }
    }

    /// `a OR b`, simplified.
    pub fn or(items: Vec<Filter>) -> Filter {
        let mut out = Vec::with_capacity(items.len());
        for item in items {
            match item {
                Filter::False => {}
                Filter::True => return Filter::True,
                Filter::Or(inner) => out.extend(inner),
                other => out.push(other),
            }
        }
        match out.len() {
            0 => Filter::False,
            1 => out.remove(0),
            _ => Filter::Or(out),
        }
    }

    /// `NOT f`, simplified.
    pub fn negate(f: Filter) -> Filter {
        match f {
            Filter::True => Filter::False,
            Filter::False => Filter::True,
            Filter::Not(inner) => *inner,
            other => Filter::Not(Box::new(other)),
        }
    }
}

/// One sort key. Missing and null values sort first ascending and last descending; for JSON
/// fields values order by type first (null < numbers < strings < objects < arrays < booleans),
/// then by value. Results are always finally ordered by `id`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SortKey {
    /// What to sort by.
    pub field: Field,
    /// Descending order.
    pub descending: bool,
}

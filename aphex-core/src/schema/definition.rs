//! The definition types, their builder methods and their JSON form.
//!
//! The JSON form is what `cms_schema_types.schema` stores and what a JavaScript studio reads, so it
//! follows Sanity's shape (`type`, `to: [{type}]`, `of: [{type}]`, `validation`). Properties this
//! crate does not interpret — a JavaScript studio adds `options`, `hidden`, `initialValue`,
//! `fieldsets`, `preview`… — are **kept** on types, fields and array members (`extra`), so the
//! round trip `from_json(to_json(d)) == d` is exact and nothing another tool stored is lost.
//! Known properties are checked strictly (a wrong type is an error), and so are the two places
//! where an unknown key is more likely a typo that would change behaviour: `validation` rules and
//! `to` entries.

use serde_json::{Map, Value};

use super::json::{field_to_json, finish, parse_field, parse_type_def, type_def_to_json};
use crate::error::{Result, ValidationErrors};
use crate::model::SchemaKind;

/// A content type defined in code: a top-level document type (`post`) or a reusable object type
/// (`seo`) that document fields embed with [`FieldType::Named`].
///
/// Build one with [`SchemaTypeDef::document`] / [`SchemaTypeDef::object`] and
/// [`field`](SchemaTypeDef::field); store it with [`to_json`](SchemaTypeDef::to_json). A definition
/// on its own is not checked — [`SchemaRegistry`](super::SchemaRegistry) checks a whole set.
#[derive(Debug, Clone, PartialEq)]
pub struct SchemaTypeDef {
    /// Unique name, `^[A-Za-z_][A-Za-z0-9_]*$`, at most 100 characters.
    pub name: String,
    /// Human title, 1 to 200 characters.
    pub title: String,
    /// Document or object.
    pub kind: SchemaKind,
    /// Optional description for editors.
    pub description: Option<String>,
    /// The fields, in display order (validation reports errors in this order).
    pub fields: Vec<FieldDef>,
    /// Other properties of the stored definition, kept as they are.
    pub extra: Map<String, Value>,
}

/// One field of a type or of an inline object.
#[derive(Debug, Clone, PartialEq)]
pub struct FieldDef {
    /// Key in the document data, `^[A-Za-z_][A-Za-z0-9_]*$`, unique within its object level.
    pub name: String,
    /// Human title; omitted from JSON when `None`.
    pub title: Option<String>,
    /// Description for editors; omitted from JSON when `None`.
    pub description: Option<String>,
    /// What values the field holds.
    pub field_type: FieldType,
    /// Validation rules, checked on publish.
    pub rules: Rules,
    /// A backend-native index on this field (Payload's `index: true`), in the perspectives the
    /// scope names: schema sync creates it, and drops it when the declaration goes away. See
    /// [`FieldIndex`](super::FieldIndex) for which fields can be indexed.
    pub index: Option<IndexScope>,
    /// Uniqueness enforced by the database (Payload's `unique: true`) among the documents of the
    /// type, in the perspectives the scope names; a unique field is also indexed. A write that
    /// would duplicate a value is [`Error::Conflict`](crate::Error::Conflict) naming the field
    /// (`post.slug.current`). Documents without a value (missing, `null`, another JSON type)
    /// never conflict.
    pub unique: Option<IndexScope>,
    /// Other properties of the stored field (`options`, `hidden`, `initialValue`…), kept as
    /// they are.
    pub extra: Map<String, Value>,
}

/// Which copies of a document a field's [`index`](FieldDef::index) or
/// [`unique`](FieldDef::unique) declaration covers. In JSON: `true` (both), `"draft"`,
/// `"published"`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum IndexScope {
    /// Drafts and published copies.
    Both,
    /// Drafts only: queries and writes in the draft perspective.
    Draft,
    /// Published copies only: queries in the published perspective, and publishing.
    Published,
}

impl IndexScope {
    /// Whether the scope covers `perspective`.
    pub fn covers(self, perspective: crate::query::Perspective) -> bool {
        use crate::query::Perspective;
        match self {
            IndexScope::Both => true,
            IndexScope::Draft => perspective == Perspective::Draft,
            IndexScope::Published => perspective == Perspective::Published,
        }
    }
}

/// The type of a field or of an array member.
///
/// In JSON each variant is its `type` string (see [`type_name`](FieldType::type_name)); any
/// `type` that is not one of the built-in names is a [`Named`](FieldType::Named) object type.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum FieldType {
    /// A single-line string.
    String,
    /// A multi-line string.
    Text,
    /// A JSON number.
    Number,
    /// A JSON boolean.
    Boolean,
    /// A `YYYY-MM-DD` calendar date string.
    Date,
    /// An RFC 3339 timestamp string.
    Datetime,
    /// A string that must be an absolute URI (implies [`Rules::uri`]).
    Url,
    /// `{"_type": "slug", "current": "..."}`.
    Slug,
    /// A Portable Text block object.
    Block,
    /// An image object; its `asset`, when present, is a reference.
    Image,
    /// A file object; its `asset`, when present, is a reference.
    File,
    /// `{"_type": "reference", "_ref": "<uuid>"}` to a document of one of these types.
    Reference {
        /// Allowed document type names (non-empty).
        to: Vec<String>,
    },
    /// A JSON array whose items each match one of the member types.
    Array {
        /// Allowed member types (non-empty).
        of: Vec<ArrayMember>,
    },
    /// An inline object with its own fields.
    Object {
        /// The object's fields.
        fields: Vec<FieldDef>,
    },
    /// A registered object type, by name (e.g. `"seo"`).
    Named(String),
}

/// One allowed member type of an array (`of: [{"type": "block", "styles": [...]}]`): the type,
/// and the other properties stored with it, kept as they are.
#[derive(Debug, Clone, PartialEq)]
pub struct ArrayMember {
    /// The member type.
    pub field_type: FieldType,
    /// Other properties of the member (`options`, `title`, `styles`…).
    pub extra: Map<String, Value>,
}

impl From<FieldType> for ArrayMember {
    fn from(field_type: FieldType) -> Self {
        ArrayMember {
            field_type,
            extra: Map::new(),
        }
    }
}

/// Validation rules of a field. `Default` is "no rules"; in JSON (`validation`) only the rules
/// that differ from the default are written.
///
/// How each rule applies depends on the JSON kind of the value: `min`/`max`/`length` compare a
/// number's value, a string's length in Unicode characters or an array's item count; `regex`,
/// `email` and `uri` apply to strings; `integer` to numbers. A rule that does not apply to the
/// value's kind is ignored.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Rules {
    /// A missing or `null` value (and an empty string or empty array) fails.
    pub required: bool,
    /// Lower bound (inclusive).
    pub min: Option<f64>,
    /// Upper bound (inclusive).
    pub max: Option<f64>,
    /// Exact length (characters or items).
    pub length: Option<u64>,
    /// A pattern the string must contain a match of (like JavaScript `RegExp.test`).
    pub regex: Option<String>,
    /// The string must look like an email address.
    pub email: bool,
    /// The string must be an absolute URI with a scheme.
    pub uri: bool,
    /// The number must be integral.
    pub integer: bool,
}

/// The built-in `type` names; a registered type may not use one, or `Named` could not round-trip.
pub(super) const BUILT_IN_TYPES: [&str; 14] = [
    "string",
    "text",
    "number",
    "boolean",
    "date",
    "datetime",
    "url",
    "slug",
    "block",
    "image",
    "file",
    "reference",
    "array",
    "object",
];

impl SchemaTypeDef {
    /// A type with no fields and no description.
    pub fn new(name: impl Into<String>, title: impl Into<String>, kind: SchemaKind) -> Self {
        SchemaTypeDef {
            name: name.into(),
            title: title.into(),
            kind,
            description: None,
            fields: Vec::new(),
            extra: Map::new(),
        }
    }

    /// A document type (top-level content).
    pub fn document(name: impl Into<String>, title: impl Into<String>) -> Self {
        Self::new(name, title, SchemaKind::Document)
    }

    /// An object type (embedded by [`FieldType::Named`]).
    pub fn object(name: impl Into<String>, title: impl Into<String>) -> Self {
        Self::new(name, title, SchemaKind::Object)
    }

    /// Sets the description.
    #[must_use]
    pub fn description(mut self, description: impl Into<String>) -> Self {
        self.description = Some(description.into());
        self
    }

    /// Appends a field.
    #[must_use]
    pub fn field(mut self, field: FieldDef) -> Self {
        self.fields.push(field);
        self
    }

    /// Sets a property this crate does not interpret (kept in the stored JSON).
    #[must_use]
    pub fn property(mut self, key: impl Into<String>, value: Value) -> Self {
        self.extra.insert(key.into(), value);
        self
    }

    /// The JSON form stored in `cms_schema_types.schema`. `description` is always written
    /// (`null` when `None`); non-finite `min`/`max` (rejected by the registry) are written as `null`.
    pub fn to_json(&self) -> Value {
        type_def_to_json(self)
    }

    /// Parses the JSON form.
    ///
    /// # Errors
    /// [`Error::Validation`] listing every malformed part, with paths like
    /// `post.fields.title.validation.max` (`fields[3]` when a field has no usable name).
    pub fn from_json(value: &Value) -> Result<Self> {
        let mut errors = ValidationErrors::default();
        let def = parse_type_def(value, &mut errors);
        finish(def, errors)
    }
}

impl FieldDef {
    /// A field of any type, without title, description or rules.
    pub fn new(name: impl Into<String>, field_type: FieldType) -> Self {
        FieldDef {
            name: name.into(),
            title: None,
            description: None,
            field_type,
            rules: Rules::default(),
            index: None,
            unique: None,
            extra: Map::new(),
        }
    }

    /// A [`FieldType::String`] field.
    pub fn string(name: impl Into<String>) -> Self {
        Self::new(name, FieldType::String)
    }

    /// A [`FieldType::Text`] field.
    pub fn text(name: impl Into<String>) -> Self {
        Self::new(name, FieldType::Text)
    }

    /// A [`FieldType::Number`] field.
    pub fn number(name: impl Into<String>) -> Self {
        Self::new(name, FieldType::Number)
    }

    /// A [`FieldType::Boolean`] field.
    pub fn boolean(name: impl Into<String>) -> Self {
        Self::new(name, FieldType::Boolean)
    }

    /// A [`FieldType::Date`] field.
    pub fn date(name: impl Into<String>) -> Self {
        Self::new(name, FieldType::Date)
    }

    /// A [`FieldType::Datetime`] field.
    pub fn datetime(name: impl Into<String>) -> Self {
        Self::new(name, FieldType::Datetime)
    }

    /// A [`FieldType::Url`] field.
    pub fn url(name: impl Into<String>) -> Self {
        Self::new(name, FieldType::Url)
    }

    /// A [`FieldType::Slug`] field.
    pub fn slug(name: impl Into<String>) -> Self {
        Self::new(name, FieldType::Slug)
    }

    /// A [`FieldType::Block`] field.
    pub fn block(name: impl Into<String>) -> Self {
        Self::new(name, FieldType::Block)
    }

    /// A [`FieldType::Image`] field.
    pub fn image(name: impl Into<String>) -> Self {
        Self::new(name, FieldType::Image)
    }

    /// A [`FieldType::File`] field.
    pub fn file(name: impl Into<String>) -> Self {
        Self::new(name, FieldType::File)
    }

    /// A reference to a document of one of the `to` types.
    pub fn reference<S: Into<String>>(
        name: impl Into<String>,
        to: impl IntoIterator<Item = S>,
    ) -> Self {
        Self::new(
            name,
            FieldType::Reference {
                to: to.into_iter().map(Into::into).collect(),
            },
        )
    }

    /// An array whose items match one of the `of` member types.
    pub fn array<M: Into<ArrayMember>>(
        name: impl Into<String>,
        of: impl IntoIterator<Item = M>,
    ) -> Self {
        Self::new(
            name,
            FieldType::Array {
                of: of.into_iter().map(Into::into).collect(),
            },
        )
    }

    /// An inline object with these fields.
    pub fn object(name: impl Into<String>, fields: impl IntoIterator<Item = FieldDef>) -> Self {
        Self::new(
            name,
            FieldType::Object {
                fields: fields.into_iter().collect(),
            },
        )
    }

    /// A field holding the registered object type `type_name`.
    pub fn named(name: impl Into<String>, type_name: impl Into<String>) -> Self {
        Self::new(name, FieldType::Named(type_name.into()))
    }

    /// Sets the title.
    #[must_use]
    pub fn title(mut self, title: impl Into<String>) -> Self {
        self.title = Some(title.into());
        self
    }

    /// Sets the description.
    #[must_use]
    pub fn description(mut self, description: impl Into<String>) -> Self {
        self.description = Some(description.into());
        self
    }

    /// The value must be present, non-null, and not an empty string or empty array.
    #[must_use]
    pub fn required(mut self) -> Self {
        self.rules.required = true;
        self
    }

    /// Inclusive lower bound on the number, the string's character count or the item count.
    #[must_use]
    pub fn min(mut self, min: f64) -> Self {
        self.rules.min = Some(min);
        self
    }

    /// Inclusive upper bound on the number, the string's character count or the item count.
    #[must_use]
    pub fn max(mut self, max: f64) -> Self {
        self.rules.max = Some(max);
        self
    }

    /// Exact character count or item count.
    #[must_use]
    pub fn length(mut self, length: u64) -> Self {
        self.rules.length = Some(length);
        self
    }

    /// The string must contain a match of `pattern` (Rust `regex` syntax; anchor with `^…$`
    /// for a full match).
    #[must_use]
    pub fn regex(mut self, pattern: impl Into<String>) -> Self {
        self.rules.regex = Some(pattern.into());
        self
    }

    /// The string must look like an email address.
    #[must_use]
    pub fn email(mut self) -> Self {
        self.rules.email = true;
        self
    }

    /// The string must be an absolute URI.
    #[must_use]
    pub fn uri(mut self) -> Self {
        self.rules.uri = true;
        self
    }

    /// The number must be integral.
    #[must_use]
    pub fn integer(mut self) -> Self {
        self.rules.integer = true;
        self
    }

    /// Indexes the field for drafts and published copies ([`FieldDef::index`]).
    #[must_use]
    pub fn index(self) -> Self {
        self.index_in(IndexScope::Both)
    }

    /// Indexes the field in the perspectives of `scope`.
    #[must_use]
    pub fn index_in(mut self, scope: IndexScope) -> Self {
        self.index = Some(scope);
        self
    }

    /// Makes the field unique among drafts and among published copies ([`FieldDef::unique`]).
    #[must_use]
    pub fn unique(self) -> Self {
        self.unique_in(IndexScope::Both)
    }

    /// Makes the field unique in the perspectives of `scope`.
    #[must_use]
    pub fn unique_in(mut self, scope: IndexScope) -> Self {
        self.unique = Some(scope);
        self
    }

    /// Sets a property this crate does not interpret (`options`, `hidden`…; kept in the stored
    /// JSON).
    #[must_use]
    pub fn property(mut self, key: impl Into<String>, value: Value) -> Self {
        self.extra.insert(key.into(), value);
        self
    }

    /// The JSON form of the field (an element of a type's `fields`).
    pub fn to_json(&self) -> Value {
        field_to_json(self)
    }

    /// Parses the JSON form of one field.
    ///
    /// # Errors
    /// [`Error::Validation`] listing every malformed part, with paths starting at the field name.
    pub fn from_json(value: &Value) -> Result<Self> {
        let mut errors = ValidationErrors::default();
        let path = value
            .get("name")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_owned();
        let field = parse_field(value, &path, &mut errors);
        finish(field, errors)
    }
}

impl FieldType {
    /// The `type` string of this type in JSON (`"string"`, `"reference"`, the name for `Named`).
    /// It is also what an array item's `_type` is matched against.
    pub fn type_name(&self) -> &str {
        match self {
            FieldType::String => "string",
            FieldType::Text => "text",
            FieldType::Number => "number",
            FieldType::Boolean => "boolean",
            FieldType::Date => "date",
            FieldType::Datetime => "datetime",
            FieldType::Url => "url",
            FieldType::Slug => "slug",
            FieldType::Block => "block",
            FieldType::Image => "image",
            FieldType::File => "file",
            FieldType::Reference { .. } => "reference",
            FieldType::Array { .. } => "array",
            FieldType::Object { .. } => "object",
            FieldType::Named(name) => name,
        }
    }
}

impl Rules {
    /// True when no rule is set (then `validation` is omitted from JSON).
    pub fn is_default(&self) -> bool {
        *self == Rules::default()
    }
}

//! Content type definitions, the checked registry of them, and validation of document data.
//!
//! Types are defined in code, like Sanity schemas:
//!
//! ```
//! use aphex_core::schema::{FieldDef, FieldType, SchemaRegistry, SchemaTypeDef};
//!
//! let seo = SchemaTypeDef::object("seo", "SEO").field(FieldDef::string("title").max(60.0));
//! let author = SchemaTypeDef::document("author", "Author").field(FieldDef::string("name").required());
//! let post = SchemaTypeDef::document("post", "Post")
//!     .description("Blog posts")
//!     .field(FieldDef::string("title").title("Title").required().max(120.0))
//!     .field(FieldDef::slug("slug").required())
//!     .field(FieldDef::reference("author", ["author"]))
//!     .field(FieldDef::array("tags", [FieldType::String]).max(10.0))
//!     .field(FieldDef::named("seo", "seo"));
//! let registry = SchemaRegistry::new(vec![seo, author, post])?;
//! let err = registry
//!     .validate("post", &serde_json::json!({"slug": {"_type": "slug", "current": "hi"}}))
//!     .expect_err("title is missing");
//! assert_eq!(err.to_string(), "validation failed: title: is required");
//! # Ok::<(), aphex_core::Error>(())
//! ```
//!
//! A [`SchemaTypeDef`] is stored as JSON in `cms_schema_types.schema`
//! ([`to_json`](SchemaTypeDef::to_json) / [`from_json`](SchemaTypeDef::from_json), also its serde
//! form), in Sanity's shape: `{"name", "title", "type": "document"|"object", "description",
//! "fields": [{"name", "title"?, "description"?, "type", "to"?/"of"?/"fields"?, "validation"?}]}`.
//! Any field `type` that is not a built-in name (`string`, `text`, `number`, `boolean`, `date`,
//! `datetime`, `url`, `slug`, `block`, `image`, `file`, `reference`, `array`, `object`) names a
//! registered object type, which is why a type may not be named like a built-in.
//!
//! # Validation
//!
//! Drafts are saved even when invalid; publishing runs [`SchemaRegistry::validate`] and is refused
//! with an [`Error::Validation`](crate::Error::Validation) that lists **every** failing value, with
//! paths like `title`, `seo.title`, `tags[2]`, `body[0].alt`. The rules:
//!
//! - The data must be a JSON object (else one error at path `""`).
//! - A missing or `null` value fails only when `required`, and is not checked further. For
//!   `required`, an empty string, an empty array and a slug with an empty `current` count as
//!   missing.
//! - The type is checked first; a mismatch is one error (`expected a string`) and ends the checks
//!   of that value. `date` is `YYYY-MM-DD` and a real date, `datetime` is RFC 3339, `slug` is an
//!   object with a string `current`, `reference` is an object whose `_ref` is a lowercase
//!   hyphenated UUID, `image`/`file` are objects whose `asset` (when present) is a reference,
//!   `block` is an object. Where an object carries a `_type`, it must name the expected type
//!   (inline `object` fields excepted).
//! - Array items are checked against one of the `of` members: a single member is always used;
//!   otherwise the item's `_type` picks the member with that type name (or else the first inline
//!   object member), and an item without `_type` takes the first member whose JSON kind fits.
//!   `null` items are errors.
//! - `min`/`max`/`length` compare a number's value, a string's length in Unicode characters or an
//!   array's item count; `regex` must match somewhere in the string (like JavaScript
//!   `RegExp.test`; anchor it for a full match); `email` is a plausibility check; `uri` (implied
//!   by the `url` type) needs a scheme; `integer` needs an integral number. Rules that do not fit
//!   the value's kind are ignored. Each failing rule is its own error.
//! - Keys in the data that are not fields are **ignored**: they are system keys (`_type`, `_key`)
//!   or data written under an older version of the type, and a schema change must not make every
//!   existing document unpublishable.
//! - Whether a referenced document exists is not checked here (that needs the database).

mod definition;
mod indexes;
mod json;
mod registry;
mod validate;

pub use definition::{ArrayMember, FieldDef, FieldType, IndexScope, Rules, SchemaTypeDef};
pub use indexes::{FieldIndex, INDEX_PREFIX, UNIQUE_PREFIX};
pub use registry::SchemaRegistry;
pub use validate::ReferenceField;

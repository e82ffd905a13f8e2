//! Schema types and data shared by the suites.

use aphex_core::schema::{FieldDef, FieldType, SchemaTypeDef};
use serde_json::{Value, json};
use uuid::Uuid;

/// `post`, `author` (documents) and `seo` (object), covering every field kind the suites use.
pub fn schema_types() -> Vec<SchemaTypeDef> {
    vec![
        SchemaTypeDef::document("post", "Post")
            .field(FieldDef::string("title").required().max(200.0))
            .field(FieldDef::slug("slug"))
            .field(FieldDef::text("body"))
            .field(FieldDef::number("views").integer().min(0.0))
            .field(FieldDef::number("rating"))
            .field(FieldDef::boolean("featured"))
            .field(FieldDef::array("tags", [FieldType::String]))
            .field(FieldDef::reference("author", ["author"]))
            .field(FieldDef::array(
                "related",
                [FieldType::Reference {
                    to: vec!["post".into()],
                }],
            ))
            .field(FieldDef::datetime("publishedAt"))
            .field(FieldDef::named("seo", "seo")),
        SchemaTypeDef::document("author", "Author")
            .field(FieldDef::string("name").required())
            .field(FieldDef::string("email").email())
            .field(FieldDef::url("website"))
            .field(FieldDef::reference("mentor", ["author"])),
        SchemaTypeDef::object("seo", "SEO")
            .field(FieldDef::string("metaTitle").max(60.0))
            .field(FieldDef::text("metaDescription")),
    ]
}

/// A reference object to `id`.
pub fn reference(id: Uuid) -> Value {
    json!({"_type": "reference", "_ref": id.to_string()})
}

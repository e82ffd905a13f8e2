//! The example content model: `post` and `author`. A real app defines its own types the same way.

use aphex::schema::{FieldDef, FieldType, SchemaTypeDef};

/// The schema types the studio registers at start (types removed from here are deleted).
pub fn schema_types() -> Vec<SchemaTypeDef> {
    vec![
        SchemaTypeDef::document("author", "Author")
            .field(FieldDef::string("name").required().max(120.0))
            .field(FieldDef::text("bio"))
            .field(FieldDef::image("avatar")),
        SchemaTypeDef::document("post", "Post")
            .field(FieldDef::string("title").required().max(200.0))
            .field(FieldDef::slug("slug").required())
            .field(FieldDef::text("excerpt").max(500.0))
            .field(FieldDef::text("body"))
            .field(FieldDef::reference("author", ["author"]))
            .field(FieldDef::array("tags", [FieldType::String]).max(20.0))
            .field(FieldDef::image("cover"))
            .field(FieldDef::datetime("publishedAt")),
    ]
}

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

/// The Better Auth secret the auth suites sign cookies with.
pub const AUTH_SECRET: &str = "conformance-secret-0123456789abcdef0123";

/// A reference object to `id`.
pub fn reference(id: Uuid) -> Value {
    json!({"_type": "reference", "_ref": id.to_string()})
}

/// A Better Auth style id: 32 random characters from `[A-Za-z0-9]`.
pub fn auth_id() -> String {
    const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
    let bytes = [*Uuid::new_v4().as_bytes(), *Uuid::new_v4().as_bytes()].concat();
    bytes
        .iter()
        .map(|b| char::from(ALPHABET[usize::from(*b) % ALPHABET.len()]))
        .collect()
}

/// A `user` row with a fresh id, `email` (lowercase) and millisecond timestamps.
pub fn user(name: &str, email: &str) -> aphex_core::model::User {
    let at = aphex_core::model::now();
    aphex_core::model::User {
        id: auth_id(),
        name: name.to_owned(),
        email: email.to_lowercase(),
        email_verified: false,
        image: None,
        created_at: at,
        updated_at: at,
    }
}

/// `options` restricted to documents of `doc_type` (all types for `None`).
pub fn typed(
    doc_type: Option<&str>,
    options: &aphex_core::query::FindOptions,
) -> aphex_core::query::FindOptions {
    let mut options = options.clone();
    options.doc_type = doc_type.map(str::to_owned);
    options
}

/// The options that count documents of `doc_type` matching `w` in `perspective`.
pub fn counting(
    doc_type: Option<&str>,
    w: Option<&aphex_core::query::Where>,
    perspective: aphex_core::query::Perspective,
) -> aphex_core::query::FindOptions {
    let mut options = aphex_core::query::FindOptions::new().perspective(perspective);
    options.doc_type = doc_type.map(str::to_owned);
    options.where_clause = w.cloned();
    options
}

/// The options with just this `where` (assets).
pub fn filtered(w: Option<&aphex_core::query::Where>) -> aphex_core::query::FindOptions {
    let mut options = aphex_core::query::FindOptions::new();
    options.where_clause = w.cloned();
    options
}

/// A page of `limit` rows after `offset`, which the caller knows to be valid.
pub fn paging(limit: u64, offset: u64) -> aphex_core::query::Paging {
    aphex_core::query::Paging::new(limit, offset).expect("a valid page")
}

/// Keep the newest `n` (non-zero) versions.
pub fn keep(n: u32) -> aphex_core::service::VersionRetention {
    aphex_core::service::VersionRetention::Latest(
        std::num::NonZeroU32::new(n).expect("a non-zero retention"),
    )
}

/// A one-byte text file asset named `filename`, stored at `/media/<filename>`.
pub fn text_file(filename: &str) -> aphex_core::model::NewAsset {
    aphex_core::model::NewAsset {
        asset_type: "file".into(),
        filename: filename.into(),
        original_filename: filename.into(),
        mime_type: "text/plain".into(),
        size: 1,
        url: format!("/media/{filename}"),
        path: filename.into(),
        storage_adapter: None,
        width: None,
        height: None,
        metadata: None,
        title: None,
        description: None,
        alt: None,
        credit_line: None,
        created_by: None,
    }
}

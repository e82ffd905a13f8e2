//! The catalog of what a CMS database holds, table by table, in the order a copy writes them
//! (parents before the rows that refer to them): every table of the schema and every column
//! whose value is content. Each backend maps it — SQL columns of the same names, MongoDB
//! collections of the same names with the key as `_id` and the other columns camelCased.
//!
//! Storage bookkeeping that a backend derives from these columns is not listed: the reference
//! index (`draft_references`, `published_references`, SQLite's `cms_document_references`) and
//! SQL's `cms_documents.version_count`. A copy's target derives them from what it writes.
//! The adapters' tests check this catalog against their live schema, so a migration that adds a
//! column fails them until the column is listed here.

/// How a column's value is stored and compared.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum ColumnKind {
    /// Text.
    Text,
    /// A 32-bit integer.
    Int,
    /// A 64-bit integer.
    BigInt,
    /// A boolean (SQLite: 0/1).
    Bool,
    /// A UTC timestamp with millisecond precision; canonically `2026-11-24T19:13:38.694Z`.
    Timestamp,
    /// A content id (PostgreSQL `uuid`, SQLite text, MongoDB string); canonically lowercase
    /// hyphenated.
    Uuid,
    /// A JSON document (PostgreSQL `jsonb`, SQLite text, MongoDB BSON). SQL `NULL` and a JSON
    /// `null` are the same value here.
    Json,
    /// Text of a fixed set of values; the name is PostgreSQL's enum type.
    Enum(&'static str),
}

/// One column of a [`Table`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Column {
    /// Its SQL name (snake_case).
    pub name: &'static str,
    /// How it is stored.
    pub kind: ColumnKind,
}

/// One table (MongoDB: collection) of the schema.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Table {
    /// Its name, the same on every backend.
    pub name: &'static str,
    /// The columns, the key first.
    pub columns: &'static [Column],
    /// A column that refers to another row of the same table (`organization.parent_id`): a copy
    /// writes the table without it first, then again with it, so a child never waits for a
    /// parent that sorts after it.
    pub self_reference: Option<&'static str>,
}

impl Table {
    /// The key column (the first): a single text or UUID column on every table.
    pub fn key(&self) -> &'static Column {
        &self.columns[0]
    }

    /// The table named `name`.
    pub fn named(name: &str) -> Option<&'static Table> {
        TABLES.iter().find(|t| t.name == name)
    }
}

const fn col(name: &'static str, kind: ColumnKind) -> Column {
    Column { name, kind }
}

use ColumnKind::{BigInt, Bool, Enum, Int, Json, Text, Timestamp as Ts, Uuid};

const fn table(name: &'static str, columns: &'static [Column]) -> Table {
    Table {
        name,
        columns,
        self_reference: None,
    }
}

/// Every table of the CMS schema, parents first.
pub const TABLES: &[Table] = &[
    table(
        "user",
        &[
            col("id", Text),
            col("name", Text),
            col("email", Text),
            col("email_verified", Bool),
            col("image", Text),
            col("created_at", Ts),
            col("updated_at", Ts),
        ],
    ),
    table(
        "session",
        &[
            col("id", Text),
            col("expires_at", Ts),
            col("token", Text),
            col("created_at", Ts),
            col("updated_at", Ts),
            col("ip_address", Text),
            col("user_agent", Text),
            col("user_id", Text),
            col("active_organization_id", Text),
        ],
    ),
    table(
        "account",
        &[
            col("id", Text),
            col("account_id", Text),
            col("provider_id", Text),
            col("user_id", Text),
            col("access_token", Text),
            col("refresh_token", Text),
            col("id_token", Text),
            col("access_token_expires_at", Ts),
            col("refresh_token_expires_at", Ts),
            col("scope", Text),
            col("password", Text),
            col("created_at", Ts),
            col("updated_at", Ts),
        ],
    ),
    table(
        "verification",
        &[
            col("id", Text),
            col("identifier", Text),
            col("value", Text),
            col("expires_at", Ts),
            col("created_at", Ts),
            col("updated_at", Ts),
        ],
    ),
    table(
        "apikey",
        &[
            col("id", Text),
            col("config_id", Text),
            col("name", Text),
            col("start", Text),
            col("reference_id", Text),
            col("prefix", Text),
            col("key", Text),
            col("refill_interval", Int),
            col("refill_amount", Int),
            col("last_refill_at", Ts),
            col("enabled", Bool),
            col("rate_limit_enabled", Bool),
            col("rate_limit_time_window", Int),
            col("rate_limit_max", Int),
            col("request_count", Int),
            col("remaining", Int),
            col("last_request", Ts),
            col("expires_at", Ts),
            col("created_at", Ts),
            col("updated_at", Ts),
            col("permissions", Text),
            col("metadata", Text),
        ],
    ),
    table(
        "cms_user_profiles",
        &[
            col("user_id", Text),
            col("role", Enum("user_role")),
            col("preferences", Json),
            col("created_at", Ts),
            col("updated_at", Ts),
        ],
    ),
    Table {
        name: "organization",
        columns: &[
            col("id", Text),
            col("name", Text),
            col("slug", Text),
            col("logo", Text),
            col("created_at", Ts),
            col("metadata", Text),
            col("parent_id", Text),
        ],
        self_reference: Some("parent_id"),
    },
    table(
        "organization_role",
        &[
            col("id", Text),
            col("organization_id", Text),
            col("role", Text),
            col("permission", Text),
            col("created_at", Ts),
            col("updated_at", Ts),
        ],
    ),
    table(
        "member",
        &[
            col("id", Text),
            col("organization_id", Text),
            col("user_id", Text),
            col("role", Text),
            col("created_at", Ts),
        ],
    ),
    table(
        "invitation",
        &[
            col("id", Text),
            col("organization_id", Text),
            col("email", Text),
            col("role", Text),
            col("status", Text),
            col("expires_at", Ts),
            col("created_at", Ts),
            col("inviter_id", Text),
        ],
    ),
    table(
        "cms_schema_types",
        &[
            col("id", Uuid),
            col("name", Text),
            col("title", Text),
            col("type", Enum("schema_type")),
            col("description", Text),
            col("schema", Json),
            col("created_at", Ts),
            col("updated_at", Ts),
        ],
    ),
    table(
        "cms_documents",
        &[
            col("id", Uuid),
            col("type", Text),
            col("status", Enum("document_status")),
            col("draft_data", Json),
            col("published_data", Json),
            col("published_hash", Text),
            col("revision", BigInt),
            col("created_by", Text),
            col("updated_by", Text),
            col("published_at", Ts),
            col("created_at", Ts),
            col("updated_at", Ts),
            col("organization_id", Text),
        ],
    ),
    table(
        "cms_document_versions",
        &[
            col("id", Uuid),
            col("document_id", Uuid),
            col("version_number", BigInt),
            col("event_type", Text),
            col("data", Json),
            col("created_by", Text),
            col("created_at", Ts),
            col("organization_id", Text),
        ],
    ),
    table(
        "cms_assets",
        &[
            col("id", Uuid),
            col("asset_type", Text),
            col("filename", Text),
            col("original_filename", Text),
            col("mime_type", Text),
            col("size", BigInt),
            col("url", Text),
            col("path", Text),
            col("storage_adapter", Text),
            col("width", Int),
            col("height", Int),
            col("metadata", Json),
            col("title", Text),
            col("description", Text),
            col("alt", Text),
            col("credit_line", Text),
            col("created_by", Text),
            col("created_at", Ts),
            col("updated_at", Ts),
            col("organization_id", Text),
        ],
    ),
    table(
        "cms_event_streams",
        &[col("stream", Text), col("last_seq", BigInt)],
    ),
    table(
        "cms_events",
        &[
            col("id", Uuid),
            col("organization_id", Text),
            col("stream", Text),
            col("stream_seq", BigInt),
            col("kind", Text),
            col("subject_id", Text),
            col("actor", Text),
            col("data", Json),
            col("created_at", Ts),
        ],
    ),
    table(
        "cms_outbox",
        &[
            col("event_id", Uuid),
            col("stream", Text),
            col("stream_seq", BigInt),
            col("created_at", Ts),
            col("available_at", Ts),
            col("lease_token", Uuid),
            col("attempts", Int),
        ],
    ),
    table(
        "cms_jobs",
        &[
            col("id", Uuid),
            col("organization_id", Text),
            col("kind", Text),
            col("run_at", Ts),
            col("payload", Json),
            col("idempotency_key", Text),
            col("dedupe_key", Text),
            col("status", Text),
            col("attempts", Int),
            col("max_attempts", Int),
            col("lease_token", Uuid),
            col("lease_until", Ts),
            col("last_error", Text),
            col("created_by", Text),
            col("created_at", Ts),
            col("updated_at", Ts),
            col("finished_at", Ts),
        ],
    ),
    table(
        "cms_webhooks",
        &[
            col("id", Uuid),
            col("organization_id", Text),
            col("url", Text),
            col("events", Json),
            col("secret", Text),
            col("created_by", Text),
            col("created_at", Ts),
        ],
    ),
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_table_has_a_text_or_uuid_key_and_unique_names() {
        let mut names: Vec<&str> = TABLES.iter().map(|t| t.name).collect();
        names.sort_unstable();
        names.dedup();
        assert_eq!(names.len(), TABLES.len());
        for t in TABLES {
            assert!(matches!(t.key().kind, Text | Uuid), "{}", t.name);
            if let Some(c) = t.self_reference {
                assert!(t.columns.iter().any(|k| k.name == c), "{}", t.name);
            }
        }
    }
}

//! The raw SQL baseline: the statements the adapter sends (captured with `--show-sql`),
//! written out by hand and issued straight through sqlx on a pool opened with the adapter's own
//! connection settings. Same transactions, same parameters (JSON documents as their text, as the
//! adapter binds them; the default organization wherever the adapter binds its scope's), rows
//! decoded into the same shape.
//! What is left out is everything the adapter adds: query building, value rewriting, the
//! service layer (validation, publish hash is computed on both sides), error mapping.

use std::sync::atomic::{AtomicU64, Ordering};

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use sea_orm::sqlx::types::Json;
use sea_orm::sqlx::{self, AssertSqlSafe, PgPool, Row, SqlitePool};
use serde_json::Value;
use uuid::Uuid;

use aphex_core::DEFAULT_ORGANIZATION_ID;
use aphex_core::service::{DEFAULT_MAX_RESOLVED, publish_hash, reference_ids};

use crate::corpus::{QUERY_TAG, QUERY_VIEWS_ABOVE, SeedDoc};
use crate::lists::{ListAnswer, ListSpec, RawList};
use crate::resolve::{check_targets, publish_targets, resolve, resolve_fetched};
use crate::setup::StatementLogs;
use crate::target::{BenchResult, Loaded, Target};

/// A raw pool of either SQL backend.
pub enum RawPool {
    /// SQLite.
    Sqlite(SqlitePool),
    /// PostgreSQL.
    Postgres(PgPool),
}

/// The statements, in each dialect's text, exactly as the adapter renders them.
pub(crate) struct Statements {
    begin: &'static str,
    insert_document: &'static str,
    /// The document and its first snapshot in one statement, where the adapter does that
    /// (PostgreSQL); `None`: insert + snapshot in a transaction.
    create_with_first_version: Option<&'static str>,
    /// A draft save with its snapshot and retention in one statement (PostgreSQL); `None`:
    /// update + snapshot + prune in a transaction.
    save_draft_with_snapshot: Option<&'static str>,
    /// The publish write with its snapshot and retention in one statement (PostgreSQL).
    publish_with_snapshot: Option<&'static str>,
    select_document: &'static str,
    /// A depth-2 `find_by_id` (draft perspective) in one statement, the document and both
    /// levels, where the adapter does that (PostgreSQL); `None`: `select_document`, then one
    /// `select_documents_in` per level.
    find_depth2: Option<&'static str>,
    /// Ends in `IN `; the placeholders are appended (after the organization's).
    select_documents_in: &'static str,
    count_many: &'static str,
    select_many: &'static str,
    update_draft: &'static str,
    publish: &'static str,
    insert_version: &'static str,
    prune_versions: &'static str,
    /// A write's event in its transaction — the stream's counter, the event, its outbox
    /// entry — where the adapter appends it with separate statements (SQLite); `None` where
    /// the one-statement writes carry it (PostgreSQL).
    append_event: Option<[&'static str; 3]>,
}

/// PostgreSQL: the event CTEs the adapter's one-statement writes end with (after `"doc"`), its
/// id and kind in the two parameters given, then the row.
macro_rules! pg_event_and_row {
    ($id:literal, $kind:literal) => {
        concat!(
            r#", "event_stream" AS (INSERT INTO "cms_event_streams" ("stream", "last_seq") SELECT 'document:' || "id", 1 FROM "doc" WHERE CAST("#, $id,
            r#" AS uuid) IS NOT NULL ON CONFLICT ("stream") DO UPDATE SET "last_seq" = "cms_event_streams"."last_seq" + 1 RETURNING "stream", "last_seq")"#,
            r#", "event" AS (INSERT INTO "cms_events" ("id", "organization_id", "stream", "stream_seq", "kind", "subject_id", "actor", "data", "created_at") "#,
            r#"SELECT CAST("#, $id, r#" AS uuid), "doc"."organization_id", "event_stream"."stream", "event_stream"."last_seq", "#, $kind,
            r#", CAST("doc"."id" AS text), "doc"."updated_by", jsonb_build_object('id', "doc"."id", 'type', "doc"."type", 'revision', "doc"."revision", 'status', "doc"."status", 'publishedHash', "doc"."published_hash"), "doc"."updated_at" FROM "doc", "event_stream" "#,
            r#"RETURNING "id", "stream", "stream_seq", "created_at")"#,
            r#", "event_outbox" AS (INSERT INTO "cms_outbox" ("event_id", "stream", "stream_seq", "created_at", "available_at") SELECT "id", "stream", "stream_seq", "created_at", "created_at" FROM "event")"#,
            r#" SELECT * FROM "doc""#
        )
    };
}

/// `SELECT <document columns> FROM "cms_documents" ` + tail; `$status` is the status column
/// (PostgreSQL reads its enum as text).
macro_rules! doc_select {
    ($status:literal, $tail:literal) => {
        concat!(
            r#"SELECT "cms_documents"."id", "cms_documents"."type", "#,
            $status,
            r#", "cms_documents"."draft_data", "cms_documents"."published_data", "cms_documents"."published_hash", "cms_documents"."revision", "cms_documents"."created_by", "cms_documents"."updated_by", "cms_documents"."published_at", "cms_documents"."created_at", "cms_documents"."updated_at", "cms_documents"."version_count", "cms_documents"."organization_id" FROM "cms_documents" "#,
            $tail
        )
    };
}

/// The `RETURNING` list of document writes.
macro_rules! doc_returning {
    ($status:literal) => {
        concat!(
            r#" RETURNING "id", "type", "#,
            $status,
            r#", "draft_data", "published_data", "published_hash", "revision", "created_by", "updated_by", "published_at", "created_at", "updated_at", "version_count", "organization_id""#
        )
    };
}

/// The `RETURNING` list of the PostgreSQL one-statement writes.
macro_rules! pg_returning {
    () => {
        r#"RETURNING "id", "type", CAST("status" AS "text") AS "status", "draft_data", "published_data", "published_hash", "revision", "created_by", "updated_by", "published_at", "created_at", "updated_at", "version_count", "organization_id""#
    };
}

const SQLITE_INSERT_VERSION: &str = r#"INSERT INTO "cms_document_versions" ("id", "document_id", "version_number", "event_type", "data", "created_by", "created_at", "organization_id") SELECT ?, ?, COALESCE(MAX("version_number"), ?) + ?, ?, ?, ?, ?, ? FROM "cms_document_versions" WHERE "document_id" = ? HAVING EXISTS(SELECT ? FROM "cms_documents" WHERE "cms_documents"."id" = ? AND "cms_documents"."organization_id" = ?) RETURNING *"#;
const SQLITE_PRUNE: &str = r#"DELETE FROM "cms_document_versions" WHERE "organization_id" = ? AND "cms_document_versions"."document_id" = ? AND "version_number" NOT IN (SELECT "version_number" FROM "cms_document_versions" WHERE "document_id" = ? ORDER BY "version_number" DESC LIMIT ?)"#;
const PG_INSERT_VERSION: &str = r#"INSERT INTO "cms_document_versions" ("id", "document_id", "version_number", "event_type", "data", "created_by", "created_at", "organization_id") SELECT $1, $2, COALESCE(MAX("version_number"), $3) + $4, $5, CAST($6 AS jsonb), $7, $8, $9 FROM "cms_document_versions" WHERE "document_id" = $10 HAVING EXISTS(SELECT $11 FROM "cms_documents" WHERE "cms_documents"."id" = $12 AND "cms_documents"."organization_id" = $13) RETURNING *"#;
const PG_PRUNE: &str = r#"DELETE FROM "cms_document_versions" WHERE "organization_id" = $1 AND "cms_document_versions"."document_id" = $2 AND "version_number" NOT IN (SELECT "version_number" FROM "cms_document_versions" WHERE "document_id" = $3 ORDER BY "version_number" DESC LIMIT $4)"#;

/// `DocumentStore::find_reference_closure` on PostgreSQL as a depth-2 `find_by_id` sends it
/// (draft perspective): three levels — the document (`$1`), what it refers to, and what those
/// refer to, each only of the organizations `$4` (a `text[]`: the default organization); `$2`
/// (nothing excluded) and `$3` (the cap + 2) as the adapter binds them.
const PG_FIND_DEPTH2: &str = r#"SELECT "id", "type", CAST("status" AS "text") AS "status", "draft_data", "published_data", "published_hash", "revision", "created_by", "updated_by", "published_at", "created_at", "updated_at", "version_count", "organization_id" FROM (WITH "l1" AS (SELECT * FROM "cms_documents" WHERE "id" = ANY(CAST($1 AS uuid[])) AND "organization_id" = ANY(CAST($4 AS text[])) AND NOT ("id" = ANY(CAST($2 AS uuid[]))) LIMIT $3), "l2" AS (SELECT * FROM "cms_documents" WHERE "id" IN (SELECT CASE WHEN "n"."k" ~ '^[0-9a-f]{32}$' THEN CAST("n"."k" AS uuid) END FROM "l1", jsonb_path_query("l1"."draft_data", 'strict $.**?(@._type == "reference" && @._ref.type() == "string")._ref', '{}', true) AS "r"("ref"), regexp_replace(lower("r"."ref" #>> '{}'), '^urn:uuid:|[{}-]', '', 'g') AS "n"("k")) AND "organization_id" = ANY(CAST($4 AS text[])) AND NOT ("id" = ANY(CAST($2 AS uuid[]))) AND "id" NOT IN (SELECT "id" FROM "l1") LIMIT $3), "l3" AS (SELECT * FROM "cms_documents" WHERE "id" IN (SELECT CASE WHEN "n"."k" ~ '^[0-9a-f]{32}$' THEN CAST("n"."k" AS uuid) END FROM "l2", jsonb_path_query("l2"."draft_data", 'strict $.**?(@._type == "reference" && @._ref.type() == "string")._ref', '{}', true) AS "r"("ref"), regexp_replace(lower("r"."ref" #>> '{}'), '^urn:uuid:|[{}-]', '', 'g') AS "n"("k")) AND "organization_id" = ANY(CAST($4 AS text[])) AND NOT ("id" = ANY(CAST($2 AS uuid[]))) AND "id" NOT IN (SELECT "id" FROM "l1") AND "id" NOT IN (SELECT "id" FROM "l2") LIMIT $3) SELECT * FROM "l1" UNION ALL SELECT * FROM "l2" UNION ALL SELECT * FROM "l3" LIMIT $3) AS "closure""#;

/// A PostgreSQL `uuid[]` literal, as the adapter binds id lists.
fn uuid_array(ids: &[Uuid]) -> String {
    let items: Vec<String> = ids.iter().map(Uuid::to_string).collect();
    format!("{{{}}}", items.join(","))
}

/// A PostgreSQL `text[]` literal (each item quoted and escaped), as the adapter binds the
/// organizations a scope sees.
fn text_array(items: &[&str]) -> String {
    let items: Vec<String> = items
        .iter()
        .map(|s| format!("\"{}\"", s.replace('\\', "\\\\").replace('"', "\\\"")))
        .collect();
    format!("{{{}}}", items.join(","))
}

/// The organization the bench acts in — the adapter side's `Scope::default()` — bound wherever
/// the adapter binds its scope's organization.
const ORGANIZATION: &str = DEFAULT_ORGANIZATION_ID;

/// The findMany filter as the SQLite dialect compiles it (JSON1 functions, type-checked; path
/// keys, type names and the document type written in as literals), after the scope's
/// organization.
macro_rules! sqlite_find_many_where {
    () => {
        r#"WHERE "cms_documents"."organization_id" = ? AND ("cms_documents"."type" = 'post' AND (CASE WHEN (json_type("cms_documents"."draft_data", '$."views"') IN ('integer', 'real')) THEN json_extract("cms_documents"."draft_data", '$."views"') END) > ? AND (json_type("cms_documents"."draft_data", '$."tags"') = 'array' AND EXISTS(SELECT 1 FROM json_each("cms_documents"."draft_data", '$."tags"') AS "aphex_el" WHERE (aphex_el.type) = 'text' AND (aphex_el.value) = ?)))"#
    };
}

/// The findMany filter as the PostgreSQL dialect compiles it (jsonb, containment for `all`),
/// after the scope's organization.
macro_rules! pg_find_many_where {
    () => {
        r#"WHERE "cms_documents"."organization_id" = $1 AND ("cms_documents"."type" = 'post' AND (CASE WHEN (jsonb_typeof("cms_documents"."draft_data" -> 'views') = 'number') THEN CAST((("cms_documents"."draft_data" -> 'views' #>> '{}')) AS numeric) END) > CAST($2 AS numeric) AND ("cms_documents"."draft_data" @> $3))"#
    };
}

const SQLITE: Statements = Statements {
    begin: "BEGIN IMMEDIATE",
    create_with_first_version: None,
    save_draft_with_snapshot: None,
    publish_with_snapshot: None,
    insert_document: concat!(
        r#"INSERT INTO "cms_documents" ("id", "type", "status", "draft_data", "revision", "created_by", "updated_by", "created_at", "updated_at", "version_count", "organization_id", "draft_references") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"#,
        doc_returning!(r#""status""#)
    ),
    find_depth2: None,
    select_document: doc_select!(
        r#""cms_documents"."status""#,
        r#"WHERE "cms_documents"."id" = ? AND "organization_id" = ? LIMIT ?"#
    ),
    select_documents_in: doc_select!(
        r#""cms_documents"."status""#,
        r#"WHERE "organization_id" = ? AND "cms_documents"."id" IN "#
    ),
    count_many: concat!(
        "SELECT COUNT(*) AS num_items FROM (",
        doc_select!(r#""cms_documents"."status""#, ""),
        sqlite_find_many_where!(),
        r#") AS "sub_query""#
    ),
    select_many: concat!(
        doc_select!(r#""cms_documents"."status""#, ""),
        sqlite_find_many_where!(),
        r#" ORDER BY "cms_documents"."updated_at" DESC NULLS LAST, "cms_documents"."id" DESC NULLS LAST LIMIT ? OFFSET ?"#
    ),
    update_draft: concat!(
        r#"UPDATE "cms_documents" SET "draft_data" = ?, "draft_references" = ?, "updated_by" = ?, "updated_at" = ?, "revision" = "revision" + ?, "version_count" = "version_count" + ? WHERE "cms_documents"."id" = ? AND "organization_id" = ? AND "cms_documents"."revision" = ?"#,
        doc_returning!(r#""status""#)
    ),
    publish: concat!(
        r#"UPDATE "cms_documents" SET "status" = ?, "published_hash" = ?, "updated_by" = ?, "published_at" = ?, "updated_at" = ?, "published_data" = ?, "published_references" = ?, "version_count" = "version_count" + ? WHERE "cms_documents"."id" = ? AND "organization_id" = ? AND "cms_documents"."revision" = ?"#,
        doc_returning!(r#""status""#)
    ),
    insert_version: SQLITE_INSERT_VERSION,
    prune_versions: SQLITE_PRUNE,
    append_event: Some([
        r#"INSERT INTO "cms_event_streams" ("stream", "last_seq") VALUES (?, ?) ON CONFLICT ("stream") DO UPDATE SET "last_seq" = "cms_event_streams"."last_seq" + ? RETURNING "stream", "last_seq""#,
        r#"INSERT INTO "cms_events" ("id", "organization_id", "stream", "stream_seq", "kind", "subject_id", "actor", "data", "created_at") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)"#,
        r#"INSERT INTO "cms_outbox" ("event_id", "stream", "stream_seq", "created_at", "available_at") VALUES (?, ?, ?, ?, ?)"#,
    ]),
};

const POSTGRES: Statements = Statements {
    begin: "BEGIN",
    create_with_first_version: Some(concat!(
        r#"WITH "doc" AS (INSERT INTO "cms_documents" ("id", "type", "status", "draft_data", "revision", "created_by", "updated_by", "created_at", "updated_at", "version_count", "organization_id", "draft_references") "#,
        r#"VALUES ($1, $2, CAST('draft' AS "document_status"), CAST($3 AS jsonb), 1, $4, $4, $5, $5, 1, $7, CAST($8 AS uuid[])) "#,
        pg_returning!(),
        r#"), "#,
        r#""first_version" AS (INSERT INTO "cms_document_versions" ("id", "document_id", "version_number", "event_type", "data", "created_by", "created_at", "organization_id") "#,
        r#"SELECT $6, "id", 1, 'draft', "draft_data", "created_by", "created_at", "organization_id" FROM "doc")"#,
        pg_event_and_row!("$9", "$10"),
    )),
    save_draft_with_snapshot: Some(concat!(
        r#"WITH "doc" AS (UPDATE "cms_documents" SET "draft_data" = CAST($1 AS jsonb), "draft_references" = CAST($9 AS uuid[]), "updated_by" = $2, "updated_at" = $3, "revision" = "revision" + 1, "#,
        r#""version_count" = GREATEST("version_count", (SELECT COALESCE(MAX("version_number"), 0) FROM "cms_document_versions" WHERE "document_id" = $4)) + 1"#,
        r#" WHERE "id" = $4 AND "organization_id" = $8 AND (CAST($5 AS bigint) IS NULL OR "revision" = $5) "#,
        pg_returning!(),
        r#")"#,
        r#", "snapshot" AS (INSERT INTO "cms_document_versions" ("id", "document_id", "version_number", "event_type", "data", "created_by", "created_at", "organization_id") "#,
        r#"SELECT $6, "id", "version_count", 'draft', "draft_data", "updated_by", "updated_at", "organization_id" FROM "doc")"#,
        r#", "pruned" AS (DELETE FROM "cms_document_versions" WHERE "document_id" = $4 AND "version_number" <= (SELECT "version_count" FROM "doc") - $7)"#,
        pg_event_and_row!("$10", "$11"),
    )),
    publish_with_snapshot: Some(concat!(
        r#"WITH "doc" AS (UPDATE "cms_documents" SET "status" = CAST('published' AS "document_status"), "published_data" = CAST($1 AS jsonb), "published_references" = CAST($10 AS uuid[]), "published_hash" = $2, "published_at" = $3, "updated_by" = $4, "updated_at" = $3, "#,
        r#""version_count" = GREATEST("version_count", (SELECT COALESCE(MAX("version_number"), 0) FROM "cms_document_versions" WHERE "document_id" = $5)) + 1"#,
        r#" WHERE "id" = $5 AND "organization_id" = $9 AND "revision" = $6 "#,
        pg_returning!(),
        r#")"#,
        r#", "snapshot" AS (INSERT INTO "cms_document_versions" ("id", "document_id", "version_number", "event_type", "data", "created_by", "created_at", "organization_id") "#,
        r#"SELECT $7, "id", "version_count", 'publish', "published_data", "updated_by", "updated_at", "organization_id" FROM "doc")"#,
        r#", "pruned" AS (DELETE FROM "cms_document_versions" WHERE "document_id" = $5 AND "version_number" <= (SELECT "version_count" FROM "doc") - $8)"#,
        pg_event_and_row!("$11", "$12"),
    )),
    insert_document: concat!(
        r#"INSERT INTO "cms_documents" ("id", "type", "status", "draft_data", "revision", "created_by", "updated_by", "created_at", "updated_at", "version_count", "organization_id", "draft_references") VALUES ($1, $2, CAST($3 AS "document_status"), CAST($4 AS jsonb), $5, $6, $7, $8, $9, $10, $11, CAST($12 AS uuid[]))"#,
        doc_returning!(r#"CAST("status" AS "text")"#)
    ),
    find_depth2: Some(PG_FIND_DEPTH2),
    select_document: doc_select!(
        r#"CAST("cms_documents"."status" AS "text")"#,
        r#"WHERE "cms_documents"."id" = $1 AND "organization_id" = $2 LIMIT $3"#
    ),
    select_documents_in: doc_select!(
        r#"CAST("cms_documents"."status" AS "text")"#,
        r#"WHERE "organization_id" = $1 AND "cms_documents"."id" IN "#
    ),
    count_many: concat!(
        "SELECT COUNT(*) AS num_items FROM (",
        doc_select!(r#"CAST("cms_documents"."status" AS "text")"#, ""),
        pg_find_many_where!(),
        r#") AS "sub_query""#
    ),
    select_many: concat!(
        doc_select!(r#"CAST("cms_documents"."status" AS "text")"#, ""),
        pg_find_many_where!(),
        r#" ORDER BY "cms_documents"."updated_at" DESC NULLS LAST, "cms_documents"."id" DESC NULLS LAST LIMIT $4 OFFSET $5"#
    ),
    update_draft: concat!(
        r#"UPDATE "cms_documents" SET "draft_data" = CAST($1 AS jsonb), "draft_references" = CAST($2 AS uuid[]), "updated_by" = $3, "updated_at" = $4, "revision" = "revision" + $5, "version_count" = "version_count" + $6 WHERE "cms_documents"."id" = $7 AND "organization_id" = $8 AND "cms_documents"."revision" = $9"#,
        doc_returning!(r#"CAST("status" AS "text")"#)
    ),
    publish: concat!(
        r#"UPDATE "cms_documents" SET "status" = CAST($1 AS "document_status"), "published_hash" = $2, "updated_by" = $3, "published_at" = $4, "updated_at" = $5, "published_data" = CAST($6 AS jsonb), "published_references" = CAST($7 AS uuid[]), "version_count" = "version_count" + $8 WHERE "cms_documents"."id" = $9 AND "organization_id" = $10 AND "cms_documents"."revision" = $11"#,
        doc_returning!(r#"CAST("status" AS "text")"#)
    ),
    insert_version: PG_INSERT_VERSION,
    prune_versions: PG_PRUNE,
    append_event: None,
};

/// Runs `$body` with `$pool` bound to the concrete sqlx pool and `$db` to its database type —
/// one body, compiled for both backends (the way sqlx's `Any` driver dispatches).
macro_rules! on_pool {
    ($self:ident, |$pool:ident, $db:ident| $body:expr) => {
        match &$self.pool {
            RawPool::Sqlite($pool) => {
                type $db = sqlx::Sqlite;
                $body
            }
            RawPool::Postgres($pool) => {
                type $db = sqlx::Postgres;
                $body
            }
        }
    };
}

/// The raw side over one SQL pool.
pub struct RawSql {
    pool: RawPool,
    settle: &'static [&'static str],
    statements: AtomicU64,
    logs: StatementLogs,
}

impl RawSql {
    /// The raw side on `pool`; `settle` runs after loading.
    pub fn new(pool: RawPool, settle: &'static [&'static str], logs: StatementLogs) -> Self {
        RawSql {
            pool,
            settle,
            statements: AtomicU64::new(0),
            logs,
        }
    }

    /// `SELECT … WHERE organization_id = ? AND id IN (…)`: one level of reference resolution.
    async fn find_in(&self, ids: Vec<Uuid>) -> BenchResult<Vec<Loaded>> {
        on_pool!(self, |pool, Db| {
            self.statements.fetch_add(1, Ordering::Relaxed);
            let sql = format!(
                "{}{}",
                Db::SQL.select_documents_in,
                Db::placeholders(2, ids.len())
            );
            self.logs.record("raw", || sql.clone());
            let mut query = sqlx::query(AssertSqlSafe(sql)).bind(ORGANIZATION);
            for id in &ids {
                query = query.bind(Db::id(*id));
            }
            let rows = query.fetch_all(pool).await?;
            rows.iter().map(document::<Db>).collect()
        })
    }

    /// Counts and logs a statement, and hands its text to sqlx.
    fn sent(&self, sql: &'static str) -> &'static str {
        self.statements.fetch_add(1, Ordering::Relaxed);
        self.logs.record("raw", || sql.to_owned());
        sql
    }
}

type Query<'q, DB> = sqlx::query::Query<'q, DB, <DB as sqlx::Database>::Arguments>;

/// What differs between the two SQL backends: the statement texts, ids and timestamps
/// (SQLite stores both as text), placeholders, and the findMany parameters.
trait Flavor: sqlx::Database {
    const SQL: &'static Statements;
    type Id: for<'q> sqlx::Encode<'q, Self> + sqlx::Type<Self> + Send;
    type Ts: for<'q> sqlx::Encode<'q, Self> + sqlx::Type<Self> + Send;
    fn id(id: Uuid) -> Self::Id;
    fn ts(t: DateTime<Utc>) -> Self::Ts;
    /// The reference index of `data`, as the backend's reference column takes it.
    fn references(data: &Value) -> String;
    fn read_id(row: &Self::Row, column: usize) -> BenchResult<Uuid>;
    /// `n` placeholders, the first being the statement's parameter number `first` (the
    /// organization's may come before): `(?, ?, ?)` / `($2, $3, $4)`.
    fn placeholders(first: usize, n: usize) -> String;
    /// Binds the findMany filter's parameters (the organization first), as the dialect's
    /// compiler binds them.
    fn bind_find_many(query: Query<'_, Self>) -> Query<'_, Self>;
    /// Binds one value of a statement the adapter built (a list phase's replay).
    fn bind_value<'q>(
        query: Query<'q, Self>,
        value: &sea_orm::Value,
    ) -> BenchResult<Query<'q, Self>>;
}

/// Binds a string, integer, float or boolean of a replayed statement (what both backends
/// bind alike).
fn bind_scalar<'q, DB: sqlx::Database>(
    query: Query<'q, DB>,
    value: &sea_orm::Value,
) -> BenchResult<Query<'q, DB>>
where
    for<'e> Option<String>: sqlx::Encode<'e, DB> + sqlx::Type<DB>,
    for<'e> Option<i64>: sqlx::Encode<'e, DB> + sqlx::Type<DB>,
    for<'e> Option<i32>: sqlx::Encode<'e, DB> + sqlx::Type<DB>,
    for<'e> Option<f64>: sqlx::Encode<'e, DB> + sqlx::Type<DB>,
    for<'e> Option<bool>: sqlx::Encode<'e, DB> + sqlx::Type<DB>,
{
    use sea_orm::Value as V;
    Ok(match value {
        V::String(v) => query.bind(v.clone()),
        V::BigInt(v) => query.bind(*v),
        V::BigUnsigned(v) => query.bind(v.map(i64::try_from).transpose()?),
        V::Int(v) => query.bind(*v),
        V::Double(v) => query.bind(*v),
        V::Bool(v) => query.bind(*v),
        other => {
            return Err(format!(
                "a replayed statement binds {other:?}, which the bench does not handle"
            )
            .into());
        }
    })
}

impl Flavor for sqlx::Sqlite {
    const SQL: &'static Statements = &SQLITE;
    type Id = String;
    type Ts = String;
    fn id(id: Uuid) -> String {
        id.to_string()
    }
    fn ts(t: DateTime<Utc>) -> String {
        aphex_core::model::to_iso_millis(&t)
    }
    fn references(data: &Value) -> String {
        let ids: Vec<String> = reference_ids(data).iter().map(Uuid::to_string).collect();
        Value::from(ids).to_string()
    }
    fn read_id(row: &sqlx::sqlite::SqliteRow, column: usize) -> BenchResult<Uuid> {
        Ok(Uuid::parse_str(&row.try_get::<String, _>(column)?)?)
    }
    fn placeholders(_first: usize, n: usize) -> String {
        format!("({})", vec!["?"; n].join(", "))
    }
    fn bind_find_many(query: Query<'_, Self>) -> Query<'_, Self> {
        query
            .bind(ORGANIZATION)
            .bind(QUERY_VIEWS_ABOVE)
            .bind(QUERY_TAG)
    }
    fn bind_value<'q>(
        query: Query<'q, Self>,
        value: &sea_orm::Value,
    ) -> BenchResult<Query<'q, Self>> {
        // After the SQLite dialect's binding, ids, timestamps and JSON are text: only scalars.
        bind_scalar(query, value)
    }
}

impl Flavor for sqlx::Postgres {
    const SQL: &'static Statements = &POSTGRES;
    type Id = Uuid;
    type Ts = DateTime<Utc>;
    fn id(id: Uuid) -> Uuid {
        id
    }
    fn ts(t: DateTime<Utc>) -> DateTime<Utc> {
        t
    }
    fn references(data: &Value) -> String {
        uuid_array(&reference_ids(data))
    }
    fn read_id(row: &sqlx::postgres::PgRow, column: usize) -> BenchResult<Uuid> {
        Ok(row.try_get::<Uuid, _>(column)?)
    }
    fn placeholders(first: usize, n: usize) -> String {
        let list: Vec<String> = (first..first + n).map(|i| format!("${i}")).collect();
        format!("({})", list.join(", "))
    }
    fn bind_find_many(query: Query<'_, Self>) -> Query<'_, Self> {
        query
            .bind(ORGANIZATION)
            .bind(QUERY_VIEWS_ABOVE.to_string())
            .bind(Json(serde_json::json!({ "tags": [QUERY_TAG] })))
    }
    fn bind_value<'q>(
        query: Query<'q, Self>,
        value: &sea_orm::Value,
    ) -> BenchResult<Query<'q, Self>> {
        use sea_orm::Value as V;
        Ok(match value {
            V::Uuid(v) => query.bind(*v),
            V::ChronoDateTimeUtc(v) => query.bind(*v),
            V::Json(v) => query.bind(v.as_deref().cloned().map(Json)),
            other => return bind_scalar(query, other),
        })
    }
}

/// A document row, decoded column by column into the types the adapter decodes.
fn document<DB: Flavor>(row: &DB::Row) -> BenchResult<Loaded>
where
    usize: sqlx::ColumnIndex<DB::Row>,
    for<'r> Option<Json<Value>>: sqlx::Decode<'r, DB> + sqlx::Type<DB>,
    for<'r> i64: sqlx::Decode<'r, DB> + sqlx::Type<DB>,
    for<'r> String: sqlx::Decode<'r, DB> + sqlx::Type<DB>,
    for<'r> Option<String>: sqlx::Decode<'r, DB> + sqlx::Type<DB>,
    for<'r> Option<DateTime<Utc>>: sqlx::Decode<'r, DB> + sqlx::Type<DB>,
    for<'r> DateTime<Utc>: sqlx::Decode<'r, DB> + sqlx::Type<DB>,
{
    let id = DB::read_id(row, 0)?;
    let doc_type: String = row.try_get(1)?;
    let _status: String = row.try_get(2)?;
    let draft: Option<Json<Value>> = row.try_get(3)?;
    let _published: Option<Json<Value>> = row.try_get(4)?;
    let _hash: Option<String> = row.try_get(5)?;
    let revision: i64 = row.try_get(6)?;
    let _created_by: Option<String> = row.try_get(7)?;
    let _updated_by: Option<String> = row.try_get(8)?;
    let _published_at: Option<DateTime<Utc>> = row.try_get(9)?;
    let _created_at: DateTime<Utc> = row.try_get(10)?;
    let _updated_at: DateTime<Utc> = row.try_get(11)?;
    let _version_count: i64 = row.try_get(12)?;
    let _organization_id: String = row.try_get(13)?;
    Ok(Loaded {
        id,
        doc_type,
        revision,
        data: draft.map_or(Value::Null, |j| j.0),
    })
}

/// A version row, decoded as the adapter decodes it.
fn version<DB: Flavor>(row: &DB::Row) -> BenchResult<i64>
where
    usize: sqlx::ColumnIndex<DB::Row>,
    for<'r> Json<Value>: sqlx::Decode<'r, DB> + sqlx::Type<DB>,
    for<'r> i64: sqlx::Decode<'r, DB> + sqlx::Type<DB>,
    for<'r> String: sqlx::Decode<'r, DB> + sqlx::Type<DB>,
    for<'r> Option<String>: sqlx::Decode<'r, DB> + sqlx::Type<DB>,
    for<'r> DateTime<Utc>: sqlx::Decode<'r, DB> + sqlx::Type<DB>,
{
    let _id = DB::read_id(row, 0)?;
    let _document_id = DB::read_id(row, 1)?;
    let number: i64 = row.try_get(2)?;
    let _event: String = row.try_get(3)?;
    let _data: Json<Value> = row.try_get(4)?;
    let _created_by: Option<String> = row.try_get(5)?;
    let _created_at: DateTime<Utc> = row.try_get(6)?;
    let _organization_id: String = row.try_get(7)?;
    Ok(number)
}

/// Snapshot + retention inside the write's transaction: the adapter's `snapshot`, statement
/// for statement (insert with the next number — in the organization, and only when the document
/// is the organization's: the `HAVING EXISTS` — then prune the organization's to the newest 25).
macro_rules! snapshot {
    // A new document's first snapshot: nothing to prune.
    (first: $self:ident, $tx:ident, $db:ident, $id:expr, $event:expr, $data:expr, $at:expr) => {{
        let row = sqlx::query($self.sent($db::SQL.insert_version))
            .bind($db::id(Uuid::new_v4()))
            .bind($db::id($id))
            .bind(0_i64)
            .bind(1_i64)
            .bind($event)
            .bind($data.to_string())
            .bind(None::<String>)
            .bind($db::ts($at))
            .bind(ORGANIZATION)
            .bind($db::id($id))
            .bind(1_i32)
            .bind($db::id($id))
            .bind(ORGANIZATION)
            .fetch_one(&mut *$tx)
            .await?;
        version::<$db>(&row)?;
    }};
    ($self:ident, $tx:ident, $db:ident, $id:expr, $event:expr, $data:expr, $at:expr) => {{
        snapshot!(first: $self, $tx, $db, $id, $event, $data, $at);
        sqlx::query($self.sent($db::SQL.prune_versions))
            .bind(ORGANIZATION)
            .bind($db::id($id))
            .bind($db::id($id))
            .bind(RETENTION)
            .execute(&mut *$tx)
            .await?;
    }};
}

/// The event the service appends with a write, in its transaction (`append_event`): the
/// stream's counter, the event (the document's summary as its data), its outbox entry.
macro_rules! event {
    ($self:ident, $tx:ident, $db:ident, $doc:expr, $kind:expr, $hash:expr, $at:expr) => {{
        let [counter, insert_event, insert_entry] =
            $db::SQL.append_event.ok_or("no separate event statements")?;
        let doc: &Loaded = $doc;
        let stream = format!("document:{}", doc.id);
        let hash: Option<String> = $hash;
        let status = if hash.is_some() { "published" } else { "draft" };
        let data = serde_json::json!({
            "id": doc.id, "type": doc.doc_type, "revision": doc.revision,
            "status": status, "publishedHash": hash,
        });
        let seq: i64 = sqlx::query($self.sent(counter))
            .bind(stream.clone())
            .bind(1_i64)
            .bind(1_i32)
            .fetch_one(&mut *$tx)
            .await?
            .try_get(1)?;
        let event_id = Uuid::now_v7();
        sqlx::query($self.sent(insert_event))
            .bind($db::id(event_id))
            .bind(ORGANIZATION)
            .bind(stream.clone())
            .bind(seq)
            .bind($kind)
            .bind(doc.id.to_string())
            .bind(None::<String>)
            .bind(data.to_string())
            .bind($db::ts($at))
            .execute(&mut *$tx)
            .await?;
        sqlx::query($self.sent(insert_entry))
            .bind($db::id(event_id))
            .bind(stream)
            .bind(seq)
            .bind($db::ts($at))
            .bind($db::ts($at))
            .execute(&mut *$tx)
            .await?;
    }};
}

/// What the publish service does before its write: read the document, look up its reference
/// targets' types (one statement), hash the draft. `$exec` is the pool or the transaction.
macro_rules! read_for_publish {
    ($self:ident, $exec:expr, $db:ident, $id:expr) => {{
        let row = sqlx::query($self.sent($db::SQL.select_document))
            .bind($db::id($id))
            .bind(ORGANIZATION)
            .bind(1_i64)
            .fetch_optional($exec)
            .await?
            .ok_or("not found")?;
        let current = document::<$db>(&row)?;
        let (ids, fields) = publish_targets(&current.data);
        if !ids.is_empty() {
            $self.statements.fetch_add(1, Ordering::Relaxed);
            let sql = format!(
                "{}{}",
                $db::SQL.select_documents_in,
                $db::placeholders(2, ids.len())
            );
            $self.logs.record("raw", || sql.clone());
            let mut query = sqlx::query(AssertSqlSafe(sql)).bind(ORGANIZATION);
            for id in &ids {
                query = query.bind($db::id(*id));
            }
            let rows = query.fetch_all($exec).await?;
            let found = rows
                .iter()
                .map(document::<$db>)
                .collect::<BenchResult<Vec<_>>>()?;
            check_targets(&fields, &found)?;
        }
        let hash = publish_hash(&current.data);
        (current, hash)
    }};
}

/// The adapter's default version retention.
const RETENTION: i64 = 25;

#[async_trait]
impl Target for RawSql {
    fn side(&self) -> &'static str {
        "raw"
    }

    async fn create(&self, doc: SeedDoc) -> BenchResult<i64> {
        let now = Utc::now();
        on_pool!(self, |pool, Db| {
            if let Some(sql) = Db::SQL.create_with_first_version {
                let row = sqlx::query(self.sent(sql))
                    .bind(Db::id(doc.id))
                    .bind(doc.doc_type)
                    .bind(doc.data.to_string())
                    .bind(None::<String>)
                    .bind(Db::ts(now))
                    .bind(Db::id(Uuid::new_v4()))
                    .bind(ORGANIZATION)
                    .bind(Db::references(&doc.data))
                    .bind(Db::id(Uuid::now_v7()))
                    .bind("document.created")
                    .fetch_one(pool)
                    .await?;
                return Ok(document::<Db>(&row)?.revision);
            }
            let mut tx = pool.begin_with(Db::SQL.begin).await?;
            let row = sqlx::query(self.sent(Db::SQL.insert_document))
                .bind(Db::id(doc.id))
                .bind(doc.doc_type)
                .bind("draft")
                .bind(doc.data.to_string())
                .bind(1_i64)
                .bind(None::<String>)
                .bind(None::<String>)
                .bind(Db::ts(now))
                .bind(Db::ts(now))
                .bind(1_i64)
                .bind(ORGANIZATION)
                .bind(Db::references(&doc.data))
                .fetch_one(&mut *tx)
                .await?;
            let created = document::<Db>(&row)?;
            snapshot!(first: self, tx, Db, doc.id, "draft", &created.data, now);
            event!(
                self,
                tx,
                Db,
                &created,
                "document.created",
                None::<String>,
                now
            );
            tx.commit().await?;
            Ok(created.revision)
        })
    }

    async fn find_by_id(&self, id: Uuid) -> BenchResult<Option<Loaded>> {
        on_pool!(self, |pool, Db| {
            let row = sqlx::query(self.sent(Db::SQL.select_document))
                .bind(Db::id(id))
                .bind(ORGANIZATION)
                .bind(1_i64)
                .fetch_optional(pool)
                .await?;
            row.as_ref().map(document::<Db>).transpose()
        })
    }

    async fn find_depth2(&self, id: Uuid) -> BenchResult<Option<Loaded>> {
        if let (RawPool::Postgres(pool), Some(sql)) = (&self.pool, POSTGRES.find_depth2) {
            let rows = sqlx::query(self.sent(sql))
                .bind(uuid_array(&[id]))
                .bind(uuid_array(&[]))
                .bind(i64::from(DEFAULT_MAX_RESOLVED) + 2)
                .bind(text_array(&[ORGANIZATION]))
                .fetch_all(pool)
                .await?;
            let rows = rows
                .iter()
                .map(document::<sqlx::Postgres>)
                .collect::<BenchResult<Vec<_>>>()?;
            return Ok(resolve_fetched(id, rows, 2));
        }
        let doc = self.find_by_id(id).await?;
        resolve(doc, 2, |ids| self.find_in(ids)).await
    }

    async fn find_many(&self) -> BenchResult<(Vec<Loaded>, u64)> {
        on_pool!(self, |pool, Db| {
            // The count and the page at once, on two pooled connections, as the adapter sends
            // them.
            let count = async {
                let row = Db::bind_find_many(sqlx::query(self.sent(Db::SQL.count_many)))
                    .fetch_one(pool)
                    .await?;
                Ok::<i64, crate::target::BoxError>(row.try_get(0)?)
            };
            let page = async {
                let rows = Db::bind_find_many(sqlx::query(self.sent(Db::SQL.select_many)))
                    .bind(20_i64)
                    .bind(0_i64)
                    .fetch_all(pool)
                    .await?;
                Ok::<_, crate::target::BoxError>(rows)
            };
            let (total, rows) = futures::future::try_join(count, page).await?;
            let docs = rows
                .iter()
                .map(document::<Db>)
                .collect::<BenchResult<Vec<_>>>()?;
            Ok((docs, u64::try_from(total)?))
        })
    }

    async fn update_draft(&self, id: Uuid, expected: i64, data: Value) -> BenchResult<i64> {
        let now = Utc::now();
        on_pool!(self, |pool, Db| {
            if let Some(sql) = Db::SQL.save_draft_with_snapshot {
                let row = sqlx::query(self.sent(sql))
                    .bind(data.to_string())
                    .bind(None::<String>)
                    .bind(Db::ts(now))
                    .bind(Db::id(id))
                    .bind(Some(expected))
                    .bind(Db::id(Uuid::new_v4()))
                    .bind(RETENTION)
                    .bind(ORGANIZATION)
                    .bind(Db::references(&data))
                    .bind(Db::id(Uuid::now_v7()))
                    .bind("document.draft_saved")
                    .fetch_optional(pool)
                    .await?
                    .ok_or("revision conflict")?;
                return Ok(document::<Db>(&row)?.revision);
            }
            let mut tx = pool.begin_with(Db::SQL.begin).await?;
            let row = sqlx::query(self.sent(Db::SQL.update_draft))
                .bind(data.to_string())
                .bind(Db::references(&data))
                .bind(None::<String>)
                .bind(Db::ts(now))
                .bind(1_i32)
                .bind(1_i32)
                .bind(Db::id(id))
                .bind(ORGANIZATION)
                .bind(expected)
                .fetch_optional(&mut *tx)
                .await?
                .ok_or("revision conflict")?;
            let updated = document::<Db>(&row)?;
            snapshot!(self, tx, Db, id, "draft", &updated.data, now);
            event!(
                self,
                tx,
                Db,
                &updated,
                "document.draft_saved",
                None::<String>,
                now
            );
            tx.commit().await?;
            Ok(updated.revision)
        })
    }

    async fn publish(&self, id: Uuid) -> BenchResult<i64> {
        let now = Utc::now();
        on_pool!(self, |pool, Db| {
            if let Some(sql) = Db::SQL.publish_with_snapshot {
                // The read and the target check, then one statement: no transaction.
                let (current, hash) = read_for_publish!(self, pool, Db, id);
                let row = sqlx::query(self.sent(sql))
                    .bind(current.data.to_string())
                    .bind(hash)
                    .bind(Db::ts(now))
                    .bind(None::<String>)
                    .bind(Db::id(id))
                    .bind(current.revision)
                    .bind(Db::id(Uuid::new_v4()))
                    .bind(RETENTION)
                    .bind(ORGANIZATION)
                    .bind(Db::references(&current.data))
                    .bind(Db::id(Uuid::now_v7()))
                    .bind("document.published")
                    .fetch_optional(pool)
                    .await?
                    .ok_or("revision conflict")?;
                return Ok(document::<Db>(&row)?.revision);
            }
            let mut tx = pool.begin_with(Db::SQL.begin).await?;
            let (current, hash) = read_for_publish!(self, &mut *tx, Db, id);
            let row = sqlx::query(self.sent(Db::SQL.publish))
                .bind("published")
                .bind(hash.clone())
                .bind(None::<String>)
                .bind(Db::ts(now))
                .bind(Db::ts(now))
                .bind(current.data.to_string())
                .bind(Db::references(&current.data))
                .bind(1_i32)
                .bind(Db::id(id))
                .bind(ORGANIZATION)
                .bind(current.revision)
                .fetch_optional(&mut *tx)
                .await?
                .ok_or("revision conflict")?;
            let published = document::<Db>(&row)?;
            snapshot!(self, tx, Db, id, "publish", &current.data, now);
            event!(
                self,
                tx,
                Db,
                &published,
                "document.published",
                Some(hash),
                now
            );
            tx.commit().await?;
            Ok(published.revision)
        })
    }

    async fn list(&self, spec: &ListSpec) -> BenchResult<ListAnswer> {
        let RawList::Sql(statements) = &spec.raw else {
            return Err("a SQL side got a MongoDB list".into());
        };
        let mut answer = ListAnswer {
            ids: Vec::new(),
            total: None,
        };
        // The count and the page at once, on two pooled connections, as the adapter sends them.
        let runs = statements.iter().map(|stmt| async move {
            self.statements.fetch_add(1, Ordering::Relaxed);
            self.logs.record("raw", || stmt.sql.clone());
            on_pool!(self, |pool, Db| {
                let mut query = sqlx::query(AssertSqlSafe(stmt.sql.clone()));
                for value in stmt.values.iter().flat_map(|v| v.0.iter()) {
                    query = Db::bind_value(query, value)?;
                }
                if stmt.sql.starts_with("SELECT COUNT(*)") {
                    let total: i64 = query.fetch_one(pool).await?.try_get(0)?;
                    Ok::<_, crate::target::BoxError>((Some(u64::try_from(total)?), Vec::new()))
                } else {
                    let rows = query.fetch_all(pool).await?;
                    let ids = rows
                        .iter()
                        .take(spec.limit)
                        .map(|row| Ok(document::<Db>(row)?.id))
                        .collect::<BenchResult<Vec<_>>>()?;
                    Ok((None, ids))
                }
            })
        });
        for (total, ids) in futures::future::try_join_all(runs).await? {
            answer.total = answer.total.or(total);
            answer.ids.extend(ids);
        }
        Ok(answer)
    }

    async fn settle(&self) -> BenchResult<()> {
        for stmt in self.settle {
            on_pool!(self, |pool, Db| {
                sqlx::query::<Db>(AssertSqlSafe(*stmt))
                    .execute(pool)
                    .await?;
            });
        }
        Ok(())
    }

    fn statements(&self) -> u64 {
        self.statements.load(Ordering::Relaxed)
    }
}

//! The reference index: for each document and perspective, the ids its data there refers to
//! (documents, and assets through an image's `asset`) — `where` reaches it as `_references`.
//!
//! It lives **in the document's own row**, so that every write sets it in the same statement
//! as the data it derives from, and concurrent writers of one document are serialised by the
//! row like the data is:
//!
//! - `cms_documents.draft_references` and `published_references`: `uuid[]` with GIN indexes on
//!   PostgreSQL; a JSON array of ids (`text`) on SQLite.
//! - SQLite has no index on array elements, so triggers mirror the two columns into
//!   `cms_document_references` (`source_id`, `perspective`, `target_id`; keyed, and indexed by
//!   target) within the writing statement itself.
//!
//! Existing documents are indexed here from their stored data, with the same extraction the
//! stores use (`aphex_core::service::reference_ids`).

use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::{DbBackend, Statement, Value};

#[derive(DeriveMigrationName)]
pub struct Migration;

const PG_UP: [&str; 3] = [
    r#"ALTER TABLE "cms_documents" ADD COLUMN "draft_references" uuid[] NOT NULL DEFAULT '{}', ADD COLUMN "published_references" uuid[] NOT NULL DEFAULT '{}'"#,
    r#"CREATE INDEX "cms_documents_draft_references_gin" ON "cms_documents" USING gin ("draft_references")"#,
    r#"CREATE INDEX "cms_documents_published_references_gin" ON "cms_documents" USING gin ("published_references")"#,
];

const PG_DOWN: &str = r#"ALTER TABLE "cms_documents" DROP COLUMN "draft_references", DROP COLUMN "published_references""#;

const SQLITE_UP: [&str; 7] = [
    r#"ALTER TABLE "cms_documents" ADD COLUMN "draft_references" text NOT NULL DEFAULT '[]'"#,
    r#"ALTER TABLE "cms_documents" ADD COLUMN "published_references" text NOT NULL DEFAULT '[]'"#,
    r#"CREATE TABLE "cms_document_references" ("source_id" text NOT NULL REFERENCES "cms_documents" ("id") ON DELETE CASCADE, "perspective" text NOT NULL, "target_id" text NOT NULL, PRIMARY KEY ("source_id", "perspective", "target_id")) WITHOUT ROWID"#,
    r#"CREATE INDEX "cms_document_references_target_idx" ON "cms_document_references" ("target_id", "perspective")"#,
    r#"CREATE TRIGGER "cms_documents_references_inserted" AFTER INSERT ON "cms_documents" BEGIN
        INSERT OR IGNORE INTO "cms_document_references" SELECT NEW."id", 'draft', "value" FROM json_each(NEW."draft_references");
        INSERT OR IGNORE INTO "cms_document_references" SELECT NEW."id", 'published', "value" FROM json_each(NEW."published_references");
    END"#,
    r#"CREATE TRIGGER "cms_documents_draft_references_updated" AFTER UPDATE OF "draft_references" ON "cms_documents" BEGIN
        DELETE FROM "cms_document_references" WHERE "source_id" = OLD."id" AND "perspective" = 'draft';
        INSERT OR IGNORE INTO "cms_document_references" SELECT NEW."id", 'draft', "value" FROM json_each(NEW."draft_references");
    END"#,
    r#"CREATE TRIGGER "cms_documents_published_references_updated" AFTER UPDATE OF "published_references" ON "cms_documents" BEGIN
        DELETE FROM "cms_document_references" WHERE "source_id" = OLD."id" AND "perspective" = 'published';
        INSERT OR IGNORE INTO "cms_document_references" SELECT NEW."id", 'published', "value" FROM json_each(NEW."published_references");
    END"#,
];

const SQLITE_DOWN: [&str; 6] = [
    r#"DROP TRIGGER IF EXISTS "cms_documents_references_inserted""#,
    r#"DROP TRIGGER IF EXISTS "cms_documents_draft_references_updated""#,
    r#"DROP TRIGGER IF EXISTS "cms_documents_published_references_updated""#,
    r#"DROP TABLE IF EXISTS "cms_document_references""#,
    r#"ALTER TABLE "cms_documents" DROP COLUMN "draft_references""#,
    r#"ALTER TABLE "cms_documents" DROP COLUMN "published_references""#,
];

/// Documents read per statement.
const BATCH: u64 = 500;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let db = manager.get_connection();
        let statements: &[&str] = match manager.get_database_backend() {
            DbBackend::Postgres => &PG_UP,
            _ => &SQLITE_UP,
        };
        for statement in statements {
            db.execute_unprepared(statement).await?;
        }
        index_existing_documents(manager).await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let db = manager.get_connection();
        let statements: &[&str] = match manager.get_database_backend() {
            DbBackend::Postgres => &[PG_DOWN],
            _ => &SQLITE_DOWN,
        };
        for statement in statements {
            db.execute_unprepared(statement).await?;
        }
        Ok(())
    }
}

/// Sets both reference columns of every document stored before they existed.
async fn index_existing_documents(manager: &SchemaManager<'_>) -> Result<(), DbErr> {
    let db = manager.get_connection();
    let backend = manager.get_database_backend();
    let pg = backend == DbBackend::Postgres;
    let (select, update) = if pg {
        (
            r#"SELECT CAST("id" AS text) AS "id", CAST("draft_data" AS text) AS "draft", CAST("published_data" AS text) AS "published" FROM "cms_documents" WHERE CAST("id" AS text) > $1 ORDER BY CAST("id" AS text) LIMIT $2"#,
            r#"UPDATE "cms_documents" SET "draft_references" = CAST($2 AS uuid[]), "published_references" = CAST($3 AS uuid[]) WHERE "id" = CAST($1 AS uuid)"#,
        )
    } else {
        (
            r#"SELECT "id", "draft_data" AS "draft", "published_data" AS "published" FROM "cms_documents" WHERE "id" > ? ORDER BY "id" LIMIT ?"#,
            r#"UPDATE "cms_documents" SET "draft_references" = ?2, "published_references" = ?3 WHERE "id" = ?1"#,
        )
    };
    let mut after = String::new();
    loop {
        let rows = db
            .query_all_raw(Statement::from_sql_and_values(
                backend,
                select,
                [after.clone().into(), BATCH.into()],
            ))
            .await?;
        let Some(last) = rows.last() else {
            return Ok(());
        };
        after = last.try_get::<String>("", "id")?;
        for row in &rows {
            let id: String = row.try_get("", "id")?;
            let mut lists = Vec::with_capacity(2);
            for column in ["draft", "published"] {
                let ids = match row.try_get::<Option<String>>("", column)? {
                    Some(text) => {
                        let data: serde_json::Value = serde_json::from_str(&text)
                            .map_err(|e| DbErr::Migration(format!("document {id}: {e}")))?;
                        aphex_core::service::reference_ids(&data)
                    }
                    None => Vec::new(),
                };
                lists.push(ids);
            }
            if lists.iter().all(Vec::is_empty) {
                continue;
            }
            let list = |ids: &[uuid::Uuid]| -> Value {
                let items: Vec<String> = ids.iter().map(ToString::to_string).collect();
                if pg {
                    format!("{{{}}}", items.join(",")).into()
                } else {
                    serde_json::Value::from(items).to_string().into()
                }
            };
            db.execute_raw(Statement::from_sql_and_values(
                backend,
                update,
                [id.clone().into(), list(&lists[0]), list(&lists[1])],
            ))
            .await?;
        }
    }
}

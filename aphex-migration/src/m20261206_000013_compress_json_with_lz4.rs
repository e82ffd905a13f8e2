//! PostgreSQL: the JSON columns of documents and their versions compress with LZ4 instead of
//! the default pglz. A document of a few KB is stored compressed, and every expression that
//! reads it in a query — a `where` path, a sort key, an index build — decompresses it again;
//! LZ4 decompresses several times faster, which a filter over thousands of documents feels
//! directly. Applies to values written from now on (existing ones keep pglz until rewritten),
//! and only where the server was built with LZ4 (PostgreSQL 14+ lists it among the
//! `default_toast_compression` values); elsewhere, and on SQLite, nothing changes.

use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::{DbBackend, Statement};

#[derive(DeriveMigrationName)]
pub struct Migration;

const COLUMNS: [(&str, &str); 3] = [
    ("cms_documents", "draft_data"),
    ("cms_documents", "published_data"),
    ("cms_document_versions", "data"),
];

async fn lz4_available(manager: &SchemaManager<'_>) -> Result<bool, DbErr> {
    let row = manager
        .get_connection()
        .query_one_raw(Statement::from_string(
            DbBackend::Postgres,
            "SELECT 1 FROM pg_settings WHERE name = 'default_toast_compression' \
             AND 'lz4' = ANY(enumvals)",
        ))
        .await?;
    Ok(row.is_some())
}

async fn set_compression(manager: &SchemaManager<'_>, method: &str) -> Result<(), DbErr> {
    if manager.get_database_backend() != DbBackend::Postgres || !lz4_available(manager).await? {
        return Ok(());
    }
    for (table, column) in COLUMNS {
        manager
            .get_connection()
            .execute_unprepared(&format!(
                "ALTER TABLE \"{table}\" ALTER COLUMN \"{column}\" SET COMPRESSION {method}"
            ))
            .await?;
    }
    Ok(())
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        set_compression(manager, "lz4").await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        set_compression(manager, "pglz").await
    }
}

//! Driver errors → [`aphex_core::Error`]: unique violations (PostgreSQL 23505, SQLite
//! `SQLITE_CONSTRAINT_UNIQUE`, classified by SeaORM's portable `sql_err`) become
//! [`Error::Conflict`]; everything else is [`Error::Backend`].

use sea_orm::{DbErr, SqlErr};

use aphex_core::Error;

use crate::dialect::Dialect;

/// Maps a SeaORM error for a write to `entity`.
pub(crate) fn map_db_err(dialect: Dialect, entity: &'static str, err: DbErr) -> Error {
    match err.sql_err() {
        Some(SqlErr::UniqueConstraintViolation(constraint)) => {
            Error::Conflict { entity, constraint }
        }
        Some(SqlErr::ForeignKeyConstraintViolation(constraint)) => Error::NotFound {
            entity: "referenced row",
            id: format!("{entity}: {constraint}"),
        },
        _ => Error::backend(dialect.name(), err),
    }
}

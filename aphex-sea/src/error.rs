//! Driver errors → [`aphex_core::Error`], classified once for both SQL dialects:
//!
//! - transient failures become [`Error::Unavailable`] (retryable): pool acquire timeout, a
//!   connection that was lost or could not be opened, PostgreSQL serialization failure
//!   (`40001`) and deadlock (`40P01`) — both abort the transaction —, server shutdown and
//!   "cannot connect now" (`57P0x`), too many connections (`53300`), SQLite busy or locked
//!   after the busy timeout (`SQLITE_BUSY`, `SQLITE_LOCKED` and their extended codes), a full
//!   disk (`SQLITE_FULL`, PostgreSQL `53100`) and a read-only database (`SQLITE_READONLY`,
//!   PostgreSQL `25006`);
//! - unique violations (PostgreSQL `23505`, SQLite `SQLITE_CONSTRAINT_UNIQUE`/`_PRIMARYKEY`,
//!   classified by SeaORM's portable `sql_err`) become [`Error::Conflict`] naming the key as
//!   `<table>.<column>[,<column>]`, the same name MongoDB reports;
//! - foreign-key violations become [`Error::NotFound`] of the referenced row;
//! - everything else is [`Error::Backend`].

use std::ops::Deref;

use sea_orm::sqlx;
use sea_orm::{ConnAcquireErr, DbErr, RuntimeErr, SqlErr};

use aphex_core::schema::FieldIndex;
use aphex_core::{Error, Transient};

use crate::dialect::Dialect;

/// Maps a SeaORM error of an operation on `entity` (used by the backend crates for connecting
/// too).
pub fn map_db_err(dialect: Dialect, entity: &'static str, err: DbErr) -> Error {
    if let Some(transient) = transient(dialect, &err) {
        return Error::unavailable(dialect.name(), transient, err);
    }
    match err.sql_err() {
        Some(SqlErr::UniqueConstraintViolation(message)) => Error::Conflict {
            entity,
            constraint: database_error(&err)
                .and_then(|e| unique_key(dialect, e))
                .unwrap_or(message),
        },
        Some(SqlErr::ForeignKeyConstraintViolation(constraint)) => Error::NotFound {
            entity: "referenced row",
            id: format!("{entity}: {constraint}"),
        },
        _ => Error::backend(dialect.name(), err),
    }
}

/// The error the database itself returned, if it was one.
fn database_error(err: &DbErr) -> Option<&dyn sqlx::error::DatabaseError> {
    match sqlx_error(err)? {
        sqlx::Error::Database(e) => Some(e.as_ref()),
        _ => None,
    }
}

fn sqlx_error(err: &DbErr) -> Option<&sqlx::Error> {
    match err {
        DbErr::Conn(RuntimeErr::SqlxError(e))
        | DbErr::Exec(RuntimeErr::SqlxError(e))
        | DbErr::Query(RuntimeErr::SqlxError(e)) => Some(e.deref()),
        _ => None,
    }
}

/// The transient condition behind `err`, if it is one.
fn transient(dialect: Dialect, err: &DbErr) -> Option<Transient> {
    match err {
        DbErr::ConnectionAcquire(ConnAcquireErr::Timeout) => return Some(Transient::PoolTimeout),
        DbErr::ConnectionAcquire(ConnAcquireErr::ConnectionClosed) => {
            return Some(Transient::ConnectionLost);
        }
        _ => {}
    }
    match sqlx_error(err)? {
        sqlx::Error::PoolTimedOut => Some(Transient::PoolTimeout),
        sqlx::Error::Io(_) | sqlx::Error::PoolClosed | sqlx::Error::WorkerCrashed => {
            Some(Transient::ConnectionLost)
        }
        sqlx::Error::Database(e) => {
            let code = e.code()?;
            match dialect {
                Dialect::Postgres => postgres_transient(&code),
                Dialect::Sqlite => sqlite_transient(&code),
            }
        }
        _ => None,
    }
}

/// PostgreSQL SQLSTATEs that are worth trying again.
fn postgres_transient(sqlstate: &str) -> Option<Transient> {
    match sqlstate {
        // serialization_failure, deadlock_detected: the transaction was rolled back.
        "40001" | "40P01" => Some(Transient::TransactionAborted),
        // admin_shutdown, crash_shutdown, cannot_connect_now, too_many_connections, and the
        // connection_exception class.
        "57P01" | "57P02" | "57P03" | "53300" => Some(Transient::ConnectionLost),
        // disk_full; read_only_sql_transaction (a hot standby, default_transaction_read_only).
        "53100" => Some(Transient::StorageFull),
        "25006" => Some(Transient::ReadOnly),
        s if s.starts_with("08") => Some(Transient::ConnectionLost),
        _ => None,
    }
}

/// SQLite (extended) result codes that are worth trying again — `SQLITE_BUSY` (5) and
/// `SQLITE_LOCKED` (6), `SQLITE_READONLY` (8), `SQLITE_FULL` (13) — whose extended codes keep
/// the primary code in their low byte.
fn sqlite_transient(code: &str) -> Option<Transient> {
    let code: i64 = code.parse().ok()?;
    match code & 0xff {
        5 | 6 => Some(Transient::Busy),
        8 => Some(Transient::ReadOnly),
        13 => Some(Transient::StorageFull),
        _ => None,
    }
}

/// The violated key as `<table>.<column>[,<column>]`, or the name of the field index (which
/// the document service turns into the field's name).
fn unique_key(dialect: Dialect, e: &dyn sqlx::error::DatabaseError) -> Option<String> {
    match dialect {
        // "UNIQUE constraint failed: index 'cms_ux_…'" (an index on expressions)
        Dialect::Sqlite if e.message().contains("failed: index '") => {
            let name = e.message().split_once("failed: index '")?.1;
            Some(name.split_once('\'')?.0.to_owned())
        }
        // "UNIQUE constraint failed: cms_document_versions.document_id,
        // cms_document_versions.version_number"
        Dialect::Sqlite => {
            let columns = e.message().split_once("constraint failed: ")?.1;
            let mut table = None;
            let mut names = Vec::new();
            for qualified in columns.split(',') {
                let (t, column) = qualified.trim().split_once('.')?;
                table.get_or_insert(t);
                names.push(column);
            }
            Some(format!("{}.{}", table?, names.join(",")))
        }
        Dialect::Postgres => postgres_key(e.table()?, e.constraint()?),
    }
}

/// PostgreSQL names a table's primary key `<table>_pkey` and a unique column's constraint
/// `<table>_<column>_key`; composite keys of this schema are spelled out.
fn postgres_key(table: &str, constraint: &str) -> Option<String> {
    if FieldIndex::is_managed(constraint) {
        return Some(constraint.to_owned());
    }
    const COMPOSITE: &[(&str, &str)] = &[(
        "cms_document_versions_document_id_version_number_key",
        "cms_document_versions.document_id,version_number",
    )];
    if let Some((_, key)) = COMPOSITE.iter().find(|(name, _)| *name == constraint) {
        return Some((*key).to_owned());
    }
    let rest = constraint.strip_prefix(table)?.strip_prefix('_')?;
    if rest == "pkey" {
        let pk = if table == "cms_user_profiles" {
            "user_id"
        } else {
            "id"
        };
        return Some(format!("{table}.{pk}"));
    }
    Some(format!(
        "{table}.{}",
        rest.strip_suffix("_key").unwrap_or(rest)
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn postgres_constraint_names_become_portable_keys() {
        let key = |t, c| postgres_key(t, c).expect("a key");
        assert_eq!(key("user", "user_email_key"), "user.email");
        assert_eq!(
            key("cms_documents", "cms_documents_pkey"),
            "cms_documents.id"
        );
        assert_eq!(
            key("cms_user_profiles", "cms_user_profiles_pkey"),
            "cms_user_profiles.user_id"
        );
        assert_eq!(
            key(
                "cms_document_versions",
                "cms_document_versions_document_id_version_number_key"
            ),
            "cms_document_versions.document_id,version_number"
        );
    }

    #[test]
    fn transient_codes_are_recognised() {
        assert_eq!(
            postgres_transient("40001"),
            Some(Transient::TransactionAborted)
        );
        assert_eq!(postgres_transient("08006"), Some(Transient::ConnectionLost));
        assert_eq!(postgres_transient("23505"), None);
        assert_eq!(sqlite_transient("5"), Some(Transient::Busy));
        assert_eq!(sqlite_transient("517"), Some(Transient::Busy));
        assert_eq!(sqlite_transient("262"), Some(Transient::Busy));
        assert_eq!(sqlite_transient("13"), Some(Transient::StorageFull));
        // SQLITE_READONLY_DBMOVED
        assert_eq!(sqlite_transient("1032"), Some(Transient::ReadOnly));
        assert_eq!(postgres_transient("53100"), Some(Transient::StorageFull));
        assert_eq!(postgres_transient("25006"), Some(Transient::ReadOnly));
        assert_eq!(sqlite_transient("2067"), None);
    }
}

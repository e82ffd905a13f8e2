//! PostgreSQL row-level security, opt-in ([`SeaAdapter::row_level_security`]): policies on
//! every content table (`cms_documents`, `cms_document_versions`, `cms_assets`) admit only the
//! rows of the organizations named by the transaction's settings `aphex.organizations` (a
//! `text[]`: what reads see) and `aphex.organization` (what writes write), so even a query that
//! forgot its scope — the adapter's or one written by hand on the application's role — sees no
//! other organization's rows. A transaction without the settings sees no content at all.
//!
//! With it on, every content call sets both for its scope: inside a transaction (a unit of
//! work, `Cms::join`) with one more statement; outside one, in a transaction of its own
//! (`BEGIN`, the settings, the call, `COMMIT`). `aphex-bench --rls` measures what that costs.

use sea_orm::{ConnectionTrait, DatabaseTransaction, Statement};

use aphex_core::{Error, Result, Scope};

use super::SeaStore;
use crate::conn::Begin;
use crate::dialect::Dialect;

/// Whether a store applies row-level security.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Rls {
    /// Off (the default; SQLite always).
    Off,
    /// On: every content call sets its scope first.
    On,
    /// On, and this store is the transaction a call was given, its scope already set.
    Entered,
}

/// The content tables the policies guard.
const TABLES: [&str; 3] = ["cms_documents", "cms_document_versions", "cms_assets"];

/// The policy's name on each table.
const POLICY: &str = "aphex_organization";

/// A PostgreSQL `text[]` literal of `items` (each quoted and escaped).
pub(crate) fn pg_text_array(items: &[String]) -> String {
    let items: Vec<String> = items
        .iter()
        .map(|s| format!("\"{}\"", s.replace('\\', "\\\\").replace('"', "\\\"")))
        .collect();
    format!("{{{}}}", items.join(","))
}

/// Runs `$store.$call($scope, args…)` in a transaction of its own with the scope set, and
/// returns from the calling method, when row-level security asks for it; otherwise (off, or
/// already in a transaction whose scope it just set) falls through to the method's own code.
macro_rules! in_rls_scope {
    ($store:ident, $scope:ident, $call:ident($($arg:expr),* $(,)?)) => {
        if let Some(tx) = $store.rls_enter($scope).await? {
            let result = tx.$call($scope, $($arg),*).await;
            return tx.finish(result).await;
        }
    };
}
pub(crate) use in_rls_scope;

impl<C: ConnectionTrait + Send + Sync, B> SeaStore<C, B>
where
    crate::conn::SeaConnection<C>: Begin,
{
    /// Before a content call: nothing when row-level security is off or already set; the
    /// scope set on this transaction when in one; else a transaction of its own, scope set,
    /// for the call to run in (finish it with [`finish`](SeaStore::finish)).
    pub(crate) async fn rls_enter(
        &self,
        scope: &Scope,
    ) -> Result<Option<SeaStore<DatabaseTransaction, B>>> {
        match self.rls {
            Rls::Off | Rls::Entered => Ok(None),
            Rls::On if self.conn.in_transaction => {
                set_scope(&self.conn, scope)
                    .await
                    .map_err(self.err("row-level security"))?;
                Ok(None)
            }
            Rls::On => {
                let tx = self
                    .conn
                    .begin_transaction()
                    .await
                    .map_err(self.err("transaction"))?;
                set_scope(&tx, scope)
                    .await
                    .map_err(self.err("row-level security"))?;
                Ok(Some(SeaStore::over(tx, Rls::Entered)))
            }
        }
    }
}

impl<B> SeaStore<DatabaseTransaction, B> {
    /// Commits the call's own transaction on `Ok`, rolls it back on `Err`.
    pub(crate) async fn finish<T>(self, result: Result<T>) -> Result<T> {
        let dialect = self.conn.dialect;
        match result {
            Ok(value) => {
                self.conn
                    .commit()
                    .await
                    .map_err(|e| crate::error::map_db_err(dialect, "transaction", e))?;
                Ok(value)
            }
            Err(e) => {
                if let Err(rollback) = self.conn.rollback().await {
                    tracing::warn!(error = %rollback, "rollback failed after {e}");
                }
                Err(e)
            }
        }
    }
}

/// `set_config` of both settings, local to the transaction.
async fn set_scope<C: ConnectionTrait>(
    conn: &C,
    scope: &Scope,
) -> std::result::Result<(), sea_orm::DbErr> {
    conn.execute_raw(Statement::from_sql_and_values(
        conn.get_database_backend(),
        "SELECT set_config('aphex.organizations', $1, true), set_config('aphex.organization', $2, true)",
        [
            pg_text_array(scope.visible()).into(),
            scope.organization().into(),
        ],
    ))
    .await
    .map(drop)
}

/// The DDL that turns the policies on (idempotent): RLS enabled and forced (so the tables'
/// owner — usually the application's role — is bound too) on every content table, with one
/// policy each.
pub(crate) fn enable_statements() -> Vec<String> {
    TABLES
        .iter()
        .flat_map(|t| {
            [
                format!(r#"ALTER TABLE "{t}" ENABLE ROW LEVEL SECURITY"#),
                format!(r#"ALTER TABLE "{t}" FORCE ROW LEVEL SECURITY"#),
                format!(r#"DROP POLICY IF EXISTS "{POLICY}" ON "{t}""#),
                format!(
                    r#"CREATE POLICY "{POLICY}" ON "{t}" USING ("organization_id" = ANY (CAST(NULLIF(current_setting('aphex.organizations', true), '') AS text[]))) WITH CHECK ("organization_id" = current_setting('aphex.organization', true))"#
                ),
            ]
        })
        .collect()
}

/// The DDL that turns them off again (idempotent).
pub(crate) fn disable_statements() -> Vec<String> {
    TABLES
        .iter()
        .flat_map(|t| {
            [
                format!(r#"DROP POLICY IF EXISTS "{POLICY}" ON "{t}""#),
                format!(r#"ALTER TABLE "{t}" NO FORCE ROW LEVEL SECURITY"#),
                format!(r#"ALTER TABLE "{t}" DISABLE ROW LEVEL SECURITY"#),
            ]
        })
        .collect()
}

/// Refuses row-level security on a backend without it.
pub(crate) fn postgres_only(dialect: Dialect) -> Result<()> {
    if dialect == Dialect::Postgres {
        Ok(())
    } else {
        Err(Error::Unsupported {
            backend: dialect.name(),
            operation: "row-level security",
        })
    }
}

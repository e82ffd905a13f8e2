//! A throwaway PostgreSQL database per test, on the server `APHEX_TEST_POSTGRES_URL` points at
//! (`./scripts/test.sh` starts one). The database is dropped when the guard is dropped — also
//! when the test panics.

#![allow(dead_code)]

use aphex_conformance::with_database;
use aphex_migration::{Migrator, MigratorTrait};
use aphex_pg::PostgresAdapter;
use sea_orm::{ConnectionTrait, Database, DatabaseConnection};

pub const URL_VAR: &str = "APHEX_TEST_POSTGRES_URL";

/// A database that exists for the lifetime of this value.
pub struct PgTestDb {
    admin_url: String,
    pub name: String,
    pub url: String,
}

impl PgTestDb {
    /// Creates an empty database, or `None` when no server is configured (outside CI).
    pub async fn create() -> Option<PgTestDb> {
        let admin_url = aphex_conformance::require_backend(URL_VAR)?;
        let name = format!("aphex_t_{}", uuid::Uuid::new_v4().simple());
        let admin = Database::connect(&admin_url)
            .await
            .expect("connect to the PostgreSQL test server");
        admin
            .execute_unprepared(&format!("CREATE DATABASE \"{name}\""))
            .await
            .expect("create a test database");
        admin.close().await.expect("close admin connection");
        let url = with_database(&admin_url, &name);
        Some(PgTestDb {
            admin_url,
            name,
            url,
        })
    }

    /// A plain SeaORM connection to this database.
    pub async fn connect(&self) -> DatabaseConnection {
        Database::connect(&self.url)
            .await
            .expect("connect to the test database")
    }

    /// An adapter on this database with the schema migrated.
    pub async fn migrated_adapter(&self) -> PostgresAdapter {
        let adapter = PostgresAdapter::connect(&self.url)
            .await
            .expect("connect adapter");
        Migrator::up(adapter.connection(), None)
            .await
            .expect("migrate");
        adapter
    }
}

impl Drop for PgTestDb {
    fn drop(&mut self) {
        let admin_url = self.admin_url.clone();
        let sql = format!("DROP DATABASE IF EXISTS \"{}\" WITH (FORCE)", self.name);
        // Drop runs inside the test's runtime; do the async work on a thread of its own.
        let dropped = std::thread::spawn(move || {
            let rt = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .map_err(|e| e.to_string())?;
            rt.block_on(async {
                let admin = Database::connect(&admin_url)
                    .await
                    .map_err(|e| e.to_string())?;
                admin
                    .execute_unprepared(&sql)
                    .await
                    .map_err(|e| e.to_string())?;
                admin.close().await.map_err(|e| e.to_string())
            })
        })
        .join();
        if !matches!(dropped, Ok(Ok(()))) {
            eprintln!(
                "warning: could not drop test database {}: {dropped:?}",
                self.name
            );
        }
    }
}

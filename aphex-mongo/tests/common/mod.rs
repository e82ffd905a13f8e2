//! A throwaway MongoDB database per test on the server `APHEX_TEST_MONGODB_URL` points at
//! (`./scripts/test.sh` starts the wire-protocol test server). Dropped when the guard is dropped.

#![allow(dead_code)]

use aphex_mongo::MongoAdapter;
use mongodb::Client;

pub const URL_VAR: &str = "APHEX_TEST_MONGODB_URL";

/// A database name reserved for one test.
pub struct MongoTestDb {
    pub url: String,
    pub name: String,
}

impl MongoTestDb {
    /// A fresh database name, or `None` when no server is configured (outside CI).
    pub fn create() -> Option<MongoTestDb> {
        let url = aphex_conformance::require_backend(URL_VAR)?;
        let name = format!("aphex_t_{}", uuid::Uuid::new_v4().simple());
        Some(MongoTestDb { url, name })
    }

    /// The server URL with this database as its path (`mongodb://host:port/<name>`).
    pub fn url_with_database(&self) -> String {
        aphex_conformance::with_database(&self.url, &self.name)
    }

    /// An adapter on this database, collections and indexes created.
    pub async fn adapter(&self) -> MongoAdapter {
        let adapter = MongoAdapter::connect(&self.url, &self.name)
            .await
            .expect("connect to the MongoDB test server");
        adapter.ensure_schema().await.expect("ensure_schema");
        adapter
    }
}

impl Drop for MongoTestDb {
    fn drop(&mut self) {
        let url = self.url.clone();
        let name = self.name.clone();
        let dropped = std::thread::spawn(move || {
            let rt = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .map_err(|e| e.to_string())?;
            rt.block_on(async {
                let client = Client::with_uri_str(&url)
                    .await
                    .map_err(|e| e.to_string())?;
                client
                    .database(&name)
                    .drop()
                    .await
                    .map_err(|e| e.to_string())
            })
        })
        .join();
        if !matches!(dropped, Ok(Ok(()))) {
            eprintln!(
                "warning: could not drop test database {name}: {dropped:?}",
                name = self.name
            );
        }
    }
}

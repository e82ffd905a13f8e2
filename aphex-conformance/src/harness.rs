//! The per-test database handle.

use std::any::Any;
use std::sync::Arc;

use aphex_core::Cms;
use aphex_core::ports::DatabaseAdapter;

use crate::fixtures;

/// A fresh, migrated, empty database for one test. Dropping it drops whatever `guard` owns (a
/// temp directory, a per-test PostgreSQL database, a MongoDB database).
pub struct TestDb {
    /// The adapter under test.
    pub adapter: Arc<dyn DatabaseAdapter>,
    _guard: Box<dyn Any + Send + Sync>,
}

impl TestDb {
    /// Wraps an adapter and the guard that cleans up after it.
    pub fn new(adapter: impl DatabaseAdapter, guard: impl Any + Send + Sync) -> Self {
        TestDb {
            adapter: Arc::new(adapter),
            _guard: Box::new(guard),
        }
    }

    /// A [`Cms`] over this database with the fixture schema types ([`fixtures::schema_types`]).
    pub async fn cms(&self) -> Cms {
        self.cms_with(
            fixtures::schema_types(),
            aphex_core::service::VersionRetention::default(),
        )
        .await
    }

    /// A [`Cms`] with other schema types or version retention.
    pub async fn cms_with(
        &self,
        types: Vec<aphex_core::schema::SchemaTypeDef>,
        retention: aphex_core::service::VersionRetention,
    ) -> Cms {
        Cms::builder()
            .database(self.adapter.clone())
            .schema_types(types)
            .version_retention(retention)
            .build()
            .await
            .expect("building the CMS over the test database")
    }

    /// A [`Cms`] with authentication enabled ([`fixtures::AUTH_SECRET`], Better Auth defaults).
    pub async fn cms_with_auth(&self) -> Cms {
        Cms::builder()
            .database(self.adapter.clone())
            .schema_types(fixtures::schema_types())
            .auth(aphex_core::service::AuthConfig::new(fixtures::AUTH_SECRET))
            .build()
            .await
            .expect("building the CMS with auth over the test database")
    }

    /// Statements sent so far (see [`DatabaseAdapter::statement_count`]).
    pub fn statements(&self) -> u64 {
        self.adapter.statement_count()
    }
}

/// Reads the connection URL of a backend's test server from `env_var`.
///
/// Returns `None` when it is not set, marking the running test skipped (the [`Suite`](crate::Suite)
/// runner reports it `ignored`, with this reason), and panics when it is not set and `CI=true`:
/// in CI a missing backend is a failure, never a skip.
pub fn require_backend(env_var: &str) -> Option<String> {
    match std::env::var(env_var) {
        Ok(url) if !url.is_empty() => Some(url),
        _ if std::env::var("CI").is_ok_and(|v| v == "true") => {
            panic!("{env_var} is not set and CI=true: the backend must be available in CI")
        }
        _ => {
            crate::skip(format!(
                "{env_var} is not set; ./scripts/test.sh starts the server"
            ));
            None
        }
    }
}

/// `url` with its database name (the path) replaced by `db`; the query string is kept. Test
/// servers are shared, so every test makes its own database and connects to it this way.
pub fn with_database(url: &str, db: &str) -> String {
    let (base, query) = match url.split_once('?') {
        Some((b, q)) => (b, Some(q)),
        None => (url, None),
    };
    let authority_end = base
        .find("://")
        .map(|i| i + 3)
        .and_then(|start| base[start..].find('/').map(|j| start + j))
        .unwrap_or(base.len());
    let mut out = format!("{}/{db}", &base[..authority_end]);
    if let Some(q) = query {
        out.push('?');
        out.push_str(q);
    }
    out
}

#[cfg(test)]
mod url_tests {
    use super::with_database;

    #[test]
    fn database_names_are_replaced_in_urls() {
        assert_eq!(
            with_database("postgres://u@h:5/postgres", "x"),
            "postgres://u@h:5/x"
        );
        assert_eq!(with_database("postgres://u@h:5", "x"), "postgres://u@h:5/x");
        assert_eq!(with_database("mongodb://h:5/", "x"), "mongodb://h:5/x");
        assert_eq!(with_database("mongodb://h:5", "x"), "mongodb://h:5/x");
        assert_eq!(
            with_database("postgres://u@h/db?sslmode=disable", "x"),
            "postgres://u@h/x?sslmode=disable"
        );
    }
}

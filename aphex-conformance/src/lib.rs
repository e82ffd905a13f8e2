//! # aphex-conformance
//!
//! The one behaviour suite every aphex-rs backend must pass (like Better Auth's adapter
//! test-utils). It is generic over the core ports and has no database dependency: a backend's
//! `tests/conformance.rs` provides a factory that returns a fresh, migrated, empty database per
//! test, and invokes [`conformance_tests!`]:
//!
//! ```ignore
//! async fn fresh() -> aphex_conformance::TestDb {
//!     let adapter = /* connect to a new, migrated database */;
//!     aphex_conformance::TestDb::new(adapter, guard_that_drops_the_database)
//! }
//! aphex_conformance::conformance_tests!(fresh);
//! ```
//!
//! Every case is a plain `pub async fn case(db: &TestDb)` in one of the modules below, listed in
//! that module's `__<module>_cases!` macro. Behaviour a backend cannot offer is a declared
//! [`Capabilities`](aphex_core::ports::Capabilities) flag, and the suite checks the error it
//! gives instead.

pub mod assets;
pub mod auth;
pub mod auth_tables;
pub mod bad_input;
pub mod documents;
pub mod fixtures;
pub mod profiles;
pub mod query;
pub mod references;
pub mod schema_types;
pub mod transactions;
pub mod versions;

mod harness;

pub use harness::{TestDb, require_backend, with_database};

#[doc(hidden)]
pub use tokio;

/// Emits one `#[tokio::test]` per conformance case, each calling `$factory().await` for a fresh
/// database. `$factory` is the name of an `async fn() -> Option<TestDb>` in the invoking module;
/// `None` means the backend's server is not available: the test says so loudly on stderr and
/// passes. (A factory must panic instead when `CI=true`: in CI a missing backend is a failure —
/// see [`require_backend`].)
#[macro_export]
macro_rules! conformance_tests {
    ($factory:ident) => {
        $crate::__documents_cases!($factory);
        $crate::__query_cases!($factory);
        $crate::__references_cases!($factory);
        $crate::__versions_cases!($factory);
        $crate::__assets_cases!($factory);
        $crate::__schema_types_cases!($factory);
        $crate::__profiles_cases!($factory);
        $crate::__auth_tables_cases!($factory);
        $crate::__bad_input_cases!($factory);
        $crate::__transactions_cases!($factory);
        $crate::__auth_cases!($factory);
    };
}

/// Emits the tests of one module: `__cases!(factory; module { case, case, ... })`.
#[doc(hidden)]
#[macro_export]
macro_rules! __cases {
    ($factory:ident; $module:ident { $($case:ident),* $(,)? }) => {
        mod $module {
            $(
                #[$crate::tokio::test(flavor = "multi_thread", worker_threads = 4, crate = "::aphex_conformance::tokio")]
                async fn $case() {
                    let Some(db) = super::$factory().await else {
                        eprintln!(
                            "SKIPPED {}::{}: backend not available",
                            stringify!($module),
                            stringify!($case)
                        );
                        return;
                    };
                    $crate::$module::$case(&db).await;
                }
            )*
        }
    };
}

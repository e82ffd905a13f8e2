//! # aphex-conformance
//!
//! The one behaviour suite every aphex-rs backend must pass (like Better Auth's adapter
//! test-utils). It is generic over the core ports and has no database dependency: a backend's
//! `tests/conformance.rs` (with `harness = false`) provides a factory that returns a fresh,
//! migrated, empty database per test, and runs the suite:
//!
//! ```ignore
//! async fn fresh() -> Option<aphex_conformance::TestDb> {
//!     let url = aphex_conformance::require_backend("MY_TEST_URL")?; // None: reported ignored
//!     let adapter = /* connect to a new, migrated database */;
//!     Some(aphex_conformance::TestDb::new(adapter, guard_that_drops_the_database))
//! }
//! fn main() -> std::process::ExitCode {
//!     aphex_conformance::Suite::new().conformance(fresh).run()
//! }
//! ```
//!
//! Every case is a plain `pub async fn case(db: &TestDb)` in one of the modules below, listed in
//! that module's `cases()`. Behaviour a backend cannot offer is a declared
//! [`Capabilities`](aphex_core::ports::Capabilities) flag, and the suite checks the error it
//! gives instead. The [`Suite`] runner also runs the other server-backed tests of the
//! workspace, so that a missing server shows up as `ignored` in the test summary.

use futures::future::BoxFuture;

/// `case_list!(module: a, b, ...)`: the [`Case`]s of the functions `a`, `b`, ... of a module.
macro_rules! case_list {
    ($module:ident: $($case:ident),* $(,)?) => {
        vec![$(
            $crate::Case::new(
                concat!(stringify!($module), "::", stringify!($case)),
                |db| Box::pin($case(db)),
            ),
        )*]
    };
}

pub mod assets;
pub mod auth;
pub mod auth_tables;
pub mod bad_input;
pub mod bulk;
pub mod documents;
pub mod errors;
pub mod events;
pub mod fixtures;
pub mod indexes;
pub mod jobs;
pub mod keyset;
pub mod members;
pub mod organizations;
pub mod profiles;
pub mod published;
pub mod query;
pub mod reference_index;
pub mod references;
pub mod robustness;
pub mod rows;
pub mod schema_types;
pub mod transactions;
pub mod values;
pub mod versions;
pub mod webhooks;

mod harness;
mod runner;

pub use harness::{TestDb, require_backend, with_database};
pub use runner::{Suite, skip};

#[doc(hidden)]
pub use tokio;

/// A conformance case: its name (`<module>::<case>`) and its body.
pub struct Case {
    /// `<module>::<case>`.
    pub name: String,
    /// Runs the case on a fresh database.
    pub run: for<'a> fn(&'a TestDb) -> BoxFuture<'a, ()>,
}

impl Case {
    fn new(name: &str, run: for<'a> fn(&'a TestDb) -> BoxFuture<'a, ()>) -> Self {
        Case {
            name: name.to_owned(),
            run,
        }
    }
}

/// Every conformance case, module by module.
pub fn cases() -> Vec<Case> {
    [
        documents::cases(),
        bulk::cases(),
        query::cases(),
        indexes::cases(),
        keyset::cases(),
        published::cases(),
        references::cases(),
        reference_index::cases(),
        events::cases(),
        jobs::cases(),
        webhooks::cases(),
        versions::cases(),
        assets::cases(),
        schema_types::cases(),
        profiles::cases(),
        auth_tables::cases(),
        bad_input::cases(),
        values::cases(),
        errors::cases(),
        transactions::cases(),
        auth::cases(),
        organizations::cases(),
        members::cases(),
        robustness::cases(),
        rows::cases(),
    ]
    .into_iter()
    .flatten()
    .collect()
}

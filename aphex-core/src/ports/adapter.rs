use async_trait::async_trait;

use super::{
    AssetStore, AuthStore, DocumentStore, SchemaTypeStore, UserProfileStore, VersionStore,
};
use crate::error::Result;

/// Every store port in one trait: what a connection and a transaction both offer.
pub trait Stores:
    DocumentStore + VersionStore + AssetStore + SchemaTypeStore + AuthStore + UserProfileStore
{
}

impl<T> Stores for T where
    T: DocumentStore + VersionStore + AssetStore + SchemaTypeStore + AuthStore + UserProfileStore
{
}

/// What a backend can and cannot do. Behaviour a backend lacks is declared here and refused with
/// [`Error::Unsupported`](crate::Error::Unsupported), never emulated silently.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct Capabilities {
    /// Multi-statement (multi-document) transactions via [`DatabaseAdapter::begin`].
    pub transactions: bool,
}

impl Capabilities {
    /// Capabilities with the given transaction support.
    pub fn new(transactions: bool) -> Self {
        Capabilities { transactions }
    }
}

/// A complete CMS backend: all the stores, plus health, transactions and diagnostics.
///
/// # Contract
/// - Every method of every store is atomic on its own.
/// - [`begin`](Self::begin) returns a transaction-bound set of stores whose writes become visible
///   together on [`Transaction::commit`], or not at all. Dropping a transaction rolls it back.
/// - A backend without multi-statement transactions reports `capabilities().transactions ==
///   false` and `begin` fails with [`Error::Unsupported`](crate::Error::Unsupported).
#[async_trait]
pub trait DatabaseAdapter: Stores + std::fmt::Debug + 'static {
    /// Short backend name: `sqlite`, `postgres`, `mongodb`.
    fn backend(&self) -> &'static str;

    /// What this backend supports.
    fn capabilities(&self) -> Capabilities;

    /// Checks that the database answers.
    ///
    /// # Errors
    /// [`Error::Backend`](crate::Error::Backend) when it does not.
    async fn health(&self) -> Result<()>;

    /// Starts a transaction.
    ///
    /// # Errors
    /// [`Error::Unsupported`](crate::Error::Unsupported) when the backend has no multi-statement
    /// transactions; [`Error::Backend`](crate::Error::Backend) when the database fails.
    async fn begin(&self) -> Result<Box<dyn Transaction>>;

    /// Statements (SQL) or commands (MongoDB) sent to the database since connecting, counted by
    /// the driver's own instrumentation. For diagnostics, tests and benchmarks; 0 when the
    /// backend does not count.
    fn statement_count(&self) -> u64 {
        0
    }
}

/// Delegates to the shared adapter: `Cms::builder().database(arc)` takes an `Arc` as it takes
/// an adapter.
#[async_trait]
#[deny(clippy::missing_trait_methods)]
impl<T: DatabaseAdapter + ?Sized> DatabaseAdapter for std::sync::Arc<T> {
    fn backend(&self) -> &'static str {
        (**self).backend()
    }

    fn capabilities(&self) -> Capabilities {
        (**self).capabilities()
    }

    async fn health(&self) -> Result<()> {
        (**self).health().await
    }

    async fn begin(&self) -> Result<Box<dyn Transaction>> {
        (**self).begin().await
    }

    fn statement_count(&self) -> u64 {
        (**self).statement_count()
    }
}

/// A transaction: the stores, bound to one database transaction.
#[async_trait]
pub trait Transaction: Stores + std::fmt::Debug {
    /// Makes every write of the transaction visible.
    ///
    /// # Errors
    /// [`Error::Backend`](crate::Error::Backend); the transaction is then rolled back.
    async fn commit(self: Box<Self>) -> Result<()>;

    /// Discards every write of the transaction.
    ///
    /// # Errors
    /// [`Error::Backend`](crate::Error::Backend).
    async fn rollback(self: Box<Self>) -> Result<()>;
}

use async_trait::async_trait;

use super::{
    AssetStore, AuthStore, DocumentStore, EventStore, JobStore, OrganizationStore, RowStore,
    SchemaTypeStore, UserProfileStore, VersionStore, WebhookStore,
};
use crate::error::Result;

/// Every store port in one trait: what a connection and a transaction both offer.
pub trait Stores:
    DocumentStore
    + VersionStore
    + AssetStore
    + SchemaTypeStore
    + AuthStore
    + UserProfileStore
    + OrganizationStore
    + EventStore
    + JobStore
    + WebhookStore
{
}

impl<T> Stores for T where
    T: DocumentStore
        + VersionStore
        + AssetStore
        + SchemaTypeStore
        + AuthStore
        + UserProfileStore
        + OrganizationStore
        + EventStore
        + JobStore
        + WebhookStore
{
}

/// What a backend can and cannot do. Behaviour a backend lacks is declared here and refused with
/// [`Error::Unsupported`](crate::Error::Unsupported), never emulated silently.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct Capabilities {
    /// Multi-statement (multi-document) transactions via [`DatabaseAdapter::begin`].
    pub transactions: bool,
    /// [`DocumentStore::insert_document_with_first_version`](super::DocumentStore::insert_document_with_first_version)
    /// writes a new document and its first snapshot in ONE atomic statement, so `create` needs
    /// no transaction (PostgreSQL's data-modifying `WITH`).
    pub one_statement_create: bool,
    /// [`DocumentStore::update_draft_with_snapshot`](super::DocumentStore::update_draft_with_snapshot)
    /// and [`DocumentStore::publish_with_snapshot`](super::DocumentStore::publish_with_snapshot)
    /// write a draft save or a publish with its snapshot and retention in ONE atomic statement,
    /// so they need no transaction (PostgreSQL's data-modifying `WITH`).
    pub one_statement_save: bool,
    /// [`DocumentStore::find_reference_closure`](super::DocumentStore::find_reference_closure)
    /// fetches every level of a reference resolution in ONE statement (PostgreSQL: one `IN` per
    /// level chained in `WITH`, the references read by a JSON path), so a read with `depth` 2
    /// costs two statements instead of three.
    pub one_statement_references: bool,
    /// Objects and arrays at a sort key tie within their type (the sort's later keys and `id`
    /// order them), so a keyset page can start after a document whose sort value is one.
    /// Without it (MongoDB orders them by their contents) such a page is
    /// [`Error::Unsupported`](crate::Error::Unsupported); pages positioned on numbers, strings,
    /// booleans and missing values work everywhere.
    pub composite_sort_ties: bool,
}

impl Capabilities {
    /// Capabilities with the given transaction support (and nothing else).
    pub fn new(transactions: bool) -> Self {
        Capabilities {
            transactions,
            one_statement_create: false,
            one_statement_save: false,
            one_statement_references: false,
            composite_sort_ties: false,
        }
    }

    /// Declares [`one_statement_create`](Self::one_statement_create).
    pub fn one_statement_create(mut self, yes: bool) -> Self {
        self.one_statement_create = yes;
        self
    }

    /// Declares [`composite_sort_ties`](Self::composite_sort_ties).
    pub fn composite_sort_ties(mut self, yes: bool) -> Self {
        self.composite_sort_ties = yes;
        self
    }

    /// Declares [`one_statement_references`](Self::one_statement_references).
    pub fn one_statement_references(mut self, yes: bool) -> Self {
        self.one_statement_references = yes;
        self
    }

    /// Declares [`one_statement_save`](Self::one_statement_save).
    pub fn one_statement_save(mut self, yes: bool) -> Self {
        self.one_statement_save = yes;
        self
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

    /// Whether these stores are already inside a transaction (a joined one, see
    /// [`Cms::join`](crate::Cms::join)): [`begin`](Self::begin) then makes a nested transaction
    /// (a savepoint) where the backend has them.
    fn in_transaction(&self) -> bool {
        false
    }

    /// Whole tables in their canonical form, for moving a CMS between backends
    /// ([`crate::copy`]).
    ///
    /// # Errors
    /// [`Error::Unsupported`](crate::Error::Unsupported) when the backend does not offer it.
    fn rows(&self) -> Result<&dyn RowStore> {
        Err(crate::Error::Unsupported {
            backend: self.backend(),
            operation: "whole-table reads and writes (copying a CMS between backends)",
        })
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

    fn in_transaction(&self) -> bool {
        (**self).in_transaction()
    }

    fn rows(&self) -> Result<&dyn RowStore> {
        (**self).rows()
    }
}

/// A transaction is a set of stores to hand the services ([`Cms::join`](crate::Cms::join)):
/// writes go into it, a unit of work is a nested transaction (a savepoint) where the backend has
/// them, and nothing is committed before the transaction itself is.
#[async_trait]
impl DatabaseAdapter for Box<dyn Transaction> {
    fn backend(&self) -> &'static str {
        (**self).backend()
    }

    fn capabilities(&self) -> Capabilities {
        Capabilities::new(true)
    }

    async fn health(&self) -> Result<()> {
        Ok(())
    }

    async fn begin(&self) -> Result<Box<dyn Transaction>> {
        self.begin_nested().await
    }

    fn in_transaction(&self) -> bool {
        true
    }
}

/// A transaction: the stores, bound to one database transaction.
#[async_trait]
pub trait Transaction: Stores + std::fmt::Debug {
    /// Short backend name: `sqlite`, `postgres`, `mongodb`.
    fn backend(&self) -> &'static str {
        "unknown"
    }

    /// A nested transaction (a savepoint) inside this one: its writes become part of this
    /// transaction on [`commit`](Transaction::commit), and are undone alone on
    /// [`rollback`](Transaction::rollback).
    ///
    /// # Errors
    /// [`Error::Unsupported`](crate::Error::Unsupported) when the backend has no nested
    /// transactions (the default; MongoDB).
    async fn begin_nested(&self) -> Result<Box<dyn Transaction>> {
        Err(crate::Error::Unsupported {
            backend: self.backend(),
            operation: "nested transactions",
        })
    }

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

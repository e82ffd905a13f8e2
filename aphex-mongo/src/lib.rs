//! # aphex-mongo
//!
//! The MongoDB backend of aphex-rs, on the official `mongodb` driver. It implements the same
//! ports as the SQL backends and passes the same conformance suite.
//!
//! ```no_run
//! # async fn run() -> aphex_core::Result<()> {
//! use aphex_mongo::MongoAdapter;
//! let db = MongoAdapter::connect("mongodb://localhost:27017", "cms").await?;
//! db.ensure_schema().await?; // collections and indexes, idempotent
//! # Ok(()) }
//! ```
//!
//! Storage: one collection per SQL table, same names; camelCase fields (`draftData`,
//! `publishedData`, ...); `_id` holds the id as a string (the same UUID text as on SQLite, the
//! 32-char id for Better Auth rows, the user id for profiles); timestamps are BSON dates.
//!
//! Transactions: multi-document transactions need a replica set (or sharded cluster). The adapter
//! asks the server (`hello`) and reports `capabilities().transactions` accordingly; on a
//! standalone server `begin()` fails with `Error::Unsupported`, and the services write a document
//! first and its version snapshot right after — never claiming atomicity it does not have.
//! Foreign-key behaviour is emulated: deleting a user deletes its sessions, accounts and profile;
//! deleting a document deletes its versions; inserting a row for a missing parent is `NotFound`.

mod error;
mod filter;

use crate::error::{map_err, map_error};
mod repo;
mod schema;
mod value;

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use async_trait::async_trait;
use mongodb::bson::{Document, doc};
use mongodb::options::ClientOptions;
use mongodb::{Client, ClientSession, Database};
use tokio::sync::Mutex;

use aphex_core::ports::{Capabilities, DatabaseAdapter, Transaction};
use aphex_core::{Error, Result};

/// The MongoDB driver this crate is built on: use it for your own collections, so that the
/// versions match.
pub use mongodb;
pub use repo::{FindCommand, InTransaction, MongoStore, NoSession, SessionMode};
pub use schema::{COLLECTIONS, SCHEMA_COLLECTION, SCHEMA_VERSION};

/// A CMS database on MongoDB.
pub type MongoAdapter = MongoStore<NoSession>;

/// The stores bound to one MongoDB transaction.
pub type MongoTransaction = MongoStore<InTransaction>;

impl MongoAdapter {
    /// Connects to `uri` and uses `database`.
    ///
    /// # Errors
    /// [`Error::Validation`] for a URI that is not `mongodb://`; [`Error::Backend`] when the
    /// server cannot be reached.
    pub async fn connect(uri: &str, database: &str) -> Result<MongoAdapter> {
        let client = client(uri).await?;
        Self::new(client.database(database)).await
    }

    /// Connects to `uri` and uses the database named in its path (`mongodb://host/cms`), or
    /// `aphex` when it names none.
    ///
    /// # Errors
    /// As [`MongoAdapter::connect`].
    pub async fn connect_url(uri: &str) -> Result<MongoAdapter> {
        let client = client(uri).await?;
        let database = client
            .default_database()
            .unwrap_or_else(|| client.database(DEFAULT_DATABASE));
        Self::new(database).await
    }

    /// Uses a database of a client the application already has (the seed's
    /// `new MongoDBAdapter({ connection })` pattern). Asks the server whether it can run
    /// multi-document transactions.
    ///
    /// # Errors
    /// [`Error::Backend`] when the server does not answer.
    pub async fn new(db: Database) -> Result<MongoAdapter> {
        let hello = db
            .run_command(doc! { "hello": 1 })
            .await
            .map_err(map_err("connection"))?;
        Ok(MongoStore {
            client: db.client().clone(),
            db,
            statements: Arc::new(AtomicU64::new(0)),
            transactions: supports_transactions(&hello),
            mode: NoSession,
        })
    }

    /// Creates the collections and indexes (unique on user email, session token, schema-type
    /// name and API-key hash; documents on (type, updatedAt) and (type, status)). Running it
    /// again changes nothing.
    ///
    /// # Errors
    /// [`Error::Backend`] when the server refuses.
    pub async fn ensure_schema(&self) -> Result<()> {
        self.ensure_collections_and_indexes().await
    }

    /// Checks, without changing anything, that `ensure_schema` of this version has been run on
    /// the database ([`SCHEMA_VERSION`] is recorded in `aphex_schema`).
    ///
    /// # Errors
    /// [`Error::SchemaMismatch`] saying where the schema is and what this version expects;
    /// [`Error::Backend`] when the server refuses.
    pub async fn verify_schema(&self) -> Result<()> {
        self.verify_schema_version().await
    }

    /// The database this adapter uses.
    pub fn database(&self) -> &Database {
        &self.db
    }

    /// The commands [`find_documents`](aphex_core::ports::DocumentStore::find_documents) sends
    /// for `query` on `cms_documents`, exactly: the count's filter (when the query counts),
    /// then the find's filter, sort, skip and limit. For diagnostics and benchmarks
    /// (`aphex-bench` replays them through the driver).
    ///
    /// # Errors
    /// [`Error::InvalidQuery`](aphex_core::Error::InvalidQuery) for a bad query.
    pub fn find_documents_command(
        &self,
        scope: &aphex_core::Scope,
        query: &aphex_core::query::ListQuery,
    ) -> Result<FindCommand> {
        repo::find_command(scope, query)
    }

    /// The CMS's stores inside a transaction the application started on its own session
    /// (`client.start_session()`, `session.start_transaction()`, shared as
    /// `Arc<tokio::sync::Mutex<_>>` so that it keeps writing with `.session(&mut *s.lock().await)`
    /// before and after the CMS's calls): hand the result to `Cms::join`. As on SQL, the
    /// application commits its transaction; `CmsTransaction::commit` only hands it back.
    /// MongoDB has no savepoints: `CmsTransaction::rollback` aborts the whole transaction.
    ///
    /// # Errors
    /// [`Error::Unsupported`] on a server without multi-document transactions (a standalone):
    /// write one after the other there (`docs/integration.md`).
    pub fn join(&self, session: Arc<Mutex<ClientSession>>) -> Result<Box<dyn Transaction>> {
        if !self.transactions {
            return Err(Error::Unsupported {
                backend: "mongodb",
                operation: "multi-document transactions (the server is not a replica set)",
            });
        }
        Ok(Box::new(MongoStore {
            client: self.client.clone(),
            db: self.db.clone(),
            statements: self.statements.clone(),
            transactions: true,
            mode: InTransaction {
                session,
                joined: true,
            },
        }))
    }
}

/// The database [`MongoAdapter::connect_url`] uses when the URI names none.
pub const DEFAULT_DATABASE: &str = "aphex";

/// A client for `uri`.
async fn client(uri: &str) -> Result<Client> {
    if !(uri.starts_with("mongodb://") || uri.starts_with("mongodb+srv://")) {
        return Err(Error::invalid(
            "url",
            "a MongoDB URI starts with `mongodb://` or `mongodb+srv://`",
        ));
    }
    if cfg!(not(feature = "dns-srv")) && uri.starts_with("mongodb+srv://") {
        return Err(Error::Unsupported {
            backend: "mongodb",
            operation: "`mongodb+srv://` URIs: this build has no DNS SRV lookups (enable the \
                        Cargo feature `aphex/mongodb-srv`, or `aphex-mongo/dns-srv`)",
        });
    }
    let options = ClientOptions::parse(uri)
        .await
        .map_err(map_err("connection"))?;
    Client::with_options(options).map_err(map_err("connection"))
}

/// A replica-set member (`setName`) or a mongos router (`msg: "isdbgrid"`) runs transactions.
fn supports_transactions(hello: &Document) -> bool {
    hello.contains_key("setName") || hello.get_str("msg").is_ok_and(|m| m == "isdbgrid")
}

#[async_trait]
impl DatabaseAdapter for MongoAdapter {
    fn backend(&self) -> &'static str {
        "mongodb"
    }

    fn capabilities(&self) -> Capabilities {
        Capabilities::new(self.transactions)
    }

    async fn health(&self) -> Result<()> {
        self.count_command();
        self.db
            .run_command(doc! { "ping": 1 })
            .await
            .map(|_| ())
            .map_err(map_err("connection"))
    }

    async fn begin(&self) -> Result<Box<dyn Transaction>> {
        if !self.transactions {
            return Err(Error::Unsupported {
                backend: "mongodb",
                operation: "multi-document transactions (the server is not a replica set)",
            });
        }
        let mut session = self
            .client
            .start_session()
            .await
            .map_err(map_err("connection"))?;
        session
            .start_transaction()
            .await
            .map_err(map_err("transaction"))?;
        Ok(Box::new(MongoStore {
            client: self.client.clone(),
            db: self.db.clone(),
            statements: self.statements.clone(),
            transactions: true,
            mode: InTransaction {
                session: Arc::new(Mutex::new(session)),
                joined: false,
            },
        }))
    }

    fn statement_count(&self) -> u64 {
        self.statements.load(Ordering::Relaxed)
    }

    fn rows(&self) -> Result<&dyn aphex_core::ports::RowStore> {
        Ok(self)
    }
}

/// Most attempts at committing a transaction whose commit outcome is unknown.
const COMMIT_ATTEMPTS: u32 = 3;

#[async_trait]
impl Transaction for MongoTransaction {
    fn backend(&self) -> &'static str {
        "mongodb"
    }

    /// Commits; a commit whose outcome is unknown (`UnknownTransactionCommitResult`: the
    /// connection failed after sending it) is sent again, as the driver's `with_transaction`
    /// does — committing is idempotent. A commit that fails with `TransientTransactionError`
    /// aborted the transaction: it is `Error::Unavailable` with `Transient::TransactionAborted`,
    /// and the services run the unit of work again.
    async fn commit(self: Box<Self>) -> Result<()> {
        if self.mode.joined {
            // The application's transaction: it commits it, with its own writes.
            return Ok(());
        }
        let mut session = self.mode.session.lock().await;
        let mut attempt = 1;
        loop {
            match session.commit_transaction().await {
                Ok(()) => return Ok(()),
                Err(e)
                    if e.contains_label(mongodb::error::UNKNOWN_TRANSACTION_COMMIT_RESULT)
                        && attempt < COMMIT_ATTEMPTS =>
                {
                    attempt += 1;
                    tracing::debug!(attempt, error = %e, "commit outcome unknown; committing again");
                    tokio::time::sleep(std::time::Duration::from_millis(10)).await;
                }
                Err(e) => return Err(map_error("transaction", e)),
            }
        }
    }

    async fn rollback(self: Box<Self>) -> Result<()> {
        self.mode
            .session
            .lock()
            .await
            .abort_transaction()
            .await
            .map_err(map_err("transaction"))
    }
}

//! A unit of work: a transaction where the backend has them, the plain adapter where it does not
//! (MongoDB without a replica set). Services write the same code for both; the difference is a
//! declared capability, documented in `docs/` — never a silent pretence.
//!
//! [`unit_of_work!`] runs a block as one unit of work and runs it again, a bounded number of
//! times with a short backoff, when the database aborted the transaction to resolve a conflict
//! with a concurrent one ([`Transient::TransactionAborted`]: PostgreSQL serialization failure or
//! deadlock, MongoDB `TransientTransactionError`) — what the MongoDB driver's `with_transaction`
//! convenience does. Nothing of an aborted transaction was committed, so the rerun is safe. Any
//! other error, including one whose commit outcome is unknown, is returned as it is.
//!
//! It is a macro rather than a function taking an async closure: a closure over `&dyn Stores`
//! would make every service future lose `Send` (a current compiler limitation with higher-ranked
//! closure lifetimes), and the services run inside multi-threaded servers.

use std::time::Duration;

use crate::error::{Error, Result, Transient};
use crate::ports::{DatabaseAdapter, Stores, Transaction};

/// Most runs of one unit of work when the database keeps aborting it.
pub(crate) const ATTEMPTS: u32 = 5;

pub(crate) enum Work<'a> {
    /// A transaction of its own.
    Transaction(Box<dyn Transaction>),
    /// A savepoint inside a transaction the caller owns (a joined one).
    Nested(Box<dyn Transaction>),
    /// The stores as they are: no transactions (MongoDB standalone), or no savepoints inside
    /// the caller's transaction (MongoDB).
    Direct(&'a dyn DatabaseAdapter),
}

impl<'a> Work<'a> {
    pub(crate) async fn begin(db: &'a dyn DatabaseAdapter) -> Result<Work<'a>> {
        if db.in_transaction() {
            return match db.begin().await {
                Ok(savepoint) => Ok(Work::Nested(savepoint)),
                Err(Error::Unsupported { .. }) => Ok(Work::Direct(db)),
                Err(e) => Err(e),
            };
        }
        if db.capabilities().transactions {
            Ok(Work::Transaction(db.begin().await?))
        } else {
            Ok(Work::Direct(db))
        }
    }

    pub(crate) fn stores(&self) -> &dyn Stores {
        match self {
            Work::Transaction(tx) | Work::Nested(tx) => &**tx,
            Work::Direct(db) => *db,
        }
    }

    /// Whether an aborted run may run again: only a transaction of its own — inside the
    /// caller's, the caller decides.
    pub(crate) fn may_rerun(&self) -> bool {
        matches!(self, Work::Transaction(_))
    }

    /// Commits on `Ok`, rolls back on `Err`, and passes the result through.
    pub(crate) async fn finish<T>(self, result: Result<T>) -> Result<T> {
        match (self, result) {
            (Work::Transaction(tx) | Work::Nested(tx), Ok(value)) => {
                tx.commit().await?;
                Ok(value)
            }
            (Work::Transaction(tx) | Work::Nested(tx), Err(e)) => {
                if let Err(rollback) = tx.rollback().await {
                    tracing::warn!(error = %rollback, "rollback failed after {e}");
                }
                Err(e)
            }
            (Work::Direct(_), result) => result,
        }
    }
}

/// Whether a unit of work that failed with `error` on its `attempt`-th run is run again, after
/// waiting a little (1, 2, 4, 8 ms and some jitter, so that the contenders spread out).
pub(crate) async fn rerun(may_rerun: bool, error: &Error, attempt: u32) -> bool {
    if !may_rerun || error.transient() != Some(Transient::TransactionAborted) || attempt >= ATTEMPTS
    {
        return false;
    }
    let base = 1u64 << attempt.saturating_sub(1).min(6);
    let jitter = rand::random::<u64>() % (base + 1);
    tracing::debug!(attempt, error = %error, "transaction aborted by the database; running it again");
    tokio::time::sleep(Duration::from_millis(base + jitter)).await;
    true
}

/// Runs `op` — ONE atomic statement, outside a transaction — and runs it again when the database
/// aborted it to resolve a conflict with a concurrent transaction (a deadlock), as
/// [`unit_of_work!`] does for a transaction: nothing of the aborted statement happened.
pub(crate) async fn statement<T, F, Fut>(mut op: F) -> Result<T>
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Result<T>>,
{
    let mut attempt = 1;
    loop {
        match op().await {
            Err(e) if rerun(true, &e, attempt).await => attempt += 1,
            other => return other,
        }
    }
}

/// `unit_of_work!(db, |stores| body)`: evaluates `body` (a block that uses `stores: &dyn
/// Stores` and evaluates to a `Result<T>`) in one unit of work on `db: &dyn DatabaseAdapter`,
/// committing on `Ok`, rolling back on `Err`, and running it again when the database aborted
/// the transaction (see the module docs). The body may therefore run more than once: it must
/// only touch the stores and values it owns per run.
macro_rules! unit_of_work {
    ($db:expr, |$stores:ident| $body:block) => {{
        let db: &dyn $crate::ports::DatabaseAdapter = $db;
        let mut attempt: u32 = 1;
        loop {
            let work = match $crate::service::work::Work::begin(db).await {
                Ok(work) => work,
                Err(e) => break Err(e),
            };
            let may_rerun = work.may_rerun();
            let result = async {
                let $stores = work.stores();
                $body
            }
            .await;
            match work.finish(result).await {
                Err(e) if $crate::service::work::rerun(may_rerun, &e, attempt).await => {
                    attempt += 1
                }
                other => break other,
            }
        }
    }};
}
pub(crate) use unit_of_work;

//! A unit of work: a transaction where the backend has them, the plain adapter where it does not
//! (MongoDB without a replica set). Services write the same code for both; the difference is a
//! declared capability, documented in `docs/` — never a silent pretence.

use crate::error::Result;
use crate::ports::{DatabaseAdapter, Stores, Transaction};

pub(crate) enum Work<'a> {
    Transaction(Box<dyn Transaction>),
    Direct(&'a dyn DatabaseAdapter),
}

impl<'a> Work<'a> {
    pub(crate) async fn begin(db: &'a dyn DatabaseAdapter) -> Result<Work<'a>> {
        if db.capabilities().transactions {
            Ok(Work::Transaction(db.begin().await?))
        } else {
            Ok(Work::Direct(db))
        }
    }

    pub(crate) fn stores(&self) -> &dyn Stores {
        match self {
            Work::Transaction(tx) => &**tx,
            Work::Direct(db) => *db,
        }
    }

    /// Commits on `Ok`, rolls back on `Err`, and passes the result through.
    pub(crate) async fn finish<T>(self, result: Result<T>) -> Result<T> {
        match (self, result) {
            (Work::Transaction(tx), Ok(value)) => {
                tx.commit().await?;
                Ok(value)
            }
            (Work::Transaction(tx), Err(e)) => {
                if let Err(rollback) = tx.rollback().await {
                    tracing::warn!(error = %rollback, "rollback failed after {e}");
                }
                Err(e)
            }
            (Work::Direct(_), result) => result,
        }
    }
}

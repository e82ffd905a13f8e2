//! [`CmsTransaction`]: the services inside one database transaction — one the application
//! opened and the CMS joined ([`Cms::join`]), or one the CMS began for a group of calls
//! ([`Cms::transaction`]).
//!
//! Inside it every call runs as usual, and each unit of work (a document and its version
//! snapshot, ...) is a nested transaction — a savepoint — where the backend has them, so a call
//! that fails leaves nothing behind and the transaction stays usable. Nothing is visible to
//! others, and nothing stays, until the transaction commits. MongoDB has no savepoints: there a
//! failed call may leave part of its writes in the transaction — roll it back.
//!
//! Schema types are not part of it: their sync updates the in-memory registry, which a
//! rollback could not undo.

use std::sync::Arc;

use super::{AssetService, AuthService, Cms, DocumentService, UserProfileService};
use crate::error::{Error, Result};
use crate::ports::{DatabaseAdapter, Transaction};

/// The document, asset, profile and auth services bound to one database transaction.
#[derive(Debug)]
#[must_use = "a transaction is rolled back when dropped without `commit`"]
pub struct CmsTransaction {
    documents: DocumentService,
    assets: AssetService,
    profiles: UserProfileService,
    auth: Option<AuthService>,
    tx: Arc<Box<dyn Transaction>>,
}

impl Cms {
    /// The services inside `tx`, a transaction the application opened (on SQL:
    /// `adapter.connection().begin()`, then `adapter.join(&txn)`). [`CmsTransaction::commit`]
    /// makes the CMS's writes part of it; the application's own commit makes everything
    /// durable.
    pub fn join(&self, tx: Box<dyn Transaction>) -> CmsTransaction {
        let tx = Arc::new(tx);
        let db: Arc<dyn DatabaseAdapter> = tx.clone();
        CmsTransaction {
            documents: self.documents.with_db(db.clone()),
            assets: self.assets.with_db(db.clone()),
            profiles: UserProfileService::new(db.clone()),
            auth: self.auth.as_ref().map(|a| a.with_db(db)),
            tx,
        }
    }

    /// Begins a transaction for a group of calls that must land together.
    ///
    /// # Errors
    /// [`Error::Unsupported`] when the backend has no multi-statement transactions (MongoDB
    /// standalone); backend errors.
    pub async fn transaction(&self) -> Result<CmsTransaction> {
        Ok(self.join(self.db.begin().await?))
    }
}

impl CmsTransaction {
    /// Documents, inside the transaction.
    pub fn documents(&self) -> &DocumentService {
        &self.documents
    }

    /// Assets (rows; files are stored outside any transaction), inside the transaction.
    pub fn assets(&self) -> &AssetService {
        &self.assets
    }

    /// User profiles, inside the transaction.
    pub fn profiles(&self) -> &UserProfileService {
        &self.profiles
    }

    /// Authentication, inside the transaction, when the CMS has it.
    pub fn auth(&self) -> Option<&AuthService> {
        self.auth.as_ref()
    }

    /// Commits the transaction (for a joined one: releases its savepoint into the
    /// application's transaction, which the application then commits).
    ///
    /// # Errors
    /// [`Error::Validation`] when a clone of one of its services is still alive (the
    /// transaction cannot be finished while it is in use); backend errors.
    pub async fn commit(self) -> Result<()> {
        self.into_inner()?.commit().await
    }

    /// Rolls the transaction back: none of its writes stay.
    ///
    /// # Errors
    /// As [`commit`](Self::commit).
    pub async fn rollback(self) -> Result<()> {
        self.into_inner()?.rollback().await
    }

    fn into_inner(self) -> Result<Box<dyn Transaction>> {
        let CmsTransaction {
            documents,
            assets,
            profiles,
            auth,
            tx,
        } = self;
        // The services hold the other references to `tx`: release them first.
        drop((documents, assets, profiles, auth));
        Arc::try_unwrap(tx).map_err(|_| {
            Error::invalid(
                "transaction",
                "still in use: a clone of one of its services is alive",
            )
        })
    }
}

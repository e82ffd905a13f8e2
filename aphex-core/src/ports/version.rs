use std::num::NonZeroU32;
use std::sync::Arc;

use async_trait::async_trait;
use uuid::Uuid;

use crate::error::Result;
use crate::model::{DocumentVersion, NewVersion};
use crate::query::{Page, Paging};
use crate::scope::Scope;

/// Storage of `cms_document_versions`.
///
/// Every method acts in a [`Scope`], as [`DocumentStore`](super::DocumentStore) does: a
/// snapshot belongs to its document's organization; reads see the scope's visible
/// organizations, writes only its own.
#[async_trait]
pub trait VersionStore: Send + Sync {
    /// Inserts a snapshot with the next `version_number` for its document (1 for the first).
    /// Concurrent inserts for one document never get the same number. Takes the snapshot by
    /// value: its data goes into the statement without a copy.
    ///
    /// # Errors
    /// [`Error::NotFound`](crate::Error::NotFound) when the document does not exist;
    /// [`Error::Conflict`](crate::Error::Conflict) when a concurrent insert outside the
    /// document's unit of work took the number (the services never race like that).
    async fn insert_version(&self, scope: &Scope, version: NewVersion) -> Result<DocumentVersion>;

    /// Inserts the first snapshot (number 1) of each of many documents that have none yet —
    /// the bulk path of `DocumentService::create_many`, in the unit of work that inserted the
    /// documents. The default inserts them one by one; a backend overrides it with multi-row
    /// statements.
    ///
    /// # Errors
    /// [`Error::Conflict`](crate::Error::Conflict) when a document already has a snapshot;
    /// [`Error::NotFound`](crate::Error::NotFound) when a document does not exist.
    async fn insert_first_versions(&self, scope: &Scope, versions: Vec<NewVersion>) -> Result<()> {
        for version in versions {
            self.insert_version(scope, version).await?;
        }
        Ok(())
    }

    /// A page of a document's snapshots, newest first, plus the total.
    async fn list_versions(
        &self,
        scope: &Scope,
        document_id: Uuid,
        paging: Paging,
    ) -> Result<Page<DocumentVersion>>;

    /// One snapshot.
    async fn find_version(
        &self,
        scope: &Scope,
        document_id: Uuid,
        version_number: i64,
    ) -> Result<Option<DocumentVersion>>;

    /// Deletes all but the newest `keep` snapshots of a document; returns how many were deleted.
    async fn prune_versions(
        &self,
        scope: &Scope,
        document_id: Uuid,
        keep: NonZeroU32,
    ) -> Result<u64>;
}

/// Forwards to the store inside, so an `Arc` or a `Box` of a store is a store (as
/// `object_store` does).
macro_rules! forward {
    ($($wrapper:ident),*) => {$(
        #[async_trait]
        #[deny(clippy::missing_trait_methods)]
        impl<T: VersionStore + ?Sized> VersionStore for $wrapper<T> {
    async fn insert_version(&self,scope: &Scope, version: NewVersion) -> Result<DocumentVersion> {
        (**self).insert_version(scope, version).await
    }
    async fn insert_first_versions(&self,scope: &Scope, versions: Vec<NewVersion>) -> Result<()> {
        (**self).insert_first_versions(scope, versions).await
    }

    async fn list_versions(
        &self,
        scope: &Scope,
        document_id: Uuid,
        paging: Paging,
    ) -> Result<Page<DocumentVersion>> {
        (**self).list_versions(scope, document_id, paging).await
    }

    async fn find_version(
        &self,
        scope: &Scope,
        document_id: Uuid,
        version_number: i64,
    ) -> Result<Option<DocumentVersion>> {
        (**self).find_version(scope, document_id, version_number).await
    }

    async fn prune_versions(&self,scope: &Scope, document_id: Uuid, keep: NonZeroU32) -> Result<u64> {
        (**self).prune_versions(scope, document_id, keep).await
    }
        }
    )*};
}
forward!(Arc, Box);

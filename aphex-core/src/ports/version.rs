use async_trait::async_trait;
use uuid::Uuid;

use crate::error::Result;
use crate::model::{DocumentVersion, NewVersion};
use crate::query::Page;

/// Storage of `cms_document_versions`.
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
    async fn insert_version(&self, version: NewVersion) -> Result<DocumentVersion>;

    /// A page of a document's snapshots, newest first, plus the total.
    async fn list_versions(
        &self,
        document_id: Uuid,
        limit: u64,
        offset: u64,
    ) -> Result<Page<DocumentVersion>>;

    /// One snapshot.
    async fn find_version(
        &self,
        document_id: Uuid,
        version_number: i64,
    ) -> Result<Option<DocumentVersion>>;

    /// Deletes all but the newest `keep` snapshots of a document; returns how many were deleted.
    async fn prune_versions(&self, document_id: Uuid, keep: u64) -> Result<u64>;
}

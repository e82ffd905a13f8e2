use std::collections::BTreeMap;
use std::num::NonZeroU32;
use std::sync::Arc;

use async_trait::async_trait;
use serde_json::Value;
use uuid::Uuid;

use crate::error::Result;
use crate::model::{Document, NewDocument, NewVersion, Timestamp};
use crate::query::{Filter, ListQuery, Page};

/// A draft write, prepared by the document service.
#[derive(Debug, Clone, PartialEq)]
pub struct DraftUpdate {
    /// The document.
    pub id: Uuid,
    /// New draft data (a JSON object).
    pub data: Value,
    /// Compare-and-swap guard: write only if the document is at this revision.
    pub expected_revision: Option<i64>,
    /// Writer's user id.
    pub updated_by: Option<String>,
    /// Write time.
    pub updated_at: Timestamp,
}

/// What a publish-state change does.
#[derive(Debug, Clone, PartialEq)]
pub enum PublishChange {
    /// Sets `status = published`, `published_data`, `published_hash`, `published_at`.
    Publish {
        /// The data going live (the draft at the expected revision).
        data: Value,
        /// Its publish hash.
        hash: String,
    },
    /// Sets `status = unpublished` and clears `published_data`, `published_hash`, `published_at`.
    Unpublish,
}

/// A publish or unpublish, prepared by the document service. Does not change `revision`.
#[derive(Debug, Clone, PartialEq)]
pub struct PublishUpdate {
    /// The document.
    pub id: Uuid,
    /// Compare-and-swap guard (always set by the service).
    pub expected_revision: i64,
    /// Publish or unpublish.
    pub change: PublishChange,
    /// Writer's user id.
    pub updated_by: Option<String>,
    /// Write time (`updated_at`, and `published_at` on publish).
    pub at: Timestamp,
}

/// The version snapshot a one-statement write takes with it
/// ([`DocumentStore::update_draft_with_snapshot`], [`DocumentStore::publish_with_snapshot`]):
/// the written data (the new draft, or the data going live), by the writer (`updated_by`), at
/// the write time, numbered one past the document's newest snapshot.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct Snapshot {
    /// Id of the new version row.
    pub version_id: Uuid,
    /// Retention: keep only the newest `keep` snapshots of the document (`None`: keep all).
    pub keep: Option<NonZeroU32>,
}

impl Snapshot {
    /// A snapshot with id `version_id`, pruning to the newest `keep`.
    pub fn new(version_id: Uuid, keep: Option<NonZeroU32>) -> Self {
        Snapshot { version_id, keep }
    }
}

/// Storage of `cms_documents`.
#[async_trait]
pub trait DocumentStore: Send + Sync {
    /// Inserts a document with `status = draft`, `revision = 1`, `updated_at = created_at`.
    ///
    /// # Errors
    /// [`Error::Conflict`](crate::Error::Conflict) when the id is taken.
    async fn insert_document(&self, doc: &NewDocument) -> Result<Document>;

    /// Inserts many documents as [`insert_document`](Self::insert_document) does one — the
    /// bulk path of `DocumentService::create_many`, which runs it in a unit of work. The
    /// default inserts them one by one; a backend overrides it with multi-row statements.
    ///
    /// # Errors
    /// [`Error::Conflict`](crate::Error::Conflict) when an id is taken.
    async fn insert_documents(&self, docs: &[NewDocument]) -> Result<()> {
        for doc in docs {
            self.insert_document(doc).await?;
        }
        Ok(())
    }

    /// Inserts a new document and its first snapshot (`version` — number 1) in ONE atomic
    /// statement, for a backend that declares
    /// [`Capabilities::one_statement_create`](super::Capabilities::one_statement_create); the
    /// services then call it instead of `insert_document` + `insert_version` in a transaction.
    ///
    /// # Errors
    /// [`Error::Conflict`](crate::Error::Conflict) when the id is taken (nothing is written);
    /// [`Error::Unsupported`](crate::Error::Unsupported) by default.
    async fn insert_document_with_first_version(
        &self,
        doc: &NewDocument,
        version: &NewVersion,
    ) -> Result<Document> {
        let _ = (doc, version);
        Err(crate::Error::Unsupported {
            backend: "this adapter",
            operation: "a document and its first snapshot in one statement",
        })
    }

    /// The document with this id, whatever its status.
    async fn find_document(&self, id: Uuid) -> Result<Option<Document>>;

    /// The documents with these ids (missing ones are skipped, order unspecified), in ONE
    /// statement: reference resolution depends on it.
    async fn find_documents_by_ids(&self, ids: &[Uuid]) -> Result<Vec<Document>>;

    /// One page of documents matching `query.filter`, in `query.sort` order, plus the total.
    /// The filter and the sort run in the database.
    async fn find_documents(&self, query: &ListQuery) -> Result<Page<Document>>;

    /// How many documents match `filter`.
    async fn count_documents(&self, filter: &Filter) -> Result<u64>;

    /// Number of documents per type.
    async fn count_documents_by_type(&self) -> Result<BTreeMap<String, u64>>;

    /// Replaces the draft and increments `revision`, as ONE guarded write: when
    /// `expected_revision` is set, the write happens only if the stored revision equals it.
    ///
    /// # Errors
    /// [`Error::NotFound`](crate::Error::NotFound) when the document does not exist;
    /// [`Error::RevisionConflict`](crate::Error::RevisionConflict) with the current revision when
    /// the guard fails. Nothing is written in either case.
    async fn update_draft(&self, update: &DraftUpdate) -> Result<Document>;

    /// Publishes or unpublishes, as ONE write guarded by `expected_revision`.
    ///
    /// # Errors
    /// As [`update_draft`](Self::update_draft).
    async fn update_publish_state(&self, update: PublishUpdate) -> Result<Document>;

    /// [`update_draft`](Self::update_draft), its version snapshot (event `draft`) and retention
    /// in ONE atomic statement, for a backend that declares
    /// [`Capabilities::one_statement_save`](super::Capabilities::one_statement_save); the
    /// services then call it instead of the three steps in a transaction.
    ///
    /// # Errors
    /// As [`update_draft`](Self::update_draft) (nothing is written then);
    /// [`Error::Unsupported`](crate::Error::Unsupported) by default.
    async fn update_draft_with_snapshot(
        &self,
        update: &DraftUpdate,
        snapshot: Snapshot,
    ) -> Result<Document> {
        let _ = (update, snapshot);
        Err(crate::Error::Unsupported {
            backend: "this adapter",
            operation: "a draft save and its snapshot in one statement",
        })
    }

    /// A publish ([`PublishChange::Publish`]), its version snapshot (event `publish`) and
    /// retention in ONE atomic statement, for a backend that declares
    /// [`Capabilities::one_statement_save`](super::Capabilities::one_statement_save).
    ///
    /// # Errors
    /// As [`update_publish_state`](Self::update_publish_state);
    /// [`Error::Validation`](crate::Error::Validation) for an unpublish (it takes no snapshot);
    /// [`Error::Unsupported`](crate::Error::Unsupported) by default.
    async fn publish_with_snapshot(
        &self,
        update: &PublishUpdate,
        snapshot: Snapshot,
    ) -> Result<Document> {
        let _ = (update, snapshot);
        Err(crate::Error::Unsupported {
            backend: "this adapter",
            operation: "a publish and its snapshot in one statement",
        })
    }

    /// Deletes the document and (by cascade) its versions. `false` when it did not exist.
    async fn delete_document(&self, id: Uuid) -> Result<bool>;
}

/// Forwards to the store inside, so an `Arc` or a `Box` of a store is a store (as
/// `object_store` does).
macro_rules! forward {
    ($($wrapper:ident),*) => {$(
        #[async_trait]
        #[deny(clippy::missing_trait_methods)]
        impl<T: DocumentStore + ?Sized> DocumentStore for $wrapper<T> {
    async fn insert_document(&self, doc: &NewDocument) -> Result<Document> {
        (**self).insert_document(doc).await
    }
    async fn insert_documents(&self, docs: &[NewDocument]) -> Result<()> {
        (**self).insert_documents(docs).await
    }
    async fn insert_document_with_first_version(
        &self,
        doc: &NewDocument,
        version: &NewVersion,
    ) -> Result<Document> {
        (**self).insert_document_with_first_version(doc, version).await
    }

    async fn find_document(&self, id: Uuid) -> Result<Option<Document>> {
        (**self).find_document(id).await
    }

    async fn find_documents_by_ids(&self, ids: &[Uuid]) -> Result<Vec<Document>> {
        (**self).find_documents_by_ids(ids).await
    }

    async fn find_documents(&self, query: &ListQuery) -> Result<Page<Document>> {
        (**self).find_documents(query).await
    }

    async fn count_documents(&self, filter: &Filter) -> Result<u64> {
        (**self).count_documents(filter).await
    }

    async fn count_documents_by_type(&self) -> Result<BTreeMap<String, u64>> {
        (**self).count_documents_by_type().await
    }

    async fn update_draft(&self, update: &DraftUpdate) -> Result<Document> {
        (**self).update_draft(update).await
    }

    async fn update_publish_state(&self, update: PublishUpdate) -> Result<Document> {
        (**self).update_publish_state(update).await
    }

    async fn update_draft_with_snapshot(
        &self,
        update: &DraftUpdate,
        snapshot: Snapshot,
    ) -> Result<Document> {
        (**self).update_draft_with_snapshot(update, snapshot).await
    }

    async fn publish_with_snapshot(
        &self,
        update: &PublishUpdate,
        snapshot: Snapshot,
    ) -> Result<Document> {
        (**self).publish_with_snapshot(update, snapshot).await
    }

    async fn delete_document(&self, id: Uuid) -> Result<bool> {
        (**self).delete_document(id).await
    }
        }
    )*};
}
forward!(Arc, Box);

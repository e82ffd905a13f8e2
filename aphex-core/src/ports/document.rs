use std::collections::BTreeMap;
use std::num::NonZeroU32;
use std::sync::Arc;

use async_trait::async_trait;
use serde_json::Value;
use uuid::Uuid;

use crate::error::Result;
use crate::model::{Document, EventKind, NewDocument, NewVersion, Timestamp};
use crate::query::{Filter, ListQuery, Page, Perspective};
use crate::scope::Scope;

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
    /// The event the write appends with it, in the same statement (`None`: none).
    pub event: Option<DocumentEvent>,
}

impl Snapshot {
    /// A snapshot with id `version_id`, pruning to the newest `keep`, without an event.
    pub fn new(version_id: Uuid, keep: Option<NonZeroU32>) -> Self {
        Snapshot {
            version_id,
            keep,
            event: None,
        }
    }

    /// The same snapshot, its write appending `event`.
    pub fn with_event(mut self, event: DocumentEvent) -> Self {
        self.event = Some(event);
        self
    }
}

/// The event a one-statement write appends with the data it writes
/// ([`EventStore::append_event`](super::EventStore::append_event) in the same statement): its
/// id and kind here, everything else taken from the written row — stream
/// [`document_stream`](crate::model::document_stream) of its id, its organization, its
/// `updated_by` as the actor, its `updated_at` as the time and
/// [`document_event_data`](crate::service::document_event_data) as the data.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct DocumentEvent {
    /// Id of the new event.
    pub id: Uuid,
    /// Its kind.
    pub kind: EventKind,
}

impl DocumentEvent {
    /// An event of `kind` with a fresh time-ordered id.
    pub fn new(kind: EventKind) -> Self {
        DocumentEvent {
            id: Uuid::now_v7(),
            kind,
        }
    }
}

/// What [`DocumentStore::find_reference_closure`] fetches: every document reference resolution
/// reaches within `depth` levels, starting from the references of a page.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct ReferenceClosure {
    /// The first level: the ids the page's documents refer to.
    pub ids: Vec<Uuid>,
    /// Never fetched: the page's own documents (the service has them).
    pub exclude: Vec<Uuid>,
    /// Whose data the references are read from, and which documents are visible: every
    /// document in `Draft`, published ones only in `Published`.
    pub perspective: Perspective,
    /// Levels to follow (at least 1): level `k + 1` is what level `k`'s visible documents refer
    /// to, minus the documents of earlier levels and `exclude`.
    pub depth: u32,
    /// The most documents wanted: a store returns at most `limit + 1`, so that the service can
    /// tell "more than `limit`" and refuse the read, without fetching an unbounded graph.
    pub limit: u32,
}

impl ReferenceClosure {
    /// The closure of `ids` in `perspective`, `depth` levels deep, skipping `exclude`, at most
    /// `limit` documents (+ 1).
    pub fn new(
        ids: Vec<Uuid>,
        exclude: Vec<Uuid>,
        perspective: Perspective,
        depth: u32,
        limit: u32,
    ) -> Self {
        ReferenceClosure {
            ids,
            exclude,
            perspective,
            depth,
            limit,
        }
    }
}

/// Storage of `cms_documents` and of the reference index.
///
/// **The reference index**: for each document and perspective, the ids its data refers to
/// ([`reference_ids`](crate::service::reference_ids) of the draft, of the published data). Every
/// write of a draft (inserts, draft updates) or of published data (publish, unpublish) keeps
/// that perspective's entries in step **atomically with the write** — in the same statement or
/// transaction, or (MongoDB) in the same document. `where` conditions on
/// [`Column::DraftReferences`](crate::query::Column::DraftReferences) /
/// [`PublishedReferences`](crate::query::Column::PublishedReferences) are served by it.
///
/// Every method acts in a [`Scope`]: reads (finds, counts, reference closures) see only
/// documents of the scope's visible organizations, writes (inserts, updates, deletes) act only
/// on documents of its own organization and insert into it. Another organization's id is
/// missing (`None`, `NotFound`, `false`), never an error that tells it exists — except an
/// insert with a taken id, which is `Conflict` wherever that id lives (ids are global).
#[async_trait]
pub trait DocumentStore: Send + Sync {
    /// Inserts a document with `status = draft`, `revision = 1`, `updated_at = created_at`.
    ///
    /// # Errors
    /// [`Error::Conflict`](crate::Error::Conflict) when the id is taken.
    async fn insert_document(&self, scope: &Scope, doc: &NewDocument) -> Result<Document>;

    /// Inserts many documents as [`insert_document`](Self::insert_document) does one — the
    /// bulk path of `DocumentService::create_many`, which runs it in a unit of work. The
    /// default inserts them one by one; a backend overrides it with multi-row statements.
    ///
    /// # Errors
    /// [`Error::Conflict`](crate::Error::Conflict) when an id is taken.
    async fn insert_documents(&self, scope: &Scope, docs: &[NewDocument]) -> Result<()> {
        for doc in docs {
            self.insert_document(scope, doc).await?;
        }
        Ok(())
    }

    /// Inserts a new document and its first snapshot (`version` — number 1) in ONE atomic
    /// statement, for a backend that declares
    /// [`Capabilities::one_statement_create`](super::Capabilities::one_statement_create); the
    /// services then call it instead of `insert_document` + `insert_version` in a transaction.
    /// With `event`, the same statement appends it ([`DocumentEvent`]).
    ///
    /// # Errors
    /// [`Error::Conflict`](crate::Error::Conflict) when the id is taken (nothing is written);
    /// [`Error::Unsupported`](crate::Error::Unsupported) by default.
    async fn insert_document_with_first_version(
        &self,
        scope: &Scope,
        doc: &NewDocument,
        version: &NewVersion,
        event: Option<DocumentEvent>,
    ) -> Result<Document> {
        let _ = (scope, doc, version, event);
        Err(crate::Error::Unsupported {
            backend: "this adapter",
            operation: "a document and its first snapshot in one statement",
        })
    }

    /// The document with this id, whatever its status.
    async fn find_document(&self, scope: &Scope, id: Uuid) -> Result<Option<Document>>;

    /// The documents with these ids (missing ones are skipped, order unspecified), in ONE
    /// statement: reference resolution depends on it.
    async fn find_documents_by_ids(&self, scope: &Scope, ids: &[Uuid]) -> Result<Vec<Document>>;

    /// The visible documents of every level of `closure` (unordered, each once), in ONE
    /// statement, for a backend that declares
    /// [`Capabilities::one_statement_references`](super::Capabilities::one_statement_references);
    /// reference resolution then sends one statement however deep it goes, instead of one per
    /// level through [`find_documents_by_ids`](Self::find_documents_by_ids). A reference is an
    /// object with `"_type": "reference"` and a string `_ref` naming a document id; a store may
    /// return documents the service's walk does not reach (it only looks up the ones it does),
    /// never fewer.
    ///
    /// # Errors
    /// [`Error::Unsupported`](crate::Error::Unsupported) by default.
    async fn find_reference_closure(
        &self,
        scope: &Scope,
        closure: &ReferenceClosure,
    ) -> Result<Vec<Document>> {
        let _ = (scope, closure);
        Err(crate::Error::Unsupported {
            backend: "this adapter",
            operation: "reference resolution in one statement",
        })
    }

    /// One page of documents matching `query.filter`, in `query.sort` order, plus the total.
    /// The filter and the sort run in the database.
    async fn find_documents(&self, scope: &Scope, query: &ListQuery) -> Result<Page<Document>>;

    /// How many documents match `filter`.
    async fn count_documents(&self, scope: &Scope, filter: &Filter) -> Result<u64>;

    /// Number of documents per type.
    async fn count_documents_by_type(&self, scope: &Scope) -> Result<BTreeMap<String, u64>>;

    /// Replaces the draft and increments `revision`, as ONE guarded write: when
    /// `expected_revision` is set, the write happens only if the stored revision equals it.
    ///
    /// # Errors
    /// [`Error::NotFound`](crate::Error::NotFound) when the document does not exist;
    /// [`Error::RevisionConflict`](crate::Error::RevisionConflict) with the current revision when
    /// the guard fails. Nothing is written in either case.
    async fn update_draft(&self, scope: &Scope, update: &DraftUpdate) -> Result<Document>;

    /// Publishes or unpublishes, as ONE write guarded by `expected_revision`.
    ///
    /// # Errors
    /// As [`update_draft`](Self::update_draft).
    async fn update_publish_state(&self, scope: &Scope, update: PublishUpdate) -> Result<Document>;

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
        scope: &Scope,
        update: &DraftUpdate,
        snapshot: Snapshot,
    ) -> Result<Document> {
        let _ = (scope, update, snapshot);
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
        scope: &Scope,
        update: &PublishUpdate,
        snapshot: Snapshot,
    ) -> Result<Document> {
        let _ = (scope, update, snapshot);
        Err(crate::Error::Unsupported {
            backend: "this adapter",
            operation: "a publish and its snapshot in one statement",
        })
    }

    /// Deletes the document and (by cascade) its versions and its own entries in the
    /// reference index. `false` when it did not exist.
    async fn delete_document(&self, scope: &Scope, id: Uuid) -> Result<bool>;

    /// Sets the reference index of document `id` in `perspective` to `targets` (the ids its
    /// data there refers to, [`reference_ids`](crate::service::reference_ids)). Every write
    /// above keeps the index in step by itself, atomically with the data; this is for a rebuild
    /// (documents written before the index existed, or a repair). `false` when the document is
    /// not in the scope's organization.
    async fn set_references(
        &self,
        scope: &Scope,
        id: Uuid,
        perspective: Perspective,
        targets: &[Uuid],
    ) -> Result<bool>;
}

/// Forwards to the store inside, so an `Arc` or a `Box` of a store is a store (as
/// `object_store` does).
macro_rules! forward {
    ($($wrapper:ident),*) => {$(
        #[async_trait]
        #[deny(clippy::missing_trait_methods)]
        impl<T: DocumentStore + ?Sized> DocumentStore for $wrapper<T> {
    async fn insert_document(&self,scope: &Scope, doc: &NewDocument) -> Result<Document> {
        (**self).insert_document(scope, doc).await
    }
    async fn insert_documents(&self,scope: &Scope, docs: &[NewDocument]) -> Result<()> {
        (**self).insert_documents(scope, docs).await
    }
    async fn insert_document_with_first_version(
        &self,
        scope: &Scope,
        doc: &NewDocument,
        version: &NewVersion,
        event: Option<DocumentEvent>,
    ) -> Result<Document> {
        (**self).insert_document_with_first_version(scope, doc, version, event).await
    }

    async fn find_document(&self,scope: &Scope, id: Uuid) -> Result<Option<Document>> {
        (**self).find_document(scope, id).await
    }

    async fn find_documents_by_ids(&self,scope: &Scope, ids: &[Uuid]) -> Result<Vec<Document>> {
        (**self).find_documents_by_ids(scope, ids).await
    }

    async fn find_reference_closure(&self,scope: &Scope, closure: &ReferenceClosure) -> Result<Vec<Document>> {
        (**self).find_reference_closure(scope, closure).await
    }

    async fn find_documents(&self,scope: &Scope, query: &ListQuery) -> Result<Page<Document>> {
        (**self).find_documents(scope, query).await
    }

    async fn count_documents(&self,scope: &Scope, filter: &Filter) -> Result<u64> {
        (**self).count_documents(scope, filter).await
    }

    async fn count_documents_by_type(&self, scope: &Scope) -> Result<BTreeMap<String, u64>> {
        (**self).count_documents_by_type(scope).await
    }

    async fn update_draft(&self,scope: &Scope, update: &DraftUpdate) -> Result<Document> {
        (**self).update_draft(scope, update).await
    }

    async fn update_publish_state(&self,scope: &Scope, update: PublishUpdate) -> Result<Document> {
        (**self).update_publish_state(scope, update).await
    }

    async fn update_draft_with_snapshot(
        &self,
        scope: &Scope,
        update: &DraftUpdate,
        snapshot: Snapshot,
    ) -> Result<Document> {
        (**self).update_draft_with_snapshot(scope, update, snapshot).await
    }

    async fn publish_with_snapshot(
        &self,
        scope: &Scope,
        update: &PublishUpdate,
        snapshot: Snapshot,
    ) -> Result<Document> {
        (**self).publish_with_snapshot(scope, update, snapshot).await
    }

    async fn delete_document(&self,scope: &Scope, id: Uuid) -> Result<bool> {
        (**self).delete_document(scope, id).await
    }

    async fn set_references(
        &self,
        scope: &Scope,
        id: Uuid,
        perspective: Perspective,
        targets: &[Uuid],
    ) -> Result<bool> {
        (**self).set_references(scope, id, perspective, targets).await
    }
        }
    )*};
}
forward!(Arc, Box);

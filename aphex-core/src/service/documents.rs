//! The document service: create, read, query, draft updates with revision compare-and-swap,
//! publish (validation + publish hash), unpublish, delete, versions and restore.
//!
//! Every write that touches a document and its version snapshot runs as one unit of work (a
//! transaction where the backend has them).

use std::collections::{BTreeMap, HashMap};
use std::num::NonZeroU32;
use std::sync::{Arc, RwLock};

use serde_json::Value;
use uuid::Uuid;

use super::events;
use super::publish_hash::publish_hash;
use super::references;
use super::work::{self, unit_of_work};
use super::{limits, read_registry, values};
use crate::error::{Error, Result, ValidationErrors};
use crate::model::{
    Document, DocumentStatus, DocumentVersion, EventKind, NewDocument, NewVersion, Timestamp,
    VersionEvent, now,
};
use crate::ports::{
    DatabaseAdapter, DocumentEvent, DraftUpdate, PublishChange, PublishUpdate, Snapshot, Stores,
};
use crate::query::cursor;
use crate::query::{
    Column, Field, Filter, FindOptions, FindResult, ListQuery, Op, Operand, Paging, Perspective,
    Target, check_depth,
};
use crate::schema::{ReferenceField, SchemaRegistry};
use crate::scope::Scope;

/// Most documents one [`DocumentService::create_many`] takes.
pub const MAX_BULK_DOCUMENTS: usize = 10_000;

/// How often a publish or unpublish without `expected_revision` re-reads and retries when a
/// concurrent draft save moved the revision between its read and its write.
const PUBLISH_RETRIES: usize = 5;

/// How many version snapshots are kept per document.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum VersionRetention {
    /// Every snapshot is kept.
    All,
    /// The newest `n` snapshots are kept; older ones are deleted with each new snapshot.
    Latest(NonZeroU32),
}

impl Default for VersionRetention {
    /// The newest 25 snapshots.
    fn default() -> Self {
        VersionRetention::Latest(super::DEFAULT_VERSION_RETENTION)
    }
}

/// A document to create.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct CreateDocument {
    /// Caller-chosen id; a random UUID when `None`.
    pub id: Option<Uuid>,
    /// A registered document type.
    pub doc_type: String,
    /// Initial draft data (a JSON object).
    pub data: Value,
    /// Creator's user id.
    pub created_by: Option<String>,
}

impl CreateDocument {
    /// A document of `doc_type` with `data`.
    pub fn new(doc_type: impl Into<String>, data: Value) -> Self {
        CreateDocument {
            id: None,
            doc_type: doc_type.into(),
            data,
            created_by: None,
        }
    }

    /// Uses this id.
    pub fn id(mut self, id: Uuid) -> Self {
        self.id = Some(id);
        self
    }

    /// Records the creator.
    pub fn created_by(mut self, user_id: impl Into<String>) -> Self {
        self.created_by = Some(user_id.into());
        self
    }
}

/// Options of a write: the compare-and-swap guard and the acting user.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct WriteOptions {
    /// Write only if the document is at this revision; `None` = last write wins.
    pub expected_revision: Option<i64>,
    /// The acting user's id.
    pub user: Option<String>,
}

impl WriteOptions {
    /// Options of an unguarded write by nobody in particular (last write wins).
    pub fn new() -> Self {
        Self::default()
    }

    /// Guards the write with `revision`.
    pub fn expect_revision(mut self, revision: i64) -> Self {
        self.expected_revision = Some(revision);
        self
    }

    /// Records the acting user.
    pub fn user(mut self, user_id: impl Into<String>) -> Self {
        self.user = Some(user_id.into());
        self
    }
}

/// Documents: the editorial lifecycle. Get it from [`Cms::documents`](crate::Cms::documents).
///
/// A read in the [published perspective](Perspective::Published) — by id, find, count and every
/// document reached by reference resolution — sees published content only: documents that are
/// published, their published copy (and where-paths and sorting on it), and never a draft:
/// the [`Document`]s it returns are [published views](Document::published_view), whose
/// `draft_data` is `None`.
#[derive(Debug, Clone)]
pub struct DocumentService {
    pub(super) db: Arc<dyn DatabaseAdapter>,
    pub(super) scope: Scope,
    schemas: Arc<RwLock<SchemaRegistry>>,
    retention: VersionRetention,
    max_resolved: u32,
}

impl DocumentService {
    pub(crate) fn new(
        db: Arc<dyn DatabaseAdapter>,
        schemas: Arc<RwLock<SchemaRegistry>>,
        retention: VersionRetention,
        max_resolved: u32,
    ) -> Self {
        DocumentService {
            db,
            scope: Scope::default(),
            schemas,
            retention,
            max_resolved,
        }
    }

    /// The same service acting in `scope`.
    pub(crate) fn in_scope(&self, scope: Scope) -> Self {
        DocumentService {
            scope,
            ..self.clone()
        }
    }

    /// The organization scope it acts in.
    pub fn scope(&self) -> &Scope {
        &self.scope
    }

    /// The same service over other stores (a transaction's).
    pub(crate) fn with_db(&self, db: Arc<dyn DatabaseAdapter>) -> Self {
        DocumentService { db, ..self.clone() }
    }

    /// Creates a draft document (revision 1) and its first version snapshot.
    ///
    /// # Errors
    /// [`Error::Validation`] for an unknown or oversize type, non-object data or a value no
    /// backend can store (a NUL character, nesting deeper than
    /// [`MAX_DATA_DEPTH`](super::MAX_DATA_DEPTH), ...); [`Error::Conflict`] when the id is taken.
    pub async fn create(&self, input: CreateDocument) -> Result<Document> {
        let new = self.new_document(input, now())?;
        if self.db.capabilities().one_statement_create {
            // One atomic statement: no transaction, one round trip.
            return self
                .db
                .insert_document_with_first_version(
                    &self.scope,
                    &new,
                    &first_version(&new),
                    Some(DocumentEvent::new(EventKind::DocumentCreated)),
                )
                .await
                .map_err(|e| self.field_conflict(e));
        }
        // The first snapshot: retention has nothing to prune (it keeps at least one).
        unit_of_work!(&*self.db, |stores| {
            let doc = stores.insert_document(&self.scope, &new).await?;
            stores
                .insert_version(&self.scope, first_version(&new))
                .await?;
            events::record_document(stores, &self.scope, EventKind::DocumentCreated, &doc).await?;
            Ok(doc)
        })
        .map_err(|e| self.field_conflict(e))
    }

    /// Creates many draft documents, each with its first version snapshot, as
    /// [`create`](Self::create) does one — for imports and seeding. The same checks run on
    /// every input **before anything is written** (an error names the input:
    /// `documents[3].type`), then all of them are written in one unit of work with multi-row
    /// statements where the backend has them: all or nothing on a backend with transactions.
    /// Returns the ids, in input order. Load a large corpus in calls of a few hundred to a few
    /// thousand documents (up to [`MAX_BULK_DOCUMENTS`]); calls can run concurrently.
    ///
    /// # Errors
    /// [`Error::Validation`] as `create`, for more than [`MAX_BULK_DOCUMENTS`] inputs, or for an
    /// id given twice; [`Error::Conflict`] when an id is taken.
    pub async fn create_many(&self, inputs: Vec<CreateDocument>) -> Result<Vec<Uuid>> {
        if inputs.len() > MAX_BULK_DOCUMENTS {
            return Err(Error::invalid(
                "documents",
                format!(
                    "at most {MAX_BULK_DOCUMENTS} documents per call, got {}",
                    inputs.len()
                ),
            ));
        }
        let at = now();
        let mut docs = Vec::with_capacity(inputs.len());
        let mut ids = std::collections::HashSet::with_capacity(inputs.len());
        for (i, input) in inputs.into_iter().enumerate() {
            let doc = self
                .new_document(input, at)
                .map_err(|e| within(e, &format!("documents[{i}]")))?;
            if !ids.insert(doc.id) {
                return Err(Error::invalid(
                    format!("documents[{i}].id"),
                    format!("id {} is given twice", doc.id),
                ));
            }
            docs.push(doc);
        }
        if docs.is_empty() {
            return Ok(Vec::new());
        }
        unit_of_work!(&*self.db, |stores| {
            stores.insert_documents(&self.scope, &docs).await?;
            let firsts = docs.iter().map(first_version).collect();
            stores.insert_first_versions(&self.scope, firsts).await?;
            let created: Vec<_> = docs.iter().map(events::created_event).collect();
            stores.append_events(&self.scope, &created).await
        })
        .map_err(|e| self.field_conflict(e))?;
        Ok(docs.into_iter().map(|d| d.id).collect())
    }

    /// `input` checked and ready to insert at `at`.
    fn new_document(&self, input: CreateDocument, at: Timestamp) -> Result<NewDocument> {
        let mut errors = ValidationErrors::default();
        limits::check_required(&mut errors, "type", &input.doc_type, limits::TYPE_NAME);
        values::check_opt_text(&mut errors, "createdBy", input.created_by.as_deref());
        errors.into_result()?;
        if read_registry(&self.schemas)?
            .document_type(&input.doc_type)
            .is_none()
        {
            return Err(Error::invalid(
                "type",
                format!("unknown document type `{}`", input.doc_type),
            ));
        }
        check_data(&input.data)?;
        Ok(NewDocument {
            id: input.id.unwrap_or_else(Uuid::new_v4),
            doc_type: input.doc_type,
            draft_data: input.data,
            created_by: input.created_by,
            created_at: at,
        })
    }

    /// The document with this id as seen in `perspective` (`None` when it does not exist or is
    /// not published in the published perspective), with references resolved to `depth`.
    ///
    /// # Errors
    /// [`Error::InvalidQuery`] when `depth` is above 10 or the references would expand too
    /// many documents.
    pub async fn find_by_id(
        &self,
        id: Uuid,
        perspective: Perspective,
        depth: u32,
    ) -> Result<Option<Document>> {
        check_depth(depth)?;
        let found = references::find_resolved(
            &*self.db,
            &self.scope,
            id,
            perspective,
            depth,
            self.max_resolved,
        )
        .await?;
        Ok(found.map(|doc| view(doc, perspective)))
    }

    /// One page of documents matching `options` (of `options.doc_type`, when given).
    ///
    /// # Errors
    /// [`Error::InvalidQuery`] for a bad filter, sort, page or depth; nothing is sent to the
    /// database.
    pub async fn find(&self, options: &FindOptions) -> Result<FindResult<Document>> {
        let query = self.list_query(options)?;
        let page = self.db.find_documents(&self.scope, &query).await?;
        let mut result = FindResult::from_page(page, &query);
        let mut docs = std::mem::take(&mut result.docs);
        if result.has_next_page
            && let Some(last) = docs.last()
        {
            // From the stored values, before references are resolved into the data.
            result.next_cursor = Some(cursor::encode(last, &query.sort, options.perspective));
        }
        references::resolve(
            &*self.db,
            &self.scope,
            &mut docs,
            options.perspective,
            options.depth,
            self.max_resolved,
        )
        .await?;
        result.docs = docs
            .into_iter()
            .map(|d| view(d, options.perspective))
            .collect();
        Ok(result)
    }

    /// The resolved query [`find`](Self::find) sends to the store for `options`: the filter with
    /// the type (and, published, the status) added, the sort ending in `id`, the page, and the
    /// fields a field index of the type serves marked. For diagnostics — e.g.
    /// `SeaAdapter::explain_find_documents` shows the database's plan for it.
    ///
    /// # Errors
    /// [`Error::InvalidQuery`] as `find`.
    pub fn list_query(&self, options: &FindOptions) -> Result<ListQuery> {
        let target = Target::Documents(options.perspective);
        let mut query = options.resolve(target, scope(options)?)?;
        if let Some(doc_type) = &options.doc_type {
            read_registry(&self.schemas)?.mark_indexed(doc_type, &mut query);
        }
        Ok(query)
    }

    /// How many documents match `options` (its type, filter and perspective; sort, page and
    /// depth do not apply).
    ///
    /// # Errors
    /// [`Error::InvalidQuery`] for a bad filter.
    pub async fn count(&self, options: &FindOptions) -> Result<u64> {
        let mut filter =
            options.resolve_filter(Target::Documents(options.perspective), scope(options)?)?;
        if let Some(doc_type) = &options.doc_type {
            read_registry(&self.schemas)?.mark_indexed_filter(doc_type, &mut filter);
        }
        self.db.count_documents(&self.scope, &filter).await
    }

    /// Number of documents per type.
    pub async fn counts_by_type(&self) -> Result<BTreeMap<String, u64>> {
        self.db.count_documents_by_type(&self.scope).await
    }

    /// Replaces the draft, increments the revision and snapshots the new draft. Drafts are saved
    /// even when they do not pass their type's validation (publish checks that).
    ///
    /// # Errors
    /// [`Error::NotFound`]; [`Error::RevisionConflict`] with the current revision when
    /// `expected_revision` is stale; [`Error::Validation`] when `data` is not an object or holds
    /// a value no backend can store.
    pub async fn update_draft(
        &self,
        id: Uuid,
        data: Value,
        options: WriteOptions,
    ) -> Result<Document> {
        self.save_draft(id, data, options, EventKind::DocumentDraftSaved)
            .await
    }

    /// A draft save reported as `kind` (a save, or a restore).
    async fn save_draft(
        &self,
        id: Uuid,
        data: Value,
        options: WriteOptions,
        kind: EventKind,
    ) -> Result<Document> {
        check_data(&data)?;
        check_user(&options)?;
        let update = DraftUpdate {
            id,
            data,
            expected_revision: options.expected_revision,
            updated_by: options.user,
            updated_at: now(),
        };
        if self.db.capabilities().one_statement_save {
            // The write, its snapshot and retention in one atomic statement: no transaction.
            let snapshot = self.snapshot_spec().with_event(DocumentEvent::new(kind));
            return work::statement(|| {
                self.db
                    .update_draft_with_snapshot(&self.scope, &update, snapshot)
            })
            .await
            .map_err(|e| self.field_conflict(e));
        }
        let at = update.updated_at;
        unit_of_work!(&*self.db, |stores| {
            let doc = stores.update_draft(&self.scope, &update).await?;
            self.snapshot(stores, &doc, VersionEvent::Draft, at).await?;
            events::record_document(stores, &self.scope, kind, &doc).await?;
            Ok(doc)
        })
        .map_err(|e| self.field_conflict(e))
    }

    /// Publishes the current draft: validates it against its type (including the document types
    /// its reference fields may point to), stores it as the published copy with its publish
    /// hash, and snapshots it.
    ///
    /// Without `expected_revision` the latest draft is published (re-read and retried when a
    /// concurrent save moves the revision); with it, a stale revision is refused.
    ///
    /// # Errors
    /// [`Error::NotFound`]; [`Error::RevisionConflict`]; [`Error::Validation`] listing every
    /// failing field.
    pub async fn publish(&self, id: Uuid, options: WriteOptions) -> Result<Document> {
        check_user(&options)?;
        retry_unguarded(&options, || self.publish_once(id, &options)).await
    }

    async fn publish_once(&self, id: Uuid, options: &WriteOptions) -> Result<Document> {
        if self.db.capabilities().one_statement_save {
            // Read and check as below, then the guarded write with its snapshot and retention
            // in one atomic statement: the revision guard makes the published data exactly the
            // draft that was read and validated, without a transaction.
            let update = self.prepare_publish(&*self.db, id, options).await?;
            let snapshot = self
                .snapshot_spec()
                .with_event(DocumentEvent::new(EventKind::DocumentPublished));
            return work::statement(|| {
                self.db
                    .publish_with_snapshot(&self.scope, &update, snapshot)
            })
            .await
            .map_err(|e| self.field_conflict(e));
        }
        unit_of_work!(&*self.db, |stores| {
            let update = self.prepare_publish(stores, id, options).await?;
            let at = update.at;
            let doc = stores.update_publish_state(&self.scope, update).await?;
            self.snapshot(stores, &doc, VersionEvent::Publish, at)
                .await?;
            events::record_document(stores, &self.scope, EventKind::DocumentPublished, &doc)
                .await?;
            Ok(doc)
        })
        .map_err(|e| self.field_conflict(e))
    }

    /// A unique field index's conflict names the field (`post.slug.current`), not the index.
    fn field_conflict(&self, error: Error) -> Error {
        match read_registry(&self.schemas) {
            Ok(registry) => registry.name_conflict(error),
            Err(_) => error,
        }
    }

    /// The publish of the current draft, validated (with its reference targets' types) and
    /// hashed, guarded by the revision it was read at.
    async fn prepare_publish(
        &self,
        stores: &dyn Stores,
        id: Uuid,
        options: &WriteOptions,
    ) -> Result<PublishUpdate> {
        let doc = current(stores, &self.scope, id, options.expected_revision).await?;
        let data = doc
            .draft_data
            .unwrap_or_else(|| Value::Object(Default::default()));
        let references = read_registry(&self.schemas)?.validate_references(&doc.doc_type, &data)?;
        check_reference_targets(stores, &self.scope, &references).await?;
        Ok(PublishUpdate {
            id,
            expected_revision: doc.revision,
            change: PublishChange::Publish {
                hash: publish_hash(&data),
                data,
            },
            updated_by: options.user.clone(),
            at: now(),
        })
    }

    /// Takes a published document down: clears the published copy, keeps the draft.
    ///
    /// # Errors
    /// [`Error::NotFound`]; [`Error::RevisionConflict`]; [`Error::Validation`] when the document
    /// is not published.
    pub async fn unpublish(&self, id: Uuid, options: WriteOptions) -> Result<Document> {
        check_user(&options)?;
        retry_unguarded(&options, || self.unpublish_once(id, &options)).await
    }

    async fn unpublish_once(&self, id: Uuid, options: &WriteOptions) -> Result<Document> {
        let doc = current(&*self.db, &self.scope, id, options.expected_revision).await?;
        if doc.status != DocumentStatus::Published {
            return Err(Error::invalid("status", "the document is not published"));
        }
        let at = now();
        unit_of_work!(&*self.db, |stores| {
            let update = PublishUpdate {
                id,
                expected_revision: doc.revision,
                change: PublishChange::Unpublish,
                updated_by: options.user.clone(),
                at,
            };
            let doc = stores.update_publish_state(&self.scope, update).await?;
            events::record_document(stores, &self.scope, EventKind::DocumentUnpublished, &doc)
                .await?;
            Ok(doc)
        })
    }

    /// A page of a document's version snapshots, newest first.
    ///
    /// # Errors
    /// [`Error::NotFound`] for an unknown document.
    pub async fn versions(&self, id: Uuid, paging: Paging) -> Result<FindResult<DocumentVersion>> {
        if self.db.find_document(&self.scope, id).await?.is_none() {
            return Err(Error::not_found("document", id));
        }
        let page = self.db.list_versions(&self.scope, id, paging).await?;
        Ok(FindResult::new(page.rows, page.total, paging))
    }

    /// One version snapshot.
    pub async fn version(&self, id: Uuid, version_number: i64) -> Result<Option<DocumentVersion>> {
        self.db.find_version(&self.scope, id, version_number).await
    }

    /// Makes a snapshot's data the draft again (a compare-and-swap draft update, snapshotted like
    /// any other).
    ///
    /// # Errors
    /// [`Error::NotFound`] for an unknown document or version; as
    /// [`update_draft`](Self::update_draft) otherwise.
    pub async fn restore(
        &self,
        id: Uuid,
        version_number: i64,
        options: WriteOptions,
    ) -> Result<Document> {
        let version = self
            .db
            .find_version(&self.scope, id, version_number)
            .await?
            .ok_or_else(|| Error::not_found("version", format!("{id}@{version_number}")))?;
        self.save_draft(id, version.data, options, EventKind::DocumentRestored)
            .await
    }

    /// The snapshot a one-statement write takes: a new id, this service's retention.
    fn snapshot_spec(&self) -> Snapshot {
        let keep = match self.retention {
            VersionRetention::Latest(keep) => Some(keep),
            VersionRetention::All => None,
        };
        Snapshot::new(Uuid::new_v4(), keep)
    }

    async fn snapshot(
        &self,
        stores: &dyn Stores,
        doc: &Document,
        event_type: VersionEvent,
        at: Timestamp,
    ) -> Result<()> {
        let data = match event_type {
            VersionEvent::Draft => doc.draft_data.clone(),
            VersionEvent::Publish => doc.published_data.clone(),
        };
        stores
            .insert_version(
                &self.scope,
                NewVersion {
                    id: Uuid::new_v4(),
                    document_id: doc.id,
                    event_type,
                    data: data.unwrap_or(Value::Null),
                    created_by: doc.updated_by.clone(),
                    created_at: at,
                },
            )
            .await?;
        if let VersionRetention::Latest(keep) = self.retention {
            stores.prune_versions(&self.scope, doc.id, keep).await?;
        }
        Ok(())
    }
}

/// A document as a read in `perspective` returns it.
fn view(doc: Document, perspective: Perspective) -> Document {
    match perspective {
        Perspective::Draft => doc,
        Perspective::Published => doc.published_view(),
    }
}

/// The targets of reference fields must have one of the field's allowed types (`to`). A
/// missing target is allowed: the reference stays unresolved on read (`docs/design.md`).
async fn check_reference_targets(
    stores: &dyn Stores,
    scope: &Scope,
    references: &[ReferenceField],
) -> Result<()> {
    if references.is_empty() {
        return Ok(());
    }
    let mut ids: Vec<Uuid> = references.iter().map(|r| r.target).collect();
    ids.sort_unstable();
    ids.dedup();
    let types: HashMap<Uuid, String> = references::find_by_ids(stores, scope, &ids)
        .await?
        .into_iter()
        .map(|d| (d.id, d.doc_type))
        .collect();
    let mut errors = ValidationErrors::default();
    for r in references {
        if let Some(found) = types.get(&r.target)
            && !r.to.contains(found)
        {
            errors.push(
                r.path.clone(),
                format!(
                    "references a `{found}`; allowed: {}",
                    r.to.iter()
                        .map(|t| format!("`{t}`"))
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            );
        }
    }
    errors.into_result()
}

/// Runs a read-then-compare-and-swap operation. When the caller gave no expected revision, a
/// conflict only means a concurrent draft save moved the revision between our read and our
/// write, so the operation is re-run (a bounded number of times) on the fresh document.
async fn retry_unguarded<F, Fut>(options: &WriteOptions, mut op: F) -> Result<Document>
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Result<Document>>,
{
    let mut attempt = 1;
    loop {
        match op().await {
            Err(Error::RevisionConflict { .. })
                if options.expected_revision.is_none() && attempt < PUBLISH_RETRIES =>
            {
                attempt += 1;
            }
            other => return other,
        }
    }
}

/// Reads a document and checks the caller's expected revision against it.
async fn current(
    stores: &dyn Stores,
    scope: &Scope,
    id: Uuid,
    expected: Option<i64>,
) -> Result<Document> {
    let doc = stores
        .find_document(scope, id)
        .await?
        .ok_or_else(|| Error::not_found("document", id))?;
    match expected {
        Some(rev) if rev != doc.revision => Err(Error::RevisionConflict {
            current: doc.revision,
        }),
        _ => Ok(doc),
    }
}

/// The conditions a document list is always scoped by: its type, and `status = published` in
/// the published perspective.
fn scope(options: &FindOptions) -> Result<Vec<Filter>> {
    let mut filters = Vec::new();
    if let Some(t) = &options.doc_type {
        if !values::storable(t) {
            return Err(Error::invalid_query(
                "type",
                "strings must not contain a NUL character (U+0000)",
            ));
        }
        filters.push(Filter::Cond(
            Field::Column(Column::Type),
            Op::Eq(Operand::String(t.clone())),
        ));
    }
    if options.perspective == Perspective::Published {
        filters.push(Filter::Cond(
            Field::Column(Column::Status),
            Op::Eq(Operand::String(DocumentStatus::Published.as_str().into())),
        ));
    }
    Ok(filters)
}

/// Document data: a JSON object holding only values every backend can store.
/// The first snapshot of a new document: its draft, by its creator, when it was created.
fn first_version(doc: &NewDocument) -> NewVersion {
    NewVersion {
        id: Uuid::new_v4(),
        document_id: doc.id,
        event_type: VersionEvent::Draft,
        data: doc.draft_data.clone(),
        created_by: doc.created_by.clone(),
        created_at: doc.created_at,
    }
}

/// A validation error of one input of many, its paths under `prefix` (`documents[3].type`).
fn within(error: Error, prefix: &str) -> Error {
    match error {
        Error::Validation(errors) => {
            let mut out = ValidationErrors::default();
            for field in errors.fields() {
                out.push(format!("{prefix}.{}", field.path), field.message.clone());
            }
            Error::Validation(out)
        }
        other => other,
    }
}

fn check_data(data: &Value) -> Result<()> {
    let mut errors = ValidationErrors::default();
    if data.is_object() {
        values::check_json(&mut errors, "data", data);
    } else {
        errors.push("data", "document data must be a JSON object");
    }
    errors.into_result()
}

fn check_user(options: &WriteOptions) -> Result<()> {
    let mut errors = ValidationErrors::default();
    values::check_opt_text(&mut errors, "user", options.user.as_deref());
    errors.into_result()
}

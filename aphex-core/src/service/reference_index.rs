//! The reference index as the services use it: "used by" for a document or an asset, the
//! refusal to delete what published content refers to, and the rebuild of the index from the
//! stored data.
//!
//! The stores keep the index in step with every write (see
//! [`DocumentStore`](crate::ports::DocumentStore)); `where` reaches it with the path
//! [`REFERENCES_PATH`] (`{"_references": "<id>"}`), in the query's perspective.
//!
//! Deleting is refused while **published** content of the scope refers to the target (a draft
//! that refers to it does not hold it back: drafts are work in progress). The check and the
//! delete are two steps: a publish that lands between them can still leave a reference to a
//! deleted id, as a forced delete does on purpose. A reference to a deleted id stays in the
//! referrer's data and in the index (so "used by" of the deleted id still lists who to fix),
//! and resolution leaves it unresolved, as for any missing target.

use uuid::Uuid;

use super::events::{self, document_event_data};
use super::references::reference_ids;
use super::work::unit_of_work;
use super::{AssetService, DocumentService};
use crate::error::{Error, Result};
use crate::model::{Document, EventKind, NewEvent, document_stream, now};
use crate::ports::DocumentStore;
use crate::query::{
    Column, Field, Filter, FindOptions, FindResult, ListQuery, Op, Operand, Paging, Perspective,
    REFERENCES_PATH, SortKey, Where,
};
use crate::scope::Scope;
use crate::storage::StorageAdapter;

/// Most referrers an [`Error::Referenced`] lists.
pub const MAX_LISTED_REFERRERS: u64 = 100;

/// Documents a rebuild reads per statement.
const REBUILD_BATCH: u64 = 500;

/// Refuses with [`Error::Referenced`] while published content of `scope` other than `target`
/// itself refers to `target`.
async fn refuse_if_referenced(
    store: &dyn DocumentStore,
    scope: &Scope,
    entity: &'static str,
    target: Uuid,
) -> Result<()> {
    let referring = Filter::Cond(
        Field::Column(Column::PublishedReferences),
        Op::Eq(Operand::Uuid(target)),
    );
    let not_itself = Filter::negate(Filter::Cond(
        Field::Column(Column::Id),
        Op::Eq(Operand::Uuid(target)),
    ));
    let query = ListQuery {
        filter: Filter::and(vec![referring, not_itself]),
        sort: vec![SortKey {
            field: Field::Column(Column::Id),
            descending: false,
        }],
        paging: Paging::page(MAX_LISTED_REFERRERS, 1)?,
        after: None,
        count: false,
    };
    let referrers: Vec<Uuid> = store
        .find_documents(scope, &query)
        .await?
        .rows
        .into_iter()
        .map(|d| d.id)
        .take(usize::try_from(MAX_LISTED_REFERRERS).unwrap_or(usize::MAX))
        .collect();
    if referrers.is_empty() {
        Ok(())
    } else {
        Err(Error::Referenced {
            entity,
            id: target.to_string(),
            referrers,
        })
    }
}

impl DocumentService {
    /// The documents whose data in `options.perspective` refers to `target` — a document or an
    /// asset — with the rest of `options` (type, filter, sort, page, depth) as for
    /// [`find`](Self::find). Served by the reference index.
    ///
    /// # Errors
    /// As `find`.
    pub async fn used_by(
        &self,
        target: Uuid,
        options: &FindOptions,
    ) -> Result<FindResult<Document>> {
        let options = options
            .clone()
            .filter(Where::path(REFERENCES_PATH).equals(target.to_string()));
        self.find(&options).await
    }

    /// Deletes a document and its versions, unless published content refers to it.
    ///
    /// # Errors
    /// [`Error::Referenced`] listing the referrers (nothing is deleted);
    /// [`Error::NotFound`].
    pub async fn delete(&self, id: Uuid) -> Result<()> {
        let refused = refuse_if_referenced(&*self.db, &self.scope, "document", id).await;
        if refused.is_err() && self.db.find_document(&self.scope, id).await?.is_none() {
            // What is gone is not found, whoever still refers to it.
            return Err(Error::not_found("document", id));
        }
        refused?;
        self.force_delete(id).await
    }

    /// Deletes a document and its versions even when other documents refer to it: their
    /// references stay in their data, dangling (resolution leaves them as they are; "used by"
    /// of the id still lists them).
    ///
    /// # Errors
    /// [`Error::NotFound`].
    pub async fn force_delete(&self, id: Uuid) -> Result<()> {
        unit_of_work!(&*self.db, |stores| {
            let gone = || Error::not_found("document", id);
            let doc = stores
                .find_document(&self.scope, id)
                .await?
                .ok_or_else(gone)?;
            if !stores.delete_document(&self.scope, id).await? {
                return Err(gone());
            }
            let event = NewEvent::new(
                document_stream(id),
                EventKind::DocumentDeleted,
                id.to_string(),
                None,
                document_event_data(&doc),
                now(),
            );
            stores.append_event(&self.scope, &event).await.map(drop)
        })
    }

    /// Rewrites the reference index of every document of the scope's organization from its
    /// stored data — for documents written before the index existed (the migration and
    /// `ensure_schema` that add it do this once) or to repair it. Returns how many documents
    /// were indexed. Safe to run while the CMS is in use: each document's entries are set in
    /// one call, and a write racing it sets them again.
    ///
    /// # Errors
    /// Backend errors (documents indexed before the error stay indexed).
    pub async fn rebuild_references(&self) -> Result<u64> {
        let owned = Scope::new(self.scope.organization());
        let mut after: Option<Uuid> = None;
        let mut indexed = 0;
        loop {
            let filter = after.map_or(Filter::True, |last| {
                Filter::Cond(Field::Column(Column::Id), Op::Gt(Operand::Uuid(last)))
            });
            let query = ListQuery {
                filter,
                sort: vec![SortKey {
                    field: Field::Column(Column::Id),
                    descending: false,
                }],
                paging: Paging::page(REBUILD_BATCH, 1)?,
                after: None,
                count: false,
            };
            let page = self.db.find_documents(&owned, &query).await?;
            let Some(last) = page.rows.last().map(|d| d.id) else {
                return Ok(indexed);
            };
            for doc in page
                .rows
                .iter()
                .take(usize::try_from(REBUILD_BATCH).unwrap_or(500))
            {
                let ids = |data: &Option<serde_json::Value>| {
                    data.as_ref().map(reference_ids).unwrap_or_default()
                };
                let (draft, published) = (ids(&doc.draft_data), ids(&doc.published_data));
                self.db
                    .set_references(&owned, doc.id, Perspective::Draft, &draft)
                    .await?;
                self.db
                    .set_references(&owned, doc.id, Perspective::Published, &published)
                    .await?;
                indexed += 1;
            }
            after = Some(last);
        }
    }
}

impl AssetService {
    /// Deletes the asset row (not the file), unless published content refers to it.
    ///
    /// # Errors
    /// [`Error::Referenced`] listing the referrers; [`Error::NotFound`].
    pub async fn delete(&self, id: Uuid) -> Result<()> {
        self.refuse_if_referenced(id).await?;
        self.force_delete(id).await
    }

    /// As [`refuse_if_referenced`], but what is gone is not found.
    async fn refuse_if_referenced(&self, id: Uuid) -> Result<()> {
        let refused = refuse_if_referenced(&*self.db, &self.scope, "asset", id).await;
        if refused.is_err() && self.db.find_asset(&self.scope, id).await?.is_none() {
            return Err(Error::not_found("asset", id));
        }
        refused
    }

    /// Deletes the asset row (not the file) even when documents refer to it (their references
    /// dangle).
    ///
    /// # Errors
    /// [`Error::NotFound`].
    pub async fn force_delete(&self, id: Uuid) -> Result<()> {
        unit_of_work!(&*self.db, |stores| {
            let gone = || Error::not_found("asset", id);
            let asset = stores.find_asset(&self.scope, id).await?.ok_or_else(gone)?;
            if !stores.delete_asset(&self.scope, id).await? {
                return Err(gone());
            }
            let event = events::asset_event(EventKind::AssetDeleted, &asset, now());
            stores.append_event(&self.scope, &event).await.map(drop)
        })
    }

    /// Deletes the asset row, then its file — unless published content refers to it.
    ///
    /// # Errors
    /// [`Error::Referenced`] (nothing is deleted); [`Error::NotFound`]; storage errors.
    pub async fn delete_with_file(&self, storage: &dyn StorageAdapter, id: Uuid) -> Result<()> {
        self.refuse_if_referenced(id).await?;
        self.force_delete_with_file(storage, id).await
    }

    /// [`delete_with_file`](Self::delete_with_file) even when documents refer to it.
    ///
    /// # Errors
    /// [`Error::NotFound`]; storage errors.
    pub async fn force_delete_with_file(
        &self,
        storage: &dyn StorageAdapter,
        id: Uuid,
    ) -> Result<()> {
        let asset = self
            .db
            .find_asset(&self.scope, id)
            .await?
            .ok_or_else(|| Error::not_found("asset", id))?;
        self.force_delete(id).await?;
        storage.delete(&asset.path).await
    }
}

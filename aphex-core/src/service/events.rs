//! The change feed: every write appends a domain event and an outbox entry in the same unit of
//! work ([`EventService`] lists events, [`Outbox`] hands them to consumers). The guarantees —
//! at-least-once, in order per stream, and what MongoDB without transactions promises — are in
//! `docs/events.md`.

use std::sync::Arc;
use std::time::Duration;

use serde_json::{Value, json};
use uuid::Uuid;

use super::leases::{lease_end, time_after};
use super::limits;
use crate::error::{Error, Result};
use crate::model::{
    Asset, Document, DocumentStatus, Event, EventKind, NewDocument, NewEvent, OutboxEntry,
    Timestamp, asset_stream, document_stream, now,
};
use crate::ports::{DatabaseAdapter, EventRange, OutboxClaim, Stores};
use crate::scope::Scope;

/// The most events one list call or one claim returns.
pub const MAX_EVENT_PAGE: u32 = 1000;

/// The data of a document event: what a consumer needs to decide whether to act (the id, type,
/// revision, status and publish hash), never the content itself. PostgreSQL's one-statement
/// writes build the same object in SQL.
pub fn document_event_data(doc: &Document) -> Value {
    summary(
        doc.id,
        &doc.doc_type,
        doc.revision,
        doc.status,
        doc.published_hash.as_deref(),
    )
}

/// The document summary of [`document_event_data`], from its parts.
fn summary(
    id: Uuid,
    doc_type: &str,
    revision: i64,
    status: DocumentStatus,
    published_hash: Option<&str>,
) -> Value {
    json!({
        "id": id,
        "type": doc_type,
        "revision": revision,
        "status": status.as_str(),
        "publishedHash": published_hash,
    })
}

/// The event of `kind` about `doc`, by its last writer at its last change.
pub(crate) fn document_event(kind: EventKind, doc: &Document) -> NewEvent {
    NewEvent::new(
        document_stream(doc.id),
        kind,
        doc.id.to_string(),
        doc.updated_by.clone(),
        document_event_data(doc),
        doc.updated_at,
    )
}

/// The `document.created` event of a document about to be inserted (revision 1, a draft).
pub(crate) fn created_event(doc: &NewDocument) -> NewEvent {
    NewEvent::new(
        document_stream(doc.id),
        EventKind::DocumentCreated,
        doc.id.to_string(),
        doc.created_by.clone(),
        summary(doc.id, &doc.doc_type, 1, DocumentStatus::Draft, None),
        doc.created_at,
    )
}

/// The event of `kind` about `asset` (its id, type, file and size: what a cache purge needs).
pub(crate) fn asset_event(kind: EventKind, asset: &Asset, at: Timestamp) -> NewEvent {
    NewEvent::new(
        asset_stream(asset.id),
        kind,
        asset.id.to_string(),
        asset.created_by.clone(),
        json!({
            "id": asset.id,
            "assetType": asset.asset_type,
            "filename": asset.filename,
            "mimeType": asset.mime_type,
            "size": asset.size,
            "url": asset.url,
        }),
        at,
    )
}

/// Appends the event of `kind` about `doc` through `stores` (the write's unit of work).
pub(crate) async fn record_document(
    stores: &dyn Stores,
    scope: &Scope,
    kind: EventKind,
    doc: &Document,
) -> Result<()> {
    stores
        .append_event(scope, &document_event(kind, doc))
        .await
        .map(drop)
}

/// The change feed of one organization scope. Get it from [`Cms::events`](crate::Cms::events).
#[derive(Debug, Clone)]
pub struct EventService {
    db: Arc<dyn DatabaseAdapter>,
    scope: Scope,
}

impl EventService {
    pub(crate) fn new(db: Arc<dyn DatabaseAdapter>, scope: Scope) -> Self {
        EventService { db, scope }
    }

    /// The events of document `id` numbered after `after` (0: from its first), in the order
    /// its writes committed, at most `limit`.
    ///
    /// # Errors
    /// [`Error::InvalidQuery`] for a `limit` of 0 or over [`MAX_EVENT_PAGE`].
    pub async fn for_document(&self, id: Uuid, after: i64, limit: u32) -> Result<Vec<Event>> {
        self.for_stream(&document_stream(id), after, limit).await
    }

    /// The events of asset `id`, as [`for_document`](Self::for_document).
    ///
    /// # Errors
    /// As [`for_document`](Self::for_document).
    pub async fn for_asset(&self, id: Uuid, after: i64, limit: u32) -> Result<Vec<Event>> {
        self.for_stream(&asset_stream(id), after, limit).await
    }

    /// The events of any stream (`organization:<id>`, `schema`, …), as
    /// [`for_document`](Self::for_document).
    ///
    /// # Errors
    /// As [`for_document`](Self::for_document).
    pub async fn for_stream(&self, stream: &str, after: i64, limit: u32) -> Result<Vec<Event>> {
        limits::check_page_limit(limit, MAX_EVENT_PAGE)?;
        if !super::values::storable(stream) {
            return Ok(Vec::new());
        }
        self.db
            .find_stream_events(&self.scope, stream, after, limit)
            .await
    }

    /// The events of the scope's organizations within `range` (created in `[from, to)`), oldest
    /// first; for the next page pass the last event with [`EventRange::after`].
    ///
    /// # Errors
    /// [`Error::InvalidQuery`] for a bad `limit` or `from` after `to`.
    pub async fn between(&self, range: &EventRange) -> Result<Vec<Event>> {
        limits::check_page_limit(range.limit, MAX_EVENT_PAGE)?;
        if let (Some(from), Some(to)) = (range.from, range.to)
            && from > to
        {
            return Err(Error::invalid_query("from", "is after `to`"));
        }
        self.db.find_events(&self.scope, range).await
    }
}

/// What one [`Outbox::claim`] got: the entries, and the token that completes or releases them.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct Claimed {
    /// The claim's token.
    pub token: Uuid,
    /// The entries, oldest first; at most one per stream.
    pub entries: Vec<OutboxEntry>,
}

impl Claimed {
    /// The claimed events' ids.
    pub fn ids(&self) -> Vec<Uuid> {
        self.entries.iter().map(|e| e.event.id).collect()
    }
}

/// The outbox: the events no consumer has finished with, for every organization. Consumers
/// claim a batch under a lease, handle it, and complete it; what a crashed consumer held is
/// claimed again once its lease ends. Get it from [`Cms::outbox`](crate::Cms::outbox).
#[derive(Debug, Clone)]
pub struct Outbox {
    db: Arc<dyn DatabaseAdapter>,
}

impl Outbox {
    pub(crate) fn new(db: Arc<dyn DatabaseAdapter>) -> Self {
        Outbox { db }
    }

    /// Claims up to `limit` entries for `lease`: the oldest available ones, each the earliest
    /// of its stream still in the outbox — so a stream's events are handled one after the
    /// other, in order, whichever consumer takes them. Empty when there is nothing to do.
    ///
    /// # Errors
    /// [`Error::InvalidQuery`] for a `limit` of 0 or over [`MAX_EVENT_PAGE`], or a zero or
    /// unrepresentable `lease`.
    pub async fn claim(&self, limit: u32, lease: Duration) -> Result<Claimed> {
        limits::check_page_limit(limit, MAX_EVENT_PAGE)?;
        let at = now();
        let lease_until = lease_end(at, lease)?;
        let token = Uuid::new_v4();
        let entries = self
            .db
            .claim_outbox(&OutboxClaim::new(token, at, lease_until, limit))
            .await?;
        Ok(Claimed { token, entries })
    }

    /// Marks the entries `ids` of the claim `token` done: they leave the outbox (their events
    /// stay in the log). Returns how many were still held by the claim — an entry whose lease
    /// ended and that another consumer claimed since is not completed by this one.
    ///
    /// # Errors
    /// Backend errors.
    pub async fn complete(&self, token: Uuid, ids: &[Uuid]) -> Result<u64> {
        if ids.is_empty() {
            return Ok(0);
        }
        self.db.complete_outbox(token, ids).await
    }

    /// Gives the entries `ids` of the claim `token` back, to be claimed again after `delay`
    /// (a consumer that failed and wants a retry later). Returns how many were still held.
    ///
    /// # Errors
    /// [`Error::InvalidQuery`] for an unrepresentable `delay`; backend errors.
    pub async fn release(&self, token: Uuid, ids: &[Uuid], delay: Duration) -> Result<u64> {
        if ids.is_empty() {
            return Ok(0);
        }
        let retry_at = time_after(now(), delay, "delay")?;
        self.db.release_outbox(token, ids, retry_at).await
    }

    /// Deletes the events (of every organization) created before `before`: the log grows with
    /// every write until pruned. Events still in the outbox are kept — a consumer has not
    /// handled them — unless `discard_pending`, which also drops their outbox entries (for a
    /// database nobody consumes). Returns how many were deleted.
    ///
    /// # Errors
    /// Backend errors.
    pub async fn prune_events(&self, before: Timestamp, discard_pending: bool) -> Result<u64> {
        self.db.prune_events(before, discard_pending).await
    }
}

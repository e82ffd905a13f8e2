use std::sync::Arc;

use async_trait::async_trait;
use uuid::Uuid;

use crate::error::Result;
use crate::model::{Event, NewEvent, OutboxEntry, Timestamp};
use crate::scope::Scope;

/// Which events [`EventStore::find_events`] lists: those visible in the scope created in
/// `[from, to)`, after the cursor, oldest first.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct EventRange {
    /// Created at or after (`None`: from the first).
    pub from: Option<Timestamp>,
    /// Created before (`None`: up to now).
    pub to: Option<Timestamp>,
    /// Only events after this one in the order `(created_at, id)`: the last event of the
    /// previous page.
    pub after: Option<(Timestamp, Uuid)>,
    /// At most this many.
    pub limit: u32,
}

impl EventRange {
    /// Events in `[from, to)`, the first `limit`.
    pub fn new(from: Option<Timestamp>, to: Option<Timestamp>, limit: u32) -> Self {
        EventRange {
            from,
            to,
            after: None,
            limit,
        }
    }

    /// The page after the event at `created_at` with `id`.
    pub fn after(mut self, created_at: Timestamp, id: Uuid) -> Self {
        self.after = Some((created_at, id));
        self
    }
}

/// A consumer's claim on the outbox ([`EventStore::claim_outbox`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct OutboxClaim {
    /// Identifies this claim: completing or releasing an entry needs it, so a consumer whose
    /// lease ran out (and whose entry another consumer claimed since) cannot complete it.
    pub token: Uuid,
    /// The current time: entries available at or before it may be claimed.
    pub now: Timestamp,
    /// Until when the claimed entries are held.
    pub lease_until: Timestamp,
    /// At most this many entries.
    pub limit: u32,
}

impl OutboxClaim {
    /// A claim of up to `limit` entries at `now`, held until `lease_until`.
    pub fn new(token: Uuid, now: Timestamp, lease_until: Timestamp, limit: u32) -> Self {
        OutboxClaim {
            token,
            now,
            lease_until,
            limit,
        }
    }
}

/// Storage of the change feed: `cms_events`, the per-stream counters and `cms_outbox`.
///
/// Appending is scoped (the event belongs to the scope's organization), and so is listing; the
/// outbox is one queue for the whole database — its consumers (webhooks, cache purges, search
/// indexing) serve every organization.
#[async_trait]
pub trait EventStore: Send + Sync {
    /// Appends `event` in the scope's organization: numbers it one past its stream's last
    /// event and adds its outbox entry (available at once), atomically — inside the caller's
    /// transaction when the stores are one, so the event commits with the write it reports.
    /// Concurrent appends to one stream are numbered in the order they commit.
    async fn append_event(&self, scope: &Scope, event: &NewEvent) -> Result<Event>;

    /// Appends every event of `events` as [`append_event`](Self::append_event) does, in order
    /// — for the bulk writes (SQL: a few multi-row statements instead of three per event).
    async fn append_events(&self, scope: &Scope, events: &[NewEvent]) -> Result<()> {
        for event in events {
            self.append_event(scope, event).await?;
        }
        Ok(())
    }

    /// The events of `stream` visible in the scope numbered after `after`, in stream order, at
    /// most `limit`.
    async fn find_stream_events(
        &self,
        scope: &Scope,
        stream: &str,
        after: i64,
        limit: u32,
    ) -> Result<Vec<Event>>;

    /// The events visible in the scope within `range`, in the order `(created_at, id)`.
    async fn find_events(&self, scope: &Scope, range: &EventRange) -> Result<Vec<Event>>;

    /// Claims up to `claim.limit` outbox entries, oldest first, for `[now, lease_until)`: only
    /// entries available at `now` (never claimed, released, or whose lease ended) that are the
    /// **head of their stream** (no earlier entry of the same stream is left), so the events
    /// of one stream are handed out one at a time, in order. Each claim counts an attempt.
    /// Concurrent claims never hand out the same entry.
    async fn claim_outbox(&self, claim: &OutboxClaim) -> Result<Vec<OutboxEntry>>;

    /// Deletes the entries `ids` still held under `token` (done); how many were.
    async fn complete_outbox(&self, token: Uuid, ids: &[Uuid]) -> Result<u64>;

    /// Gives the entries `ids` held under `token` back, claimable again from `retry_at`; how
    /// many were.
    async fn release_outbox(&self, token: Uuid, ids: &[Uuid], retry_at: Timestamp) -> Result<u64>;

    /// Deletes the events of every organization created before `before` — except those still
    /// in the outbox unless `discard_pending` (then their entries go too); how many. The
    /// streams' counters stay, so later events keep their numbering.
    async fn prune_events(&self, before: Timestamp, discard_pending: bool) -> Result<u64>;
}

/// Forwards to the store inside, so an `Arc` or a `Box` of a store is a store.
macro_rules! forward {
    ($($wrapper:ident),*) => {$(
        #[async_trait]
        #[deny(clippy::missing_trait_methods)]
        impl<T: EventStore + ?Sized> EventStore for $wrapper<T> {
            async fn append_event(&self, scope: &Scope, event: &NewEvent) -> Result<Event> {
                (**self).append_event(scope, event).await
            }

            async fn append_events(&self, scope: &Scope, events: &[NewEvent]) -> Result<()> {
                (**self).append_events(scope, events).await
            }

            async fn find_stream_events(
                &self,
                scope: &Scope,
                stream: &str,
                after: i64,
                limit: u32,
            ) -> Result<Vec<Event>> {
                (**self).find_stream_events(scope, stream, after, limit).await
            }

            async fn find_events(&self, scope: &Scope, range: &EventRange) -> Result<Vec<Event>> {
                (**self).find_events(scope, range).await
            }

            async fn claim_outbox(&self, claim: &OutboxClaim) -> Result<Vec<OutboxEntry>> {
                (**self).claim_outbox(claim).await
            }

            async fn complete_outbox(&self, token: Uuid, ids: &[Uuid]) -> Result<u64> {
                (**self).complete_outbox(token, ids).await
            }

            async fn release_outbox(
                &self,
                token: Uuid,
                ids: &[Uuid],
                retry_at: Timestamp,
            ) -> Result<u64> {
                (**self).release_outbox(token, ids, retry_at).await
            }

            async fn prune_events(&self, before: Timestamp, discard_pending: bool) -> Result<u64> {
                (**self).prune_events(before, discard_pending).await
            }
        }
    )*};
}
forward!(Arc, Box);

//! The change feed on MongoDB: `cms_events`, `cms_event_streams` and `cms_outbox`
//! (`docs/events.md`). In a transaction the three writes of an append commit with the write
//! they report; without one (a standalone server) they follow it, and what that promises is
//! stated in the docs.

use async_trait::async_trait;
use mongodb::bson::{Bson, Document, doc};
use mongodb::options::ReturnDocument;
use uuid::Uuid;

use aphex_core::model::{Event, EventKind, NewEvent, OutboxEntry, Timestamp};
use aphex_core::ports::{EventRange, EventStore, OutboxClaim};
use aphex_core::{Result, Scope};

use super::collections::{EVENT_STREAMS, EVENTS, OUTBOX};
use super::{MongoStore, ORGANIZATION, SessionMode, exec, visible};
use crate::error::{malformed, map_err};
use crate::value::{Fields, date, opt, to_bson};

/// Outbox entries read per round while looking for claimable heads.
const CANDIDATE_BATCH: u64 = 200;

/// Events looked at per round of a prune.
const PRUNE_BATCH: u64 = 1000;

fn to_core(d: &Document) -> Result<Event> {
    let f = Fields::new(d, EVENTS);
    let kind = f.str("kind")?;
    Ok(Event {
        id: f.uuid("_id")?,
        organization_id: f.str(ORGANIZATION)?,
        stream: f.str("stream")?,
        sequence: f.i64("streamSeq")?,
        kind: EventKind::parse(&kind)
            .ok_or_else(|| malformed(EVENTS, format!("unknown event kind {kind:?}")))?,
        subject_id: f.str("subjectId")?,
        actor: f.opt_str("actor")?,
        data: f.json("data")?,
        created_at: f.date("createdAt")?,
    })
}

fn ids_in(ids: &[Uuid]) -> Document {
    let ids: Vec<String> = ids.iter().map(ToString::to_string).collect();
    doc! { "$in": ids }
}

impl<S: SessionMode> MongoStore<S> {
    /// Claims the outbox entry `id` if it is still available at `claim.now`: one atomic
    /// find-and-modify, so two consumers never both get it.
    async fn claim_one(&self, id: &str, claim: &OutboxClaim) -> Result<Option<Document>> {
        let coll = self.coll(OUTBOX);
        exec!(
            self,
            coll.find_one_and_update(
                doc! { "_id": id, "availableAt": { "$lte": date(claim.now) } },
                doc! {
                    "$set": {
                        "leaseToken": claim.token.to_string(),
                        "availableAt": date(claim.lease_until),
                    },
                    "$inc": { "attempts": 1i32 },
                },
            )
            .return_document(ReturnDocument::After)
        )
        .map_err(map_err("outbox entry"))
    }

    /// Whether an earlier entry of the entry's stream is still in the outbox.
    async fn has_earlier(&self, stream: &str, seq: i64) -> Result<bool> {
        let coll = self.coll(OUTBOX);
        let found = exec!(
            self,
            coll.find_one(doc! { "stream": stream, "streamSeq": { "$lt": seq } })
                .projection(doc! { "_id": 1 })
        )
        .map_err(map_err("outbox entry"))?;
        Ok(found.is_some())
    }
}

#[async_trait]
impl<S: SessionMode> EventStore for MongoStore<S> {
    async fn append_event(&self, scope: &Scope, event: &NewEvent) -> Result<Event> {
        let streams = self.coll(EVENT_STREAMS);
        let counter = exec!(
            self,
            streams
                .find_one_and_update(
                    doc! { "_id": &event.stream },
                    doc! { "$inc": { "lastSeq": 1i64 } },
                )
                .upsert(true)
                .return_document(ReturnDocument::After)
        )
        .map_err(map_err("event stream"))?
        .ok_or_else(|| malformed(EVENT_STREAMS, "the counter upsert returned nothing"))?;
        let seq = Fields::new(&counter, EVENT_STREAMS).i64("lastSeq")?;
        let id = event.id.to_string();
        let record = doc! {
            "_id": &id,
            ORGANIZATION: scope.organization(),
            "stream": &event.stream,
            "streamSeq": seq,
            "kind": event.kind.as_str(),
            "subjectId": &event.subject_id,
            "actor": opt(event.actor.clone()),
            "data": to_bson(&event.data),
            "createdAt": date(event.created_at),
        };
        let events = self.coll(EVENTS);
        exec!(self, events.insert_one(&record)).map_err(map_err("event"))?;
        let entry = doc! {
            "_id": &id,
            "stream": &event.stream,
            "streamSeq": seq,
            "createdAt": date(event.created_at),
            "availableAt": date(event.created_at),
            "leaseToken": Bson::Null,
            "attempts": 0i32,
        };
        let outbox = self.coll(OUTBOX);
        exec!(self, outbox.insert_one(&entry)).map_err(map_err("outbox entry"))?;
        to_core(&record)
    }

    async fn find_stream_events(
        &self,
        scope: &Scope,
        stream: &str,
        after: i64,
        limit: u32,
    ) -> Result<Vec<Event>> {
        let filter = visible(
            doc! { "stream": stream, "streamSeq": { "$gt": after } },
            scope,
        );
        self.find_all(
            EVENTS,
            filter,
            Some(doc! { "streamSeq": 1 }),
            None,
            Some(u64::from(limit)),
        )
        .await?
        .iter()
        .map(to_core)
        .collect()
    }

    async fn find_events(&self, scope: &Scope, range: &EventRange) -> Result<Vec<Event>> {
        let mut created = Document::new();
        if let Some(from) = range.from {
            created.insert("$gte", date(from));
        }
        if let Some(to) = range.to {
            created.insert("$lt", date(to));
        }
        let mut filter = Document::new();
        if !created.is_empty() {
            filter.insert("createdAt", created);
        }
        if let Some((at, id)) = range.after {
            filter.insert(
                "$or",
                vec![
                    doc! { "createdAt": { "$gt": date(at) } },
                    doc! { "createdAt": date(at), "_id": { "$gt": id.to_string() } },
                ],
            );
        }
        self.find_all(
            EVENTS,
            visible(filter, scope),
            Some(doc! { "createdAt": 1, "_id": 1 }),
            None,
            Some(u64::from(range.limit)),
        )
        .await?
        .iter()
        .map(to_core)
        .collect()
    }

    async fn claim_outbox(&self, claim: &OutboxClaim) -> Result<Vec<OutboxEntry>> {
        // No multi-document statement: walk the available entries oldest first, and take each
        // that is the head of its stream with its own find-and-modify.
        let mut claimed: Vec<Document> = Vec::new();
        let mut after: Option<(Bson, String)> = None;
        'pages: while claimed.len() < claim.limit as usize {
            let mut filter = doc! { "availableAt": { "$lte": date(claim.now) } };
            if let Some((at, id)) = &after {
                filter.insert(
                    "$or",
                    vec![
                        doc! { "createdAt": { "$gt": at.clone() } },
                        doc! { "createdAt": at.clone(), "_id": { "$gt": id } },
                    ],
                );
            }
            let page = self
                .find_all(
                    OUTBOX,
                    filter,
                    Some(doc! { "createdAt": 1, "_id": 1 }),
                    None,
                    Some(CANDIDATE_BATCH),
                )
                .await?;
            let Some(last) = page.last() else {
                break;
            };
            let last_fields = Fields::new(last, OUTBOX);
            after = Some((
                last.get("createdAt").cloned().unwrap_or(Bson::Null),
                last_fields.str("_id")?,
            ));
            for candidate in &page {
                let f = Fields::new(candidate, OUTBOX);
                if self
                    .has_earlier(&f.str("stream")?, f.i64("streamSeq")?)
                    .await?
                {
                    continue;
                }
                if let Some(entry) = self.claim_one(&f.str("_id")?, claim).await? {
                    claimed.push(entry);
                    if claimed.len() >= claim.limit as usize {
                        break 'pages;
                    }
                }
            }
            if (page.len() as u64) < CANDIDATE_BATCH {
                break;
            }
        }
        if claimed.is_empty() {
            return Ok(Vec::new());
        }
        let ids: Vec<String> = claimed
            .iter()
            .map(|d| Fields::new(d, OUTBOX).str("_id"))
            .collect::<Result<_>>()?;
        let events = self
            .find_all(EVENTS, doc! { "_id": { "$in": &ids } }, None, None, None)
            .await?;
        let mut entries = Vec::with_capacity(claimed.len());
        for entry in &claimed {
            let f = Fields::new(entry, OUTBOX);
            let id = f.str("_id")?;
            let Some(event) = events.iter().find(|e| e.get_str("_id").ok() == Some(&id)) else {
                continue;
            };
            entries.push(OutboxEntry {
                event: to_core(event)?,
                attempts: f.opt_i32("attempts")?.unwrap_or(0),
                lease_until: f.date("availableAt")?,
            });
        }
        Ok(entries)
    }

    async fn complete_outbox(&self, token: Uuid, ids: &[Uuid]) -> Result<u64> {
        let coll = self.coll(OUTBOX);
        let res = exec!(
            self,
            coll.delete_many(doc! { "_id": ids_in(ids), "leaseToken": token.to_string() })
        )
        .map_err(map_err("outbox entry"))?;
        Ok(res.deleted_count)
    }

    async fn prune_events(&self, before: Timestamp, discard_pending: bool) -> Result<u64> {
        // In batches: the old events' ids, less (or, discarding, with) those in the outbox.
        let mut pruned = 0;
        let mut after = String::new();
        loop {
            let batch = self
                .find_all(
                    EVENTS,
                    doc! { "createdAt": { "$lt": date(before) }, "_id": { "$gt": &after } },
                    Some(doc! { "_id": 1 }),
                    None,
                    Some(PRUNE_BATCH),
                )
                .await?;
            let ids: Vec<String> = batch
                .iter()
                .map(|d| Fields::new(d, EVENTS).str("_id"))
                .collect::<Result<_>>()?;
            let Some(last) = ids.last().cloned() else {
                return Ok(pruned);
            };
            let outbox = self.coll(OUTBOX);
            let doomed = if discard_pending {
                exec!(self, outbox.delete_many(doc! { "_id": { "$in": &ids } }))
                    .map_err(map_err("outbox entry"))?;
                ids
            } else {
                let pending = self
                    .find_all(OUTBOX, doc! { "_id": { "$in": &ids } }, None, None, None)
                    .await?;
                let pending: Vec<String> = pending
                    .iter()
                    .map(|d| Fields::new(d, OUTBOX).str("_id"))
                    .collect::<Result<_>>()?;
                ids.into_iter().filter(|id| !pending.contains(id)).collect()
            };
            let events = self.coll(EVENTS);
            let res = exec!(self, events.delete_many(doc! { "_id": { "$in": &doomed } }))
                .map_err(map_err("event"))?;
            pruned += res.deleted_count;
            after = last;
        }
    }

    async fn release_outbox(&self, token: Uuid, ids: &[Uuid], retry_at: Timestamp) -> Result<u64> {
        let coll = self.coll(OUTBOX);
        let res = exec!(
            self,
            coll.update_many(
                doc! { "_id": ids_in(ids), "leaseToken": token.to_string() },
                doc! { "$set": { "leaseToken": Bson::Null, "availableAt": date(retry_at) } },
            )
        )
        .map_err(map_err("outbox entry"))?;
        Ok(res.modified_count)
    }
}

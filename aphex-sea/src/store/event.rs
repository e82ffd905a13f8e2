//! The change feed on SQL: `cms_events`, `cms_event_streams` and `cms_outbox`
//! (`docs/events.md`). PostgreSQL's one-statement document writes append their event inside
//! their own statement (`pg_document_event_and_row!` in `document.rs`); everything else appends
//! here, in the caller's transaction.

use std::collections::{HashMap, HashSet};

use async_trait::async_trait;
use sea_orm::sea_query::{
    Alias, Expr, ExprTrait, LockBehavior, LockType, OnConflict, Order, Query,
};
use sea_orm::{
    ColumnTrait, ConnectionTrait, DatabaseTransaction, EntityTrait, FromQueryResult, QueryFilter,
    QueryOrder, QuerySelect, Statement,
};
use uuid::Uuid;

use aphex_core::model::{Event, EventKind, NewEvent, OutboxEntry, Timestamp};
use aphex_core::ports::{EventRange, EventStore, OutboxClaim};
use aphex_core::{Error, Result, Scope};

use super::{BULK_ROWS, SeaStore, visible};
use crate::conn::{Begin, SeaConnection};
use crate::dialect::Dialect;
use crate::entity::{event, event_stream, outbox};
use crate::value::DbUuid;

const ENTITY: &str = "event";

/// The columns an event is inserted with.
const EVENT_COLUMNS: [event::Column; 9] = [
    event::Column::Id,
    event::Column::OrganizationId,
    event::Column::Stream,
    event::Column::StreamSeq,
    event::Column::Kind,
    event::Column::SubjectId,
    event::Column::Actor,
    event::Column::Data,
    event::Column::CreatedAt,
];

/// The columns an outbox entry is inserted with (the others take their defaults: no lease,
/// no attempt).
const OUTBOX_COLUMNS: [outbox::Column; 5] = [
    outbox::Column::EventId,
    outbox::Column::Stream,
    outbox::Column::StreamSeq,
    outbox::Column::CreatedAt,
    outbox::Column::AvailableAt,
];

fn to_core(m: event::Model) -> Result<Event> {
    let kind = EventKind::parse(&m.kind).ok_or_else(|| {
        Error::backend(
            "sql",
            format!("unknown event kind {:?} in the database", m.kind),
        )
    })?;
    Ok(Event {
        id: m.id.0,
        organization_id: m.organization_id,
        stream: m.stream,
        sequence: m.stream_seq,
        kind,
        subject_id: m.subject_id,
        actor: m.actor,
        data: m.data,
        created_at: m.created_at,
    })
}

/// What a claim's `UPDATE … RETURNING` gives back per entry.
#[derive(Debug, FromQueryResult)]
struct Claimed {
    event_id: DbUuid,
    attempts: i32,
    available_at: Timestamp,
}

impl<C: ConnectionTrait + Send + Sync, B> SeaStore<C, B> {
    /// The statements of an append on `conn` (a transaction): the streams' counters (one
    /// multi-row upsert when the streams are distinct; PostgreSQL refuses one that would
    /// update a row twice), then the events and their outbox entries in multi-row inserts.
    async fn append_on<T: ConnectionTrait>(
        &self,
        conn: &T,
        scope: &Scope,
        events: &[NewEvent],
    ) -> Result<Vec<Event>> {
        let streams: HashSet<&str> = events.iter().map(|e| e.stream.as_str()).collect();
        let mut appended = Vec::with_capacity(events.len());
        if streams.len() < events.len() {
            for event in events {
                let seq = self.count_on(conn, std::slice::from_ref(event)).await?;
                appended.extend(
                    self.insert_on(conn, scope, std::slice::from_ref(event), &seq)
                        .await?,
                );
            }
            return Ok(appended);
        }
        for chunk in events.chunks(BULK_ROWS) {
            let seq = self.count_on(conn, chunk).await?;
            appended.extend(self.insert_on(conn, scope, chunk, &seq).await?);
        }
        Ok(appended)
    }

    /// Increments the counters of `events`' streams (distinct) in one statement; the new
    /// numbers by stream.
    async fn count_on<T: ConnectionTrait>(
        &self,
        conn: &T,
        events: &[NewEvent],
    ) -> Result<HashMap<String, i64>> {
        let mut counter = Query::insert();
        counter
            .into_table(event_stream::Entity)
            .columns([event_stream::Column::Stream, event_stream::Column::LastSeq]);
        for e in events {
            counter
                .values([Expr::val(e.stream.as_str()), Expr::val(1_i64)])
                .map_err(|e| Error::backend("sql", e))?;
        }
        counter
            .on_conflict(
                OnConflict::column(event_stream::Column::Stream)
                    .value(
                        event_stream::Column::LastSeq,
                        Expr::col((event_stream::Entity, event_stream::Column::LastSeq)).add(1),
                    )
                    .to_owned(),
            )
            .returning(
                Query::returning()
                    .columns([event_stream::Column::Stream, event_stream::Column::LastSeq]),
            );
        conn.query_all_raw(conn.get_database_backend().build(&counter))
            .await
            .map_err(self.err(ENTITY))?
            .iter()
            .map(|row| {
                let stream: String = row.try_get("", "stream")?;
                let seq: i64 = row.try_get("", "last_seq")?;
                Ok((stream, seq))
            })
            .collect::<std::result::Result<_, sea_orm::DbErr>>()
            .map_err(self.err(ENTITY))
    }

    /// Inserts `events`, numbered by `seq`, and their outbox entries.
    async fn insert_on<T: ConnectionTrait>(
        &self,
        conn: &T,
        scope: &Scope,
        events: &[NewEvent],
        seq: &HashMap<String, i64>,
    ) -> Result<Vec<Event>> {
        let appended: Vec<Event> = events
            .iter()
            .map(|e| {
                let sequence = *seq.get(&e.stream).ok_or_else(|| {
                    Error::backend("sql", format!("no number for stream {:?}", e.stream))
                })?;
                Ok(Event {
                    id: e.id,
                    organization_id: scope.organization().to_owned(),
                    stream: e.stream.clone(),
                    sequence,
                    kind: e.kind,
                    subject_id: e.subject_id.clone(),
                    actor: e.actor.clone(),
                    data: e.data.clone(),
                    created_at: e.created_at,
                })
            })
            .collect::<Result<_>>()?;
        let event_rows = appended.iter().map(|e| {
            [
                Expr::val(DbUuid(e.id)),
                Expr::val(e.organization_id.as_str()),
                Expr::val(e.stream.as_str()),
                Expr::val(e.sequence),
                Expr::val(e.kind.as_str()),
                Expr::val(e.subject_id.as_str()),
                Expr::val(e.actor.clone()),
                self.dialect().json_param(&e.data),
                Expr::val(e.created_at),
            ]
        });
        self.insert_rows_on(
            conn,
            event::Entity,
            EVENT_COLUMNS,
            event_rows.collect(),
            ENTITY,
        )
        .await?;
        let entry_rows = appended.iter().map(|e| {
            [
                Expr::val(DbUuid(e.id)),
                Expr::val(e.stream.as_str()),
                Expr::val(e.sequence),
                Expr::val(e.created_at),
                Expr::val(e.created_at),
            ]
        });
        self.insert_rows_on(
            conn,
            outbox::Entity,
            OUTBOX_COLUMNS,
            entry_rows.collect(),
            "outbox entry",
        )
        .await?;
        Ok(appended)
    }

    /// Appends `events` atomically: in the caller's transaction, or in one of its own.
    async fn append(&self, scope: &Scope, events: &[NewEvent]) -> Result<Vec<Event>>
    where
        SeaConnection<C>: Begin,
    {
        if self.conn.in_transaction {
            return self.append_on(&self.conn, scope, events).await;
        }
        let tx = self
            .conn
            .begin_transaction()
            .await
            .map_err(self.err("transaction"))?;
        let tx = SeaStore::<DatabaseTransaction, B>::over(tx, self.rls);
        let appended = self.append_on(&tx.conn, scope, events).await;
        tx.finish(appended).await
    }

    /// The events with these ids, by id.
    async fn events_by_id(&self, ids: &[Uuid]) -> Result<HashMap<Uuid, Event>> {
        let rows = event::Entity::find()
            .filter(event::Column::Id.is_in(ids.iter().map(|id| DbUuid(*id))))
            .all(&self.conn)
            .await
            .map_err(self.err(ENTITY))?;
        rows.into_iter()
            .map(|m| to_core(m).map(|e| (e.id, e)))
            .collect()
    }

    /// The claim: one `UPDATE` of the oldest available heads of their streams (PostgreSQL
    /// skips rows another claim has locked; SQLite runs one writer at a time).
    fn claim_statement(&self, claim: &OutboxClaim) -> Statement {
        let candidate = Alias::new("candidate");
        let earlier = Alias::new("earlier");
        let col = |table: &Alias, c: outbox::Column| Expr::col((table.clone(), c));
        let earlier_entry = Query::select()
            .expr(Expr::val(1))
            .from_as(outbox::Entity, earlier.clone())
            .and_where(
                col(&earlier, outbox::Column::Stream)
                    .equals((candidate.clone(), outbox::Column::Stream)),
            )
            .and_where(
                col(&earlier, outbox::Column::StreamSeq)
                    .lt(col(&candidate, outbox::Column::StreamSeq)),
            )
            .to_owned();
        let mut heads = Query::select()
            .column((candidate.clone(), outbox::Column::EventId))
            .from_as(outbox::Entity, candidate.clone())
            .and_where(col(&candidate, outbox::Column::AvailableAt).lte(claim.now))
            .and_where(Expr::exists(earlier_entry).not())
            .order_by((candidate.clone(), outbox::Column::CreatedAt), Order::Asc)
            .order_by((candidate.clone(), outbox::Column::EventId), Order::Asc)
            .limit(u64::from(claim.limit))
            .to_owned();
        if self.dialect() == Dialect::Postgres {
            heads.lock_with_behavior(LockType::Update, LockBehavior::SkipLocked);
        }
        let update = Query::update()
            .table(outbox::Entity)
            .value(outbox::Column::LeaseToken, DbUuid(claim.token))
            .value(outbox::Column::AvailableAt, claim.lease_until)
            .value(
                outbox::Column::Attempts,
                Expr::col(outbox::Column::Attempts).add(1),
            )
            .and_where(Expr::col(outbox::Column::EventId).in_subquery(heads))
            .returning(Query::returning().columns([
                outbox::Column::EventId,
                outbox::Column::Attempts,
                outbox::Column::AvailableAt,
            ]))
            .to_owned();
        self.conn.get_database_backend().build(&update)
    }
}

#[async_trait]
impl<C: ConnectionTrait + Send + Sync, B: Send + Sync> EventStore for SeaStore<C, B>
where
    SeaConnection<C>: Begin,
{
    async fn append_event(&self, scope: &Scope, event: &NewEvent) -> Result<Event> {
        self.append(scope, std::slice::from_ref(event))
            .await?
            .pop()
            .ok_or_else(|| Error::backend("sql", "an append appended nothing"))
    }

    async fn append_events(&self, scope: &Scope, events: &[NewEvent]) -> Result<()> {
        if events.is_empty() {
            return Ok(());
        }
        self.append(scope, events).await.map(drop)
    }

    async fn find_stream_events(
        &self,
        scope: &Scope,
        stream: &str,
        after: i64,
        limit: u32,
    ) -> Result<Vec<Event>> {
        event::Entity::find()
            .filter(visible(Expr::col(event::Column::OrganizationId), scope))
            .filter(event::Column::Stream.eq(stream))
            .filter(event::Column::StreamSeq.gt(after))
            .order_by_asc(event::Column::StreamSeq)
            .limit(u64::from(limit))
            .all(&self.conn)
            .await
            .map_err(self.err(ENTITY))?
            .into_iter()
            .map(to_core)
            .collect()
    }

    async fn find_events(&self, scope: &Scope, range: &EventRange) -> Result<Vec<Event>> {
        let mut query =
            event::Entity::find().filter(visible(Expr::col(event::Column::OrganizationId), scope));
        if let Some(from) = range.from {
            query = query.filter(event::Column::CreatedAt.gte(from));
        }
        if let Some(to) = range.to {
            query = query.filter(event::Column::CreatedAt.lt(to));
        }
        if let Some((at, id)) = range.after {
            query = query.filter(
                event::Column::CreatedAt.gt(at).or(event::Column::CreatedAt
                    .eq(at)
                    .and(event::Column::Id.gt(DbUuid(id)))),
            );
        }
        query
            .order_by_asc(event::Column::CreatedAt)
            .order_by_asc(event::Column::Id)
            .limit(u64::from(range.limit))
            .all(&self.conn)
            .await
            .map_err(self.err(ENTITY))?
            .into_iter()
            .map(to_core)
            .collect()
    }

    async fn claim_outbox(&self, claim: &OutboxClaim) -> Result<Vec<OutboxEntry>> {
        let claimed = Claimed::find_by_statement(self.claim_statement(claim))
            .all(&self.conn)
            .await
            .map_err(self.err("outbox entry"))?;
        if claimed.is_empty() {
            return Ok(Vec::new());
        }
        let ids: Vec<Uuid> = claimed.iter().map(|c| c.event_id.0).collect();
        let mut events = self.events_by_id(&ids).await?;
        let mut entries: Vec<OutboxEntry> = claimed
            .into_iter()
            .filter_map(|c| {
                events.remove(&c.event_id.0).map(|event| OutboxEntry {
                    event,
                    attempts: c.attempts,
                    lease_until: c.available_at,
                })
            })
            .collect();
        entries.sort_by(|a, b| {
            (a.event.created_at, a.event.id).cmp(&(b.event.created_at, b.event.id))
        });
        Ok(entries)
    }

    async fn complete_outbox(&self, token: Uuid, ids: &[Uuid]) -> Result<u64> {
        let res = outbox::Entity::delete_many()
            .filter(outbox::Column::EventId.is_in(ids.iter().map(|id| DbUuid(*id))))
            .filter(outbox::Column::LeaseToken.eq(DbUuid(token)))
            .exec(&self.conn)
            .await
            .map_err(self.err("outbox entry"))?;
        Ok(res.rows_affected)
    }

    async fn prune_events(&self, before: Timestamp, discard_pending: bool) -> Result<u64> {
        let mut prune = event::Entity::delete_many().filter(event::Column::CreatedAt.lt(before));
        if !discard_pending {
            let pending = Query::select()
                .expr(Expr::val(1))
                .from(outbox::Entity)
                .and_where(
                    Expr::col((outbox::Entity, outbox::Column::EventId))
                        .equals((event::Entity, event::Column::Id)),
                )
                .to_owned();
            prune = prune.filter(Expr::exists(pending).not());
        }
        // The outbox entries of discarded events go with them (`ON DELETE CASCADE`).
        let res = prune.exec(&self.conn).await.map_err(self.err(ENTITY))?;
        Ok(res.rows_affected)
    }

    async fn release_outbox(&self, token: Uuid, ids: &[Uuid], retry_at: Timestamp) -> Result<u64> {
        let res = outbox::Entity::update_many()
            .col_expr(outbox::Column::LeaseToken, Expr::val(Option::<Uuid>::None))
            .col_expr(outbox::Column::AvailableAt, Expr::val(retry_at))
            .filter(outbox::Column::EventId.is_in(ids.iter().map(|id| DbUuid(*id))))
            .filter(outbox::Column::LeaseToken.eq(DbUuid(token)))
            .exec(&self.conn)
            .await
            .map_err(self.err("outbox entry"))?;
        Ok(res.rows_affected)
    }
}

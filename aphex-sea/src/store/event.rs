//! The change feed on SQL: `cms_events`, `cms_event_streams` and `cms_outbox`
//! (`docs/events.md`). PostgreSQL's one-statement document writes append their event inside
//! their own statement (`pg_document_event_and_row!` in `document.rs`); everything else appends
//! here, in the caller's transaction.

use std::collections::HashMap;

use async_trait::async_trait;
use sea_orm::sea_query::{
    Alias, Expr, ExprTrait, LockBehavior, LockType, OnConflict, Order, Query,
};
use sea_orm::{
    ColumnTrait, ConnectionTrait, DatabaseTransaction, EntityTrait, FromQueryResult, QueryFilter,
    QueryOrder, QuerySelect, Set, Statement,
};
use uuid::Uuid;

use aphex_core::model::{Event, EventKind, NewEvent, OutboxEntry, Timestamp};
use aphex_core::ports::{EventRange, EventStore, OutboxClaim};
use aphex_core::{Error, Result, Scope};

use super::{SeaStore, visible};
use crate::conn::{Begin, SeaConnection};
use crate::dialect::Dialect;
use crate::entity::{event, event_stream, outbox};
use crate::value::DbUuid;

const ENTITY: &str = "event";

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
    /// The three statements of an append — the stream's counter, the event, its outbox entry —
    /// on `conn` (a transaction).
    async fn append_on<T: ConnectionTrait>(
        &self,
        conn: &T,
        scope: &Scope,
        e: &NewEvent,
    ) -> Result<Event> {
        let counter = Query::insert()
            .into_table(event_stream::Entity)
            .columns([event_stream::Column::Stream, event_stream::Column::LastSeq])
            .values_panic([Expr::val(e.stream.as_str()), Expr::val(1_i64)])
            .on_conflict(
                OnConflict::column(event_stream::Column::Stream)
                    .value(
                        event_stream::Column::LastSeq,
                        Expr::col((event_stream::Entity, event_stream::Column::LastSeq)).add(1),
                    )
                    .to_owned(),
            )
            .returning_col(event_stream::Column::LastSeq)
            .to_owned();
        let row = conn
            .query_one_raw(conn.get_database_backend().build(&counter))
            .await
            .map_err(self.err(ENTITY))?
            .ok_or_else(|| Error::backend("sql", "the stream counter returned no row"))?;
        let sequence: i64 = row.try_get("", "last_seq").map_err(self.err(ENTITY))?;
        let model = event::ActiveModel {
            id: Set(DbUuid(e.id)),
            organization_id: Set(scope.organization().to_owned()),
            stream: Set(e.stream.clone()),
            stream_seq: Set(sequence),
            kind: Set(e.kind.as_str().to_owned()),
            subject_id: Set(e.subject_id.clone()),
            actor: Set(e.actor.clone()),
            data: Set(e.data.clone()),
            created_at: Set(e.created_at),
        };
        let inserted = event::Entity::insert(model)
            .exec_with_returning(conn)
            .await
            .map_err(self.err(ENTITY))?;
        let entry = outbox::ActiveModel {
            event_id: Set(DbUuid(e.id)),
            stream: Set(e.stream.clone()),
            stream_seq: Set(sequence),
            created_at: Set(e.created_at),
            available_at: Set(e.created_at),
            lease_token: Set(None),
            attempts: Set(0),
        };
        outbox::Entity::insert(entry)
            .exec_without_returning(conn)
            .await
            .map_err(self.err("outbox entry"))?;
        to_core(inserted)
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
        if self.conn.in_transaction {
            return self.append_on(&self.conn, scope, event).await;
        }
        // Three statements: atomic in a transaction of their own.
        let tx: SeaConnection<DatabaseTransaction> = self
            .conn
            .begin_transaction()
            .await
            .map_err(self.err("transaction"))?;
        match self.append_on(&tx, scope, event).await {
            Ok(appended) => {
                tx.commit().await.map_err(self.err("transaction"))?;
                Ok(appended)
            }
            Err(e) => {
                if let Err(rollback) = tx.rollback().await {
                    tracing::warn!(error = %rollback, "rollback failed after {e}");
                }
                Err(e)
            }
        }
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

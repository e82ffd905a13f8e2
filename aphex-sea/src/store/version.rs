use std::num::NonZeroU32;

use async_trait::async_trait;
use sea_orm::sea_query::{Expr, ExprTrait, Func, Query};
use sea_orm::{
    ColumnTrait, ConnectionTrait, EntityTrait, FromQueryResult, Order, PaginatorTrait, QueryFilter,
    QueryOrder, QuerySelect,
};
use uuid::Uuid;

use aphex_core::model::{DocumentVersion, NewVersion, VersionEvent};
use aphex_core::ports::VersionStore;
use aphex_core::query::{Page, Paging};
use aphex_core::{Error, Result, Scope};

use super::rls::in_rls_scope;
use super::{SeaStore, owned, visible};
use crate::entity::document;
use crate::entity::document_version::{Column, Entity, Model};
use crate::value::DbUuid;

const ENTITY: &str = "version";

/// `SELECT 1 FROM cms_documents WHERE id = <document> AND organization_id = <scope's>`.
fn owned_document(scope: &Scope, document_id: Uuid) -> sea_orm::sea_query::SelectStatement {
    Query::select()
        .expr(Expr::val(1))
        .from(document::Entity)
        .and_where(Expr::col((document::Entity, document::Column::Id)).eq(DbUuid(document_id)))
        .and_where(owned(
            Expr::col((document::Entity, document::Column::OrganizationId)),
            scope,
        ))
        .to_owned()
}

fn to_core(m: Model) -> Result<DocumentVersion> {
    let event_type = VersionEvent::parse(&m.event_type).ok_or_else(|| {
        Error::backend(
            "sql",
            format!(
                "unknown version event type {:?} in the database",
                m.event_type
            ),
        )
    })?;
    Ok(DocumentVersion {
        id: m.id.0,
        document_id: m.document_id.0,
        version_number: m.version_number,
        event_type,
        data: m.data,
        created_by: m.created_by,
        created_at: m.created_at,
        organization_id: m.organization_id,
    })
}

#[async_trait]
impl<C: ConnectionTrait + Send + Sync, B: Send + Sync> VersionStore for SeaStore<C, B>
where
    crate::conn::SeaConnection<C>: crate::conn::Begin,
{
    async fn insert_version(&self, scope: &Scope, version: NewVersion) -> Result<DocumentVersion> {
        in_rls_scope!(self, scope, insert_version(version));
        // One statement: `INSERT … SELECT <values>, COALESCE(MAX(version_number), 0) + 1 FROM
        // cms_document_versions WHERE document_id = ? RETURNING *`. The services call it after
        // writing the document row in the same transaction, which serialises snapshots of one
        // document; the unique (document_id, version_number) index backs that up.
        let document_id = version.document_id;
        let next_number =
            Func::coalesce([Expr::col(Column::VersionNumber).max(), Expr::val(0_i64)]);
        let mut values = Query::select();
        values
            .expr(Expr::val(DbUuid(version.id)))
            .expr(Expr::val(DbUuid(document_id)))
            .expr(Expr::expr(next_number).add(1_i64))
            .expr(Expr::val(version.event_type.as_str()))
            .expr(self.dialect().json_param(&version.data))
            .expr(Expr::val(version.created_by))
            .expr(Expr::val(version.created_at))
            .expr(Expr::val(scope.organization()))
            .from(Entity)
            .and_where(Expr::col(Column::DocumentId).eq(DbUuid(document_id)))
            // An aggregate without GROUP BY yields one row even for no match: HAVING drops it
            // when the document is not the scope's, so nothing is inserted.
            .and_having(Expr::exists(owned_document(scope, document_id)));
        let mut insert = Query::insert();
        insert
            .into_table(Entity)
            .columns([
                Column::Id,
                Column::DocumentId,
                Column::VersionNumber,
                Column::EventType,
                Column::Data,
                Column::CreatedBy,
                Column::CreatedAt,
                Column::OrganizationId,
            ])
            .select_from(values)
            .map_err(|e| Error::backend("sql", e))?
            .returning_all();
        let stmt = self.conn.get_database_backend().build(&insert);
        let row = Model::find_by_statement(stmt)
            .one(&self.conn)
            .await
            .map_err(self.err(ENTITY));
        match row {
            Ok(Some(row)) => to_core(row),
            Ok(None) => Err(Error::not_found("document", document_id)),
            Err(Error::NotFound { .. }) => Err(Error::not_found("document", document_id)),
            Err(e) => Err(e),
        }
    }

    async fn insert_first_versions(&self, scope: &Scope, versions: Vec<NewVersion>) -> Result<()> {
        in_rls_scope!(self, scope, insert_first_versions(versions));
        // Every document must be the scope's (a snapshot never lands on another
        // organization's document).
        let mut ids: Vec<Uuid> = versions.iter().map(|v| v.document_id).collect();
        ids.sort_unstable();
        ids.dedup();
        for chunk in ids.chunks(super::BULK_ROWS) {
            let owned = document::Entity::find()
                .filter(owned(Expr::col(document::Column::OrganizationId), scope))
                .filter(document::Column::Id.is_in(chunk.iter().map(|id| DbUuid(*id))))
                .count(&self.conn)
                .await
                .map_err(self.err(ENTITY))?;
            if owned != chunk.len() as u64 {
                return Err(Error::not_found(
                    "document",
                    format!(
                        "{} of the {} documents",
                        chunk.len() as u64 - owned,
                        chunk.len()
                    ),
                ));
            }
        }
        // Number 1 for each: the documents were inserted in this unit of work and have no
        // snapshot yet (the unique (document_id, version_number) index says so otherwise).
        let rows = versions
            .iter()
            .map(|v| {
                [
                    Expr::val(DbUuid(v.id)),
                    Expr::val(DbUuid(v.document_id)),
                    Expr::val(1_i64),
                    Expr::val(v.event_type.as_str()),
                    self.dialect().json_param(&v.data),
                    Expr::val(v.created_by.clone()),
                    Expr::val(v.created_at),
                    Expr::val(scope.organization()),
                ]
            })
            .collect();
        let columns = [
            Column::Id,
            Column::DocumentId,
            Column::VersionNumber,
            Column::EventType,
            Column::Data,
            Column::CreatedBy,
            Column::CreatedAt,
            Column::OrganizationId,
        ];
        self.insert_rows(Entity, columns, rows, ENTITY).await
    }

    async fn list_versions(
        &self,
        scope: &Scope,
        document_id: Uuid,
        paging: Paging,
    ) -> Result<Page<DocumentVersion>> {
        in_rls_scope!(self, scope, list_versions(document_id, paging));
        let select = Entity::find()
            .filter(visible(Expr::col(Column::OrganizationId), scope))
            .filter(Column::DocumentId.eq(DbUuid(document_id)));
        let total = select
            .clone()
            .count(&self.conn)
            .await
            .map_err(self.err(ENTITY))?;
        let rows = select
            .order_by(Column::VersionNumber, Order::Desc)
            .limit(paging.limit())
            .offset(paging.offset())
            .all(&self.conn)
            .await
            .map_err(self.err(ENTITY))?;
        Ok(Page {
            rows: rows.into_iter().map(to_core).collect::<Result<_>>()?,
            total,
        })
    }

    async fn find_version(
        &self,
        scope: &Scope,
        document_id: Uuid,
        version_number: i64,
    ) -> Result<Option<DocumentVersion>> {
        in_rls_scope!(self, scope, find_version(document_id, version_number));
        Entity::find()
            .filter(visible(Expr::col(Column::OrganizationId), scope))
            .filter(Column::DocumentId.eq(DbUuid(document_id)))
            .filter(Column::VersionNumber.eq(version_number))
            .one(&self.conn)
            .await
            .map_err(self.err(ENTITY))?
            .map(to_core)
            .transpose()
    }

    async fn prune_versions(
        &self,
        scope: &Scope,
        document_id: Uuid,
        keep: NonZeroU32,
    ) -> Result<u64> {
        in_rls_scope!(self, scope, prune_versions(document_id, keep));
        let newest = Query::select()
            .column(Column::VersionNumber)
            .from(Entity)
            .and_where(Expr::col(Column::DocumentId).eq(DbUuid(document_id)))
            .order_by(Column::VersionNumber, Order::Desc)
            .limit(u64::from(keep.get()))
            .to_owned();
        let res = Entity::delete_many()
            .filter(owned(Expr::col(Column::OrganizationId), scope))
            .filter(Column::DocumentId.eq(DbUuid(document_id)))
            .filter(Expr::col(Column::VersionNumber).not_in_subquery(newest))
            .exec(&self.conn)
            .await
            .map_err(self.err(ENTITY))?;
        Ok(res.rows_affected)
    }
}

use async_trait::async_trait;
use sea_orm::sea_query::{Expr, ExprTrait, Query};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, Order, PaginatorTrait,
    QueryFilter, QueryOrder, QuerySelect, Set,
};
use uuid::Uuid;

use aphex_core::model::{DocumentVersion, NewVersion, VersionEvent};
use aphex_core::ports::VersionStore;
use aphex_core::query::Page;
use aphex_core::{Error, Result};

use super::SeaStore;
use crate::entity::document_version::{ActiveModel, Column, Entity, Model};
use crate::value::DbUuid;

const ENTITY: &str = "version";

/// Attempts at the next version number when a concurrent writer took the same one.
const NUMBER_RETRIES: usize = 5;

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
    })
}

#[async_trait]
impl<C: ConnectionTrait + Send + Sync, B: Send + Sync> VersionStore for SeaStore<C, B> {
    async fn insert_version(&self, version: &NewVersion) -> Result<DocumentVersion> {
        let mut attempt = 0;
        loop {
            attempt += 1;
            let latest: Option<Option<i64>> = Entity::find()
                .select_only()
                .column_as(Column::VersionNumber.max(), "latest")
                .filter(Column::DocumentId.eq(DbUuid(version.document_id)))
                .into_tuple()
                .one(&self.conn)
                .await
                .map_err(self.err(ENTITY))?;
            let model = ActiveModel {
                id: Set(DbUuid(version.id)),
                document_id: Set(DbUuid(version.document_id)),
                version_number: Set(latest.flatten().unwrap_or(0) + 1),
                event_type: Set(version.event_type.as_str().to_owned()),
                data: Set(version.data.clone()),
                created_by: Set(version.created_by.clone()),
                created_at: Set(version.created_at),
            };
            match model.insert(&self.conn).await.map_err(self.err(ENTITY)) {
                Ok(row) => return to_core(row),
                Err(Error::Conflict { .. }) if attempt < NUMBER_RETRIES => continue,
                Err(Error::NotFound { .. }) => {
                    return Err(Error::not_found("document", version.document_id));
                }
                Err(e) => return Err(e),
            }
        }
    }

    async fn list_versions(
        &self,
        document_id: Uuid,
        limit: u64,
        offset: u64,
    ) -> Result<Page<DocumentVersion>> {
        let select = Entity::find().filter(Column::DocumentId.eq(DbUuid(document_id)));
        let total = select
            .clone()
            .count(&self.conn)
            .await
            .map_err(self.err(ENTITY))?;
        let rows = select
            .order_by(Column::VersionNumber, Order::Desc)
            .limit(limit)
            .offset(offset)
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
        document_id: Uuid,
        version_number: i64,
    ) -> Result<Option<DocumentVersion>> {
        Entity::find()
            .filter(Column::DocumentId.eq(DbUuid(document_id)))
            .filter(Column::VersionNumber.eq(version_number))
            .one(&self.conn)
            .await
            .map_err(self.err(ENTITY))?
            .map(to_core)
            .transpose()
    }

    async fn prune_versions(&self, document_id: Uuid, keep: u64) -> Result<u64> {
        let newest = Query::select()
            .column(Column::VersionNumber)
            .from(Entity)
            .and_where(Expr::col(Column::DocumentId).eq(DbUuid(document_id)))
            .order_by(Column::VersionNumber, Order::Desc)
            .limit(keep)
            .to_owned();
        let res = Entity::delete_many()
            .filter(Column::DocumentId.eq(DbUuid(document_id)))
            .filter(Expr::col(Column::VersionNumber).not_in_subquery(newest))
            .exec(&self.conn)
            .await
            .map_err(self.err(ENTITY))?;
        Ok(res.rows_affected)
    }
}

//! Webhook endpoints on SQL: `cms_webhooks`.

use async_trait::async_trait;
use sea_orm::sea_query::Expr;
use sea_orm::{ActiveModelTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, Set};
use uuid::Uuid;

use aphex_core::model::Webhook;
use aphex_core::ports::WebhookStore;
use aphex_core::{Error, Result, Scope};

use super::{SeaStore, owned, visible};
use crate::entity::webhook::{ActiveModel, Column, Entity, Model};
use crate::value::DbUuid;

const ENTITY: &str = "webhook";

fn to_core(m: Model) -> Result<Webhook> {
    let events = serde_json::from_value(m.events)
        .map_err(|e| Error::backend("sql", format!("a webhook's events: {e}")))?;
    Ok(Webhook {
        id: m.id.0,
        organization_id: m.organization_id,
        url: m.url,
        events,
        secret: m.secret,
        created_by: m.created_by,
        created_at: m.created_at,
    })
}

#[async_trait]
impl<C: ConnectionTrait + Send + Sync, B: Send + Sync> WebhookStore for SeaStore<C, B> {
    async fn insert_webhook(&self, scope: &Scope, w: &Webhook) -> Result<Webhook> {
        let model = ActiveModel {
            id: Set(DbUuid(w.id)),
            organization_id: Set(scope.organization().to_owned()),
            url: Set(w.url.clone()),
            events: Set(serde_json::json!(w.events)),
            secret: Set(w.secret.clone()),
            created_by: Set(w.created_by.clone()),
            created_at: Set(w.created_at),
        };
        to_core(model.insert(&self.conn).await.map_err(self.err(ENTITY))?)
    }

    async fn find_webhook(&self, scope: &Scope, id: Uuid) -> Result<Option<Webhook>> {
        Entity::find_by_id(DbUuid(id))
            .filter(visible(Expr::col(Column::OrganizationId), scope))
            .one(&self.conn)
            .await
            .map_err(self.err(ENTITY))?
            .map(to_core)
            .transpose()
    }

    async fn list_webhooks(&self, scope: &Scope) -> Result<Vec<Webhook>> {
        Entity::find()
            .filter(visible(Expr::col(Column::OrganizationId), scope))
            .order_by_asc(Column::CreatedAt)
            .order_by_asc(Column::Id)
            .all(&self.conn)
            .await
            .map_err(self.err(ENTITY))?
            .into_iter()
            .map(to_core)
            .collect()
    }

    async fn delete_webhook(&self, scope: &Scope, id: Uuid) -> Result<bool> {
        let res = Entity::delete_by_id(DbUuid(id))
            .filter(owned(Expr::col(Column::OrganizationId), scope))
            .exec(&self.conn)
            .await
            .map_err(self.err(ENTITY))?;
        Ok(res.rows_affected > 0)
    }
}

//! Webhook endpoints on MongoDB: `cms_webhooks`.

use async_trait::async_trait;
use mongodb::bson::{Document, doc};
use uuid::Uuid;

use aphex_core::model::Webhook;
use aphex_core::ports::WebhookStore;
use aphex_core::{Result, Scope};

use super::collections::WEBHOOKS;
use super::{MongoStore, ORGANIZATION, SessionMode, exec, owned, visible};
use crate::error::{malformed, map_err};
use crate::value::{Fields, date, opt};

fn to_core(d: &Document) -> Result<Webhook> {
    let f = Fields::new(d, WEBHOOKS);
    let events = d
        .get_array("events")
        .map_err(|_| malformed(WEBHOOKS, "`events` is not an array"))?
        .iter()
        .map(|e| {
            e.as_str()
                .map(str::to_owned)
                .ok_or_else(|| malformed(WEBHOOKS, "an event filter is not a string"))
        })
        .collect::<Result<_>>()?;
    Ok(Webhook {
        id: f.uuid("_id")?,
        organization_id: f.str(ORGANIZATION)?,
        url: f.str("url")?,
        events,
        secret: f.str("secret")?,
        created_by: f.opt_str("createdBy")?,
        created_at: f.date("createdAt")?,
    })
}

#[async_trait]
impl<S: SessionMode> WebhookStore for MongoStore<S> {
    async fn insert_webhook(&self, scope: &Scope, w: &Webhook) -> Result<Webhook> {
        let record = doc! {
            "_id": w.id.to_string(),
            ORGANIZATION: scope.organization(),
            "url": &w.url,
            "events": &w.events,
            "secret": &w.secret,
            "createdBy": opt(w.created_by.clone()),
            "createdAt": date(w.created_at),
        };
        let coll = self.coll(WEBHOOKS);
        exec!(self, coll.insert_one(&record)).map_err(map_err("webhook"))?;
        to_core(&record)
    }

    async fn find_webhook(&self, scope: &Scope, id: Uuid) -> Result<Option<Webhook>> {
        let coll = self.coll(WEBHOOKS);
        exec!(
            self,
            coll.find_one(visible(doc! { "_id": id.to_string() }, scope))
        )
        .map_err(map_err("webhook"))?
        .as_ref()
        .map(to_core)
        .transpose()
    }

    async fn list_webhooks(&self, scope: &Scope) -> Result<Vec<Webhook>> {
        self.find_all(
            WEBHOOKS,
            visible(Document::new(), scope),
            Some(doc! { "createdAt": 1, "_id": 1 }),
            None,
            None,
        )
        .await?
        .iter()
        .map(to_core)
        .collect()
    }

    async fn delete_webhook(&self, scope: &Scope, id: Uuid) -> Result<bool> {
        let coll = self.coll(WEBHOOKS);
        let res = exec!(
            self,
            coll.delete_one(owned(doc! { "_id": id.to_string() }, scope))
        )
        .map_err(map_err("webhook"))?;
        Ok(res.deleted_count > 0)
    }
}

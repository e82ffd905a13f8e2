use std::sync::Arc;

use async_trait::async_trait;
use uuid::Uuid;

use crate::error::Result;
use crate::model::Webhook;
use crate::scope::Scope;

/// Storage of `cms_webhooks`, the endpoints events are delivered to.
#[async_trait]
pub trait WebhookStore: Send + Sync {
    /// Inserts an endpoint in the scope's organization.
    async fn insert_webhook(&self, scope: &Scope, webhook: &Webhook) -> Result<Webhook>;

    /// The endpoint with this id.
    async fn find_webhook(&self, scope: &Scope, id: Uuid) -> Result<Option<Webhook>>;

    /// The scope's endpoints, oldest first.
    async fn list_webhooks(&self, scope: &Scope) -> Result<Vec<Webhook>>;

    /// Deletes an endpoint of the scope's own organization; `false` when there was none.
    async fn delete_webhook(&self, scope: &Scope, id: Uuid) -> Result<bool>;
}

/// Forwards to the store inside, so an `Arc` or a `Box` of a store is a store.
macro_rules! forward {
    ($($wrapper:ident),*) => {$(
        #[async_trait]
        #[deny(clippy::missing_trait_methods)]
        impl<T: WebhookStore + ?Sized> WebhookStore for $wrapper<T> {
            async fn insert_webhook(&self, scope: &Scope, webhook: &Webhook) -> Result<Webhook> {
                (**self).insert_webhook(scope, webhook).await
            }

            async fn find_webhook(&self, scope: &Scope, id: Uuid) -> Result<Option<Webhook>> {
                (**self).find_webhook(scope, id).await
            }

            async fn list_webhooks(&self, scope: &Scope) -> Result<Vec<Webhook>> {
                (**self).list_webhooks(scope).await
            }

            async fn delete_webhook(&self, scope: &Scope, id: Uuid) -> Result<bool> {
                (**self).delete_webhook(scope, id).await
            }
        }
    )*};
}
forward!(Arc, Box);

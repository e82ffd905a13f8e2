//! Webhook delivery (`docs/events.md#webhooks`): the dispatcher moves outbox events into
//! delivery jobs (`WebhookService::dispatch_until`), and [`Deliver`] — the handler of those jobs the
//! studio's worker runs — POSTs each, signed as the Standard Webhooks specification says.
//! A non-2xx answer or a failed request is retried with the worker's backoff.

use std::time::Duration;

use aphex::Cms;
use aphex::model::Job;
use aphex::service::{JobError, JobHandler, delivery_of, sign_webhook, webhook_body};
use async_trait::async_trait;

/// How long a receiver may take to answer.
const TIMEOUT: Duration = Duration::from_secs(10);

/// The handler of `webhook.deliver` jobs.
pub struct Deliver {
    http: reqwest::Client,
}

impl Deliver {
    pub fn new() -> Result<Deliver, reqwest::Error> {
        Ok(Deliver {
            http: reqwest::Client::builder().timeout(TIMEOUT).build()?,
        })
    }
}

#[async_trait]
impl JobHandler for Deliver {
    async fn run(&self, cms: &Cms, job: &Job) -> Result<(), JobError> {
        let (webhook, event) = delivery_of(job).map_err(|e| JobError::Fail(e.to_string()))?;
        let Some(webhook) = cms.webhooks().get(webhook).await? else {
            // The endpoint was deleted since: nothing to deliver.
            return Ok(());
        };
        let body = webhook_body(&event)?;
        let id = event.id.to_string();
        let timestamp = chrono::Utc::now().timestamp();
        let signature = sign_webhook(&webhook.secret, &id, timestamp, &body)?;
        let response = self
            .http
            .post(&webhook.url)
            .header("content-type", "application/json")
            .header("webhook-id", &id)
            .header("webhook-timestamp", timestamp.to_string())
            .header("webhook-signature", signature)
            .body(body)
            .send()
            .await
            .map_err(|e| JobError::Retry(format!("POST {}: {e}", webhook.url)))?;
        let status = response.status();
        if status.is_success() {
            Ok(())
        } else {
            Err(JobError::Retry(format!(
                "POST {}: HTTP {status}",
                webhook.url
            )))
        }
    }
}

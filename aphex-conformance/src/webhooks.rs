//! Webhook endpoints and their deliveries: registered per organization (checked, with a secret
//! of their own), reached only in their organization, each event of the outbox turned into one
//! delivery job per endpoint that wants it — once, however often the event is dispatched — and
//! the delivery log per endpoint. Signing follows the Standard Webhooks specification (its
//! example vector).

use aphex_core::model::{EventKind, JobStatus};
use aphex_core::ports::JobFilter;
use aphex_core::service::{
    CreateDocument, CreateOrganization, DELIVER_WEBHOOK_JOB, RegisterWebhook, delivery_of,
    sign_webhook,
};
use aphex_core::{Cms, Error};
use serde_json::json;
use uuid::Uuid;

use crate::TestDb;

/// The cases of this module, in order.
pub(crate) fn cases() -> Vec<crate::Case> {
    case_list!(webhooks:
        endpoints_are_checked_and_kept_per_organization,
        each_event_becomes_one_delivery_per_endpoint_that_wants_it,
        signatures_follow_the_specification,
    )
}

async fn drain_outbox(cms: &Cms) {
    while cms.webhooks().dispatch(1000).await.expect("dispatch") > 0 {}
}

pub async fn endpoints_are_checked_and_kept_per_organization(db: &TestDb) {
    let cms = db.cms().await;
    let hooks = cms.webhooks();
    let made = hooks
        .register(RegisterWebhook::new("https://example.com/hook").events(["document.*"]))
        .await
        .expect("register");
    assert!(made.secret.starts_with("whsec_"), "{}", made.secret);
    assert_eq!(made.events, ["document.*"]);
    let other = hooks
        .register(RegisterWebhook::new("http://127.0.0.1:9/x"))
        .await
        .expect("register");
    assert_ne!(made.secret, other.secret, "a secret of its own");
    assert_eq!(other.events, ["*"]);
    assert_eq!(
        hooks.list().await.expect("list"),
        [made.clone(), other.clone()]
    );
    assert_eq!(hooks.get(made.id).await.expect("get"), Some(made.clone()));

    let refused = |r: aphex_core::Result<aphex_core::model::Webhook>, what: &str| {
        assert!(matches!(r, Err(Error::Validation(_))), "{what}: {r:?}");
    };
    refused(
        hooks.register(RegisterWebhook::new("ftp://x/y")).await,
        "scheme",
    );
    refused(
        hooks.register(RegisterWebhook::new("http://a b")).await,
        "space",
    );
    refused(
        hooks
            .register(RegisterWebhook::new("http://x").events(["document.exploded"]))
            .await,
        "unknown kind",
    );
    refused(
        hooks
            .register(RegisterWebhook::new("http://x").events(Vec::<String>::new()))
            .await,
        "no events",
    );
    refused(
        hooks
            .register(RegisterWebhook::new("http://x").secret("whsec_c2hvcnQ="))
            .await,
        "short secret",
    );
    refused(
        hooks
            .register(RegisterWebhook::new("http://x").created_by("a\0b"))
            .await,
        "NUL",
    );
    assert_eq!(
        hooks.list().await.expect("list").len(),
        2,
        "nothing written"
    );

    // Another organization reaches none of them.
    let org = cms
        .organizations()
        .create(CreateOrganization::new("Other", "other-hooks"))
        .await
        .expect("organization");
    let theirs = cms.org(&org.id).await.expect("org").webhooks();
    assert!(theirs.list().await.expect("list").is_empty());
    assert!(theirs.get(made.id).await.expect("get").is_none());
    let delete = theirs.delete(made.id).await;
    assert!(matches!(delete, Err(Error::NotFound { .. })), "{delete:?}");
    let log = theirs.deliveries(made.id, &JobFilter::new(10)).await;
    assert!(matches!(log, Err(Error::NotFound { .. })), "{log:?}");
    hooks.delete(made.id).await.expect("delete");
    assert_eq!(hooks.list().await.expect("list"), [other]);
}

pub async fn each_event_becomes_one_delivery_per_endpoint_that_wants_it(db: &TestDb) {
    let cms = db.cms().await;
    drain_outbox(&cms).await;
    let docs_only = cms
        .webhooks()
        .register(RegisterWebhook::new("http://127.0.0.1:9/docs").events(["document.*"]))
        .await
        .expect("register");
    let published_only = cms
        .webhooks()
        .register(RegisterWebhook::new("http://127.0.0.1:9/live").events(["document.published"]))
        .await
        .expect("register");
    // Another organization's endpoint gets nothing of this one's.
    let org = cms
        .organizations()
        .create(CreateOrganization::new("Other", "other-deliveries"))
        .await
        .expect("organization");
    let other = cms.org(&org.id).await.expect("org");
    let theirs = other
        .webhooks()
        .register(RegisterWebhook::new("http://127.0.0.1:9/theirs"))
        .await
        .expect("register");

    let doc = cms
        .documents()
        .create(CreateDocument::new("author", json!({"name": "Ada"})))
        .await
        .expect("create");
    cms.documents()
        .publish(doc.id, Default::default())
        .await
        .expect("publish");
    cms.assets()
        .create(crate::fixtures::text_file("a.txt"))
        .await
        .expect("asset");
    drain_outbox(&cms).await;

    let log = |id| {
        let cms = cms.clone();
        async move {
            cms.webhooks()
                .deliveries(id, &JobFilter::new(100))
                .await
                .expect("deliveries")
        }
    };
    let docs_log = log(docs_only.id).await;
    let mut kinds: Vec<EventKind> = docs_log
        .iter()
        .map(|j| delivery_of(j).expect("a delivery").1.kind)
        .collect();
    kinds.sort_by_key(|k| k.as_str());
    assert_eq!(
        kinds,
        [EventKind::DocumentCreated, EventKind::DocumentPublished]
    );
    assert!(docs_log.iter().all(|j| {
        j.kind == DELIVER_WEBHOOK_JOB && j.status == JobStatus::Scheduled && j.attempts == 0
    }));
    let live_log = log(published_only.id).await;
    assert_eq!(live_log.len(), 1);
    let (hook, event) = delivery_of(&live_log[0]).expect("a delivery");
    assert_eq!(
        (hook, event.kind),
        (published_only.id, EventKind::DocumentPublished)
    );
    assert_eq!(event.subject_id, doc.id.to_string());
    let their_log = other
        .webhooks()
        .deliveries(theirs.id, &JobFilter::new(100))
        .await
        .expect("deliveries");
    assert!(their_log.is_empty(), "{their_log:?}");

    // The same event dispatched again (a dispatcher that crashed before completing it) makes
    // no second delivery: the outbox hands it out again, the idempotency key holds.
    let again = aphex_core::model::NewEvent::new(
        event.stream.clone(),
        EventKind::DocumentPublished,
        event.subject_id.clone(),
        None,
        json!({}),
        aphex_core::model::now(),
    );
    let appended = db
        .adapter
        .append_event(cms.scope(), &again)
        .await
        .expect("append");
    drain_outbox(&cms).await;
    assert_eq!(
        log(published_only.id).await.len(),
        2,
        "a new event, a new delivery"
    );
    let jobs = cms.jobs();
    let mut key = JobFilter::new(10);
    key.idempotency_key = Some(format!("webhook:{}:{}", published_only.id, appended.id));
    let first = jobs.list(&key).await.expect("list");
    assert_eq!(first.len(), 1);
    // Dispatching the same event once more (as after a crash) schedules nothing new.
    let dispatched_again = jobs
        .schedule(
            aphex_core::service::ScheduleJob::new(DELIVER_WEBHOOK_JOB, aphex_core::model::now())
                .idempotency_key(format!("webhook:{}:{}", published_only.id, appended.id)),
        )
        .await
        .expect("schedule");
    assert_eq!(dispatched_again.id, first[0].id);
    assert_eq!(log(published_only.id).await.len(), 2);
    let unknown = cms
        .webhooks()
        .deliveries(Uuid::new_v4(), &JobFilter::new(1))
        .await;
    assert!(
        matches!(unknown, Err(Error::NotFound { .. })),
        "{unknown:?}"
    );
}

/// The example of the Standard Webhooks specification (and of its reference libraries): this
/// secret, id, timestamp and body sign to this value.
pub async fn signatures_follow_the_specification(_db: &TestDb) {
    let signature = sign_webhook(
        "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw",
        "msg_p5jXN8AQM9LWM0D4loKWxJek",
        1_614_265_330,
        r#"{"test": 2432232314}"#,
    )
    .expect("sign");
    assert_eq!(signature, "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=");
    let bad = sign_webhook("no-prefix", "id", 1, "{}");
    assert!(matches!(bad, Err(Error::Validation(_))), "{bad:?}");
}

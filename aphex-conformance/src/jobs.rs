//! Jobs: scheduled by idempotency key, listed and cancelled within the organization, claimed by
//! workers under a lease (each job by one worker at a time), renewed while running, run again
//! when a worker dies, retried with backoff and given up after their attempts; the built-in
//! scheduled publish and unpublish.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use aphex_core::model::{EventKind, Job, JobOutcome, JobStatus, NewEvent, now};
use aphex_core::ports::{EventRange, EventStore, JobClaim, JobFilter, JobStore};
use aphex_core::query::Perspective;
use aphex_core::service::{
    CreateDocument, CreateOrganization, JobError, JobHandler, ScheduleJob, Worker, WriteOptions,
};
use aphex_core::{Cms, Error};
use async_trait::async_trait;
use chrono::TimeDelta;
use serde_json::json;
use tokio::sync::Mutex;
use uuid::Uuid;

use crate::TestDb;

/// The cases of this module, in order.
pub(crate) fn cases() -> Vec<crate::Case> {
    case_list!(jobs:
        scheduling_is_idempotent_by_key,
        jobs_are_listed_and_cancelled_in_their_organization,
        due_jobs_are_claimed_once_in_order,
        a_killed_workers_job_runs_again_after_its_lease,
        a_renewed_lease_keeps_the_job,
        a_batch_skips_a_job_another_worker_took_meanwhile,
        failures_are_retried_with_backoff_then_given_up,
        a_job_whose_last_worker_died_fails,
        eight_workers_run_a_thousand_jobs_each_once,
        scheduled_publish_and_unpublish,
        bad_schedules_are_refused,
    )
}

const KIND: &str = "test.count";

fn ago(ms: i64) -> aphex_core::model::Timestamp {
    now() - TimeDelta::milliseconds(ms)
}

fn later(ms: i64) -> aphex_core::model::Timestamp {
    now() + TimeDelta::milliseconds(ms)
}

fn claim(limit: u32, lease_ms: i64) -> JobClaim {
    JobClaim::new(
        Uuid::new_v4(),
        now(),
        later(lease_ms),
        limit,
        vec![KIND.to_owned()],
    )
}

/// Counts its runs per job; fails as told.
#[derive(Clone, Default)]
struct Counting {
    runs: Arc<Mutex<HashMap<Uuid, Vec<aphex_core::model::Timestamp>>>>,
    fail: Option<JobError>,
}

#[async_trait]
impl JobHandler for Counting {
    async fn run(&self, _cms: &Cms, job: &Job) -> Result<(), JobError> {
        self.runs
            .lock()
            .await
            .entry(job.id)
            .or_default()
            .push(now());
        match &self.fail {
            Some(e) => Err(e.clone()),
            None => Ok(()),
        }
    }
}

async fn status(cms: &Cms, id: Uuid) -> Job {
    cms.jobs().get(id).await.expect("get").expect("job")
}

pub async fn scheduling_is_idempotent_by_key(db: &TestDb) {
    let cms = db.cms().await;
    let jobs = cms.jobs();
    let first = jobs
        .schedule(
            ScheduleJob::new(KIND, later(60_000))
                .idempotency_key("k1")
                .payload(json!({"n": 1})),
        )
        .await
        .expect("schedule");
    let again = jobs
        .schedule(
            ScheduleJob::new(KIND, later(120_000))
                .idempotency_key("k1")
                .payload(json!({"n": 2})),
        )
        .await
        .expect("schedule again");
    assert_eq!(again, first, "the same job, untouched");
    assert_eq!(first.status, JobStatus::Scheduled);
    assert_eq!(first.attempts, 0);
    let keyless_a = jobs
        .schedule(ScheduleJob::new(KIND, later(1)))
        .await
        .expect("a");
    let keyless_b = jobs
        .schedule(ScheduleJob::new(KIND, later(1)))
        .await
        .expect("b");
    assert_ne!(keyless_a.id, keyless_b.id, "no key, no deduplication");

    let other = cms
        .organizations()
        .create(CreateOrganization::new("Other", "other-jobs"))
        .await
        .expect("organization");
    let theirs = cms
        .org(&other.id)
        .await
        .expect("org")
        .jobs()
        .schedule(ScheduleJob::new(KIND, later(60_000)).idempotency_key("k1"))
        .await
        .expect("schedule");
    assert_ne!(theirs.id, first.id, "keys are per organization");
    assert_eq!(theirs.organization_id, other.id);
    let mut filter = JobFilter::new(10);
    filter.idempotency_key = Some("k1".into());
    assert_eq!(jobs.list(&filter).await.expect("list"), [first]);
}

pub async fn jobs_are_listed_and_cancelled_in_their_organization(db: &TestDb) {
    let cms = db.cms().await;
    let jobs = cms.jobs();
    let a = jobs
        .schedule(ScheduleJob::new(KIND, later(1_000)))
        .await
        .expect("a");
    let b = jobs
        .schedule(ScheduleJob::new("other", later(2_000)))
        .await
        .expect("b");
    let all = jobs.list(&JobFilter::new(10)).await.expect("list");
    assert_eq!(
        all.iter().map(|j| j.id).collect::<Vec<_>>(),
        [b.id, a.id],
        "latest first"
    );
    let mut by_kind = JobFilter::new(10);
    by_kind.kind = Some(KIND.into());
    assert_eq!(jobs.list(&by_kind).await.expect("list").len(), 1);

    let cancelled = jobs.cancel(a.id).await.expect("cancel");
    assert_eq!(cancelled.status, JobStatus::Cancelled);
    assert!(cancelled.finished_at.is_some());
    let twice = jobs.cancel(a.id).await;
    assert!(matches!(twice, Err(Error::Validation(_))), "{twice:?}");
    let unknown = jobs.cancel(Uuid::new_v4()).await;
    assert!(
        matches!(unknown, Err(Error::NotFound { .. })),
        "{unknown:?}"
    );
    let mut scheduled = JobFilter::new(10);
    scheduled.status = Some(JobStatus::Scheduled);
    assert_eq!(
        jobs.list(&scheduled).await.expect("list"),
        std::slice::from_ref(&b)
    );

    let other = cms
        .organizations()
        .create(CreateOrganization::new("Other", "other-cancel"))
        .await
        .expect("organization");
    let theirs = cms.org(&other.id).await.expect("org");
    let reach = theirs.jobs().cancel(b.id).await;
    assert!(matches!(reach, Err(Error::NotFound { .. })), "{reach:?}");
    assert!(theirs.jobs().get(b.id).await.expect("get").is_none());
    assert!(
        theirs
            .jobs()
            .list(&JobFilter::new(10))
            .await
            .expect("list")
            .is_empty()
    );
    assert_eq!(status(&cms, b.id).await.status, JobStatus::Scheduled);
}

pub async fn due_jobs_are_claimed_once_in_order(db: &TestDb) {
    let cms = db.cms().await;
    let jobs = cms.jobs();
    let mut due = Vec::new();
    for ms in [300, 100, 200] {
        due.push(
            jobs.schedule(ScheduleJob::new(KIND, ago(ms)))
                .await
                .expect("due"),
        );
    }
    let future = jobs
        .schedule(ScheduleJob::new(KIND, later(60_000)))
        .await
        .expect("future");
    jobs.schedule(ScheduleJob::new("another.kind", ago(500)))
        .await
        .expect("another kind");
    let cancelled = jobs
        .schedule(ScheduleJob::new(KIND, ago(50)))
        .await
        .expect("x");
    jobs.cancel(cancelled.id).await.expect("cancel");

    let claimed = db
        .adapter
        .claim_jobs(&claim(10, 60_000))
        .await
        .expect("claim");
    let ids: Vec<Uuid> = claimed.iter().map(|j| j.id).collect();
    assert_eq!(
        ids,
        [due[0].id, due[2].id, due[1].id],
        "due ones, earliest first"
    );
    assert!(
        claimed
            .iter()
            .all(|j| j.status == JobStatus::Running && j.attempts == 1)
    );
    assert!(
        db.adapter
            .claim_jobs(&claim(10, 60_000))
            .await
            .expect("claim")
            .is_empty()
    );
    assert_eq!(status(&cms, future.id).await.status, JobStatus::Scheduled);
}

/// Never returns: a job its worker is killed in the middle of.
struct Hangs;

#[async_trait]
impl JobHandler for Hangs {
    async fn run(&self, _cms: &Cms, _job: &Job) -> Result<(), JobError> {
        std::future::pending().await
    }
}

pub async fn a_killed_workers_job_runs_again_after_its_lease(db: &TestDb) {
    let cms = db.cms().await;
    let job = cms
        .jobs()
        .schedule(ScheduleJob::new(KIND, ago(10)))
        .await
        .expect("schedule");
    // A worker starts it and is killed mid-job (its task aborted: no report, no renewal).
    let doomed = Worker::new(cms.clone())
        .handler(KIND, Hangs)
        .lease(Duration::from_millis(300));
    let running = tokio::spawn(async move { doomed.run_due().await });
    tokio::time::sleep(Duration::from_millis(100)).await;
    assert_eq!(status(&cms, job.id).await.status, JobStatus::Running);
    running.abort();
    let counting = Counting::default();
    let worker = Worker::new(cms.clone()).handler(KIND, counting.clone());
    assert_eq!(
        worker.run_due().await.expect("run"),
        0,
        "held until the lease ends"
    );
    tokio::time::sleep(Duration::from_millis(400)).await;
    // Another worker runs it again.
    assert_eq!(worker.run_due().await.expect("run"), 1);
    let done = status(&cms, job.id).await;
    assert_eq!((done.status, done.attempts), (JobStatus::Succeeded, 2));
    assert_eq!(counting.runs.lock().await[&job.id].len(), 1);

    // A worker whose lease ran out cannot report on a job another worker took since.
    let job = cms
        .jobs()
        .schedule(ScheduleJob::new(KIND, ago(10)))
        .await
        .expect("schedule");
    let first = claim(1, 100);
    assert_eq!(db.adapter.claim_jobs(&first).await.expect("claim").len(), 1);
    tokio::time::sleep(Duration::from_millis(200)).await;
    let second = claim(1, 60_000);
    assert_eq!(
        db.adapter.claim_jobs(&second).await.expect("claim").len(),
        1
    );
    let failed = JobOutcome::Failed {
        error: "late".into(),
    };
    let late = db.adapter.finish_job(first.token, job.id, &failed, now());
    assert!(!late.await.expect("finish"));
    let on_time = db
        .adapter
        .finish_job(second.token, job.id, &JobOutcome::Succeeded, now());
    assert!(on_time.await.expect("finish"));
    assert_eq!(status(&cms, job.id).await.status, JobStatus::Succeeded);
}

pub async fn a_renewed_lease_keeps_the_job(db: &TestDb) {
    let cms = db.cms().await;
    let job = cms
        .jobs()
        .schedule(ScheduleJob::new(KIND, ago(10)))
        .await
        .expect("schedule");
    let held = claim(1, 300);
    db.adapter.claim_jobs(&held).await.expect("claim");
    assert!(
        db.adapter
            .renew_job(held.token, job.id, later(60_000))
            .await
            .expect("renew")
    );
    assert!(
        !db.adapter
            .renew_job(Uuid::new_v4(), job.id, later(60_000))
            .await
            .expect("renew")
    );
    tokio::time::sleep(Duration::from_millis(400)).await;
    assert!(
        db.adapter
            .claim_jobs(&claim(1, 60_000))
            .await
            .expect("claim")
            .is_empty()
    );

    // A worker renews by itself while its handler runs longer than the lease.
    struct Slow;
    #[async_trait]
    impl JobHandler for Slow {
        async fn run(&self, _cms: &Cms, _job: &Job) -> Result<(), JobError> {
            tokio::time::sleep(Duration::from_millis(700)).await;
            Ok(())
        }
    }
    let slow = cms
        .jobs()
        .schedule(ScheduleJob::new("test.slow", ago(10)))
        .await
        .expect("schedule");
    let worker = Worker::new(cms.clone())
        .handler("test.slow", Slow)
        .lease(Duration::from_millis(300));
    let running = tokio::spawn(async move { worker.run_due().await });
    tokio::time::sleep(Duration::from_millis(500)).await;
    let stolen = db
        .adapter
        .claim_jobs(&JobClaim::new(
            Uuid::new_v4(),
            now(),
            later(60_000),
            1,
            vec!["test.slow".into()],
        ))
        .await
        .expect("claim");
    assert!(
        stolen.is_empty(),
        "the lease was renewed while the handler ran"
    );
    assert_eq!(running.await.expect("task").expect("run"), 1);
    assert_eq!(status(&cms, slow.id).await.status, JobStatus::Succeeded);
}

/// Sleeps for jobs whose payload says `slow`, counting every run.
#[derive(Clone, Default)]
struct SlowFirst {
    runs: Arc<Mutex<HashMap<Uuid, usize>>>,
}

#[async_trait]
impl JobHandler for SlowFirst {
    async fn run(&self, _cms: &Cms, job: &Job) -> Result<(), JobError> {
        *self.runs.lock().await.entry(job.id).or_default() += 1;
        if job.payload["slow"] == json!(true) {
            tokio::time::sleep(Duration::from_millis(600)).await;
        }
        Ok(())
    }
}

/// A worker claims two jobs; while the first runs long, the second's lease ends and another
/// worker runs it: the first worker then skips it instead of running it again.
pub async fn a_batch_skips_a_job_another_worker_took_meanwhile(db: &TestDb) {
    let cms = db.cms().await;
    let slow = cms
        .jobs()
        .schedule(ScheduleJob::new(KIND, ago(20)).payload(json!({"slow": true})))
        .await
        .expect("schedule");
    let quick = cms
        .jobs()
        .schedule(ScheduleJob::new(KIND, ago(10)))
        .await
        .expect("schedule");
    let handler = SlowFirst::default();
    let first = Worker::new(cms.clone())
        .handler(KIND, handler.clone())
        .batch(2)
        .lease(Duration::from_millis(300));
    let running = tokio::spawn(async move { first.run_due().await });
    tokio::time::sleep(Duration::from_millis(400)).await;
    let second = Worker::new(cms.clone()).handler(KIND, handler.clone());
    assert_eq!(
        second.run_due().await.expect("run"),
        1,
        "the waiting job's lease ended"
    );
    assert_eq!(running.await.expect("task").expect("run"), 2);
    let runs = handler.runs.lock().await.clone();
    assert_eq!((runs[&slow.id], runs[&quick.id]), (1, 1), "each ran once");
    assert_eq!(status(&cms, quick.id).await.status, JobStatus::Succeeded);
    assert_eq!(status(&cms, slow.id).await.status, JobStatus::Succeeded);
}

pub async fn failures_are_retried_with_backoff_then_given_up(db: &TestDb) {
    let cms = db.cms().await;
    let job = cms
        .jobs()
        .schedule(ScheduleJob::new(KIND, ago(10)).max_attempts(3))
        .await
        .expect("schedule");
    let failing = Counting {
        fail: Some(JobError::Retry("the CDN is down".into())),
        ..Counting::default()
    };
    let worker = Worker::new(cms.clone())
        .handler(KIND, failing.clone())
        .backoff(Duration::from_millis(100), Duration::from_secs(10));
    let started = std::time::Instant::now();
    while status(&cms, job.id).await.status != JobStatus::Failed {
        assert!(started.elapsed() < Duration::from_secs(20), "never gave up");
        worker.run_due().await.expect("run");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let failed = status(&cms, job.id).await;
    assert_eq!(failed.attempts, 3);
    let error = failed.last_error.clone().unwrap_or_default();
    assert!(
        error.contains("gave up after 3 attempts") && error.contains("CDN"),
        "{error}"
    );
    let runs = failing.runs.lock().await[&job.id].clone();
    assert_eq!(runs.len(), 3);
    let gaps: Vec<i64> = runs
        .windows(2)
        .map(|w| (w[1] - w[0]).num_milliseconds())
        .collect();
    assert!(
        gaps[0] >= 100 && gaps[1] >= 200,
        "backoff doubles: {gaps:?}"
    );

    // A failure for good is not retried.
    let fatal = cms
        .jobs()
        .schedule(ScheduleJob::new("test.fatal", ago(10)).max_attempts(5))
        .await
        .expect("schedule");
    let worker = Worker::new(cms.clone()).handler(
        "test.fatal",
        Counting {
            fail: Some(JobError::Fail("bad payload".into())),
            ..Counting::default()
        },
    );
    worker.run_due().await.expect("run");
    let failed = status(&cms, fatal.id).await;
    assert_eq!((failed.status, failed.attempts), (JobStatus::Failed, 1));
    assert_eq!(failed.last_error.as_deref(), Some("bad payload"));
}

pub async fn a_job_whose_last_worker_died_fails(db: &TestDb) {
    let cms = db.cms().await;
    let job = cms
        .jobs()
        .schedule(ScheduleJob::new(KIND, ago(10)).max_attempts(1))
        .await
        .expect("schedule");
    db.adapter.claim_jobs(&claim(1, 100)).await.expect("claim");
    tokio::time::sleep(Duration::from_millis(200)).await;
    let worker = Worker::new(cms.clone()).handler(KIND, Counting::default());
    assert_eq!(
        worker.run_due().await.expect("run"),
        0,
        "no attempt left to run"
    );
    let failed = status(&cms, job.id).await;
    assert_eq!(failed.status, JobStatus::Failed);
    assert!(failed.last_error.unwrap_or_default().contains("lease"));
}

/// Appends one event per run to the stream `effect:<job>`: an effect in the database.
#[derive(Clone, Default)]
struct Recording;

#[async_trait]
impl JobHandler for Recording {
    async fn run(&self, cms: &Cms, job: &Job) -> Result<(), JobError> {
        let effect = NewEvent::new(
            format!("effect:{}", job.id),
            EventKind::SchemaSynced,
            job.id.to_string(),
            None,
            json!({}),
            now(),
        );
        cms.adapter().append_event(cms.scope(), &effect).await?;
        Ok(())
    }
}

/// Eight workers drain a thousand due jobs: every job's effect (an event it appends) happens
/// exactly once, and all succeed.
pub async fn eight_workers_run_a_thousand_jobs_each_once(db: &TestDb) {
    let cms = db.cms().await;
    let start = ago(1);
    let mut ids = Vec::new();
    for _ in 0..1000 {
        ids.push(
            cms.jobs()
                .schedule(ScheduleJob::new(KIND, ago(10)))
                .await
                .expect("schedule")
                .id,
        );
    }
    let workers: Vec<_> = (0..8)
        .map(|_| {
            let worker = Worker::new(cms.clone())
                .handler(KIND, Recording)
                .batch(5)
                .lease(Duration::from_secs(120));
            tokio::spawn(async move {
                let mut idle = 0;
                while idle < 3 {
                    if worker.run_due().await.expect("run") == 0 {
                        idle += 1;
                        tokio::time::sleep(Duration::from_millis(20)).await;
                    } else {
                        idle = 0;
                    }
                }
            })
        })
        .collect();
    for w in workers {
        w.await.expect("worker");
    }
    // Every effect in the database, by job: each exactly once.
    let mut effects: HashMap<String, usize> = HashMap::new();
    let mut range = EventRange::new(Some(start), None, 1000);
    loop {
        let page = cms.events().between(&range).await.expect("events");
        let Some(last) = page.last() else { break };
        range = range.after(last.created_at, last.id);
        for e in page.iter().filter(|e| e.stream.starts_with("effect:")) {
            *effects.entry(e.subject_id.clone()).or_default() += 1;
        }
    }
    assert_eq!(effects.len(), 1000, "every job had its effect");
    assert!(effects.values().all(|n| *n == 1), "each exactly once");
    assert!(ids.iter().all(|id| effects.contains_key(&id.to_string())));
    let mut succeeded = JobFilter::new(1000);
    succeeded.status = Some(JobStatus::Succeeded);
    assert_eq!(cms.jobs().list(&succeeded).await.expect("list").len(), 1000);
}

pub async fn scheduled_publish_and_unpublish(db: &TestDb) {
    let cms = db.cms().await;
    let docs = cms.documents();
    let worker = Worker::new(cms.clone());
    let doc = docs
        .create(CreateDocument::new("author", json!({"name": "Ada"})))
        .await
        .expect("create");
    let job = cms
        .jobs()
        .schedule(ScheduleJob::publish(doc.id, later(300)).created_by("editor"))
        .await
        .expect("schedule");
    assert_eq!(worker.run_due().await.expect("run"), 0, "not due yet");
    // Edited after scheduling: the publish takes the draft as it is then.
    docs.update_draft(doc.id, json!({"name": "Ada L."}), WriteOptions::default())
        .await
        .expect("save");
    tokio::time::sleep(Duration::from_millis(400)).await;
    assert_eq!(worker.run_due().await.expect("run"), 1);
    assert_eq!(status(&cms, job.id).await.status, JobStatus::Succeeded);
    let live = docs
        .find_by_id(doc.id, Perspective::Published, 0)
        .await
        .expect("find")
        .expect("published");
    assert_eq!(live.published_data, Some(json!({"name": "Ada L."})));
    assert_eq!(live.updated_by.as_deref(), Some("editor"));

    // Pinned to a revision: an edit since makes it fail, and nothing is published.
    let pinned = docs
        .create(CreateDocument::new("author", json!({"name": "Bob"})))
        .await
        .expect("create");
    let job = cms
        .jobs()
        .schedule(ScheduleJob::publish_revision(
            pinned.id,
            pinned.revision,
            ago(10),
        ))
        .await
        .expect("schedule");
    docs.update_draft(pinned.id, json!({"name": "Bob?"}), WriteOptions::default())
        .await
        .expect("save");
    worker.run_due().await.expect("run");
    let failed = status(&cms, job.id).await;
    assert_eq!((failed.status, failed.attempts), (JobStatus::Failed, 1));
    assert!(
        failed
            .last_error
            .unwrap_or_default()
            .contains("draft changed"),
        "the reason is given"
    );
    let still = docs
        .find_by_id(pinned.id, Perspective::Published, 0)
        .await
        .expect("find");
    assert!(still.is_none(), "not published");

    // Unpublish, twice: the second finds it down already and succeeds.
    for _ in 0..2 {
        let job = cms
            .jobs()
            .schedule(ScheduleJob::unpublish(doc.id, ago(10)))
            .await
            .expect("schedule");
        worker.run_due().await.expect("run");
        assert_eq!(status(&cms, job.id).await.status, JobStatus::Succeeded);
    }
    assert!(
        docs.find_by_id(doc.id, Perspective::Published, 0)
            .await
            .expect("find")
            .is_none()
    );

    // A publish in another organization's scope acts there: a document of this one is not
    // found, and the job fails.
    let other = cms
        .organizations()
        .create(CreateOrganization::new("Other", "other-publish"))
        .await
        .expect("organization");
    let job = cms
        .org(&other.id)
        .await
        .expect("org")
        .jobs()
        .schedule(ScheduleJob::publish(pinned.id, ago(10)))
        .await
        .expect("schedule");
    worker.run_due().await.expect("run");
    let job = cms
        .org(&other.id)
        .await
        .expect("org")
        .jobs()
        .get(job.id)
        .await
        .expect("get")
        .expect("job");
    assert_eq!(job.status, JobStatus::Failed, "{job:?}");
}

pub async fn bad_schedules_are_refused(db: &TestDb) {
    let cms = db.cms().await;
    let jobs = cms.jobs();
    let refused = |r: aphex_core::Result<Job>, what: &str| {
        assert!(matches!(r, Err(Error::Validation(_))), "{what}: {r:?}");
    };
    refused(
        jobs.schedule(ScheduleJob::new("", now())).await,
        "empty kind",
    );
    refused(
        jobs.schedule(ScheduleJob::new("a\0b", now())).await,
        "NUL kind",
    );
    refused(
        jobs.schedule(ScheduleJob::new(KIND, now()).max_attempts(0))
            .await,
        "no attempts",
    );
    refused(
        jobs.schedule(ScheduleJob::new(KIND, now()).max_attempts(101))
            .await,
        "too many attempts",
    );
    refused(
        jobs.schedule(ScheduleJob::new(KIND, now()).payload(json!([1])))
            .await,
        "payload not an object",
    );
    refused(
        jobs.schedule(ScheduleJob::new(KIND, now()).idempotency_key("x".repeat(201)))
            .await,
        "long key",
    );
    refused(
        jobs.schedule(ScheduleJob::new("publish", now()).payload(json!({"documentId": "nope"})))
            .await,
        "publish without a document",
    );
    refused(
        jobs.schedule(
            ScheduleJob::new("publish", now())
                .payload(json!({"documentId": Uuid::new_v4(), "revision": "2"})),
        )
        .await,
        "revision not a number",
    );
    assert!(
        jobs.list(&JobFilter::new(10))
            .await
            .expect("list")
            .is_empty(),
        "nothing written"
    );
    let limit = jobs.list(&JobFilter::new(0)).await;
    assert!(
        matches!(limit, Err(Error::InvalidQuery { .. })),
        "{limit:?}"
    );
    let lease = Worker::new(cms.clone())
        .lease(Duration::ZERO)
        .run_due()
        .await;
    assert!(
        matches!(lease, Err(Error::InvalidQuery { .. })),
        "{lease:?}"
    );
}

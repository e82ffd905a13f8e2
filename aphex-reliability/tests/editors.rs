//! Editors at once (docs/reliability.md#editors-at-once), on every backend:
//!
//! - 64 tasks edit ONE document with compare-and-swap, 10 000 attempts in all: every success
//!   moved the revision by exactly one (successes = final revision − 1), each successful
//!   revision has exactly one version snapshot holding the data that won it, and the final draft
//!   is the last winner's — no lost update.
//! - 200 concurrent verifications of one API key: with a rate limit of 100 per window, and with
//!   100 uses remaining, exactly 100 are admitted and the stored counters say so.
//!
//! The MongoDB test server runs every command under one lock, so there these races cannot fail
//! the way a real server's interleavings would make them; the SQL backends are the proof.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use aphex::query::{Paging, Perspective};
use aphex::service::{CreateApiKey, CreateDocument, SignUp, VersionRetention, WriteOptions};
use aphex::{Cms, Error};
use aphex_conformance::fixtures;
use aphex_reliability::{Backend, fresh, metered_key};
use serde_json::{Value, json};
use uuid::Uuid;

const EDITORS: usize = 64;
const ATTEMPTS: usize = 10_000;
const VERIFIERS: usize = 200;
const KEY_LIMIT: i32 = 100;

fn main() -> std::process::ExitCode {
    let mut suite = aphex_conformance::Suite::new();
    for backend in Backend::ALL {
        suite = suite
            .test(
                format!("{backend}::editors_at_once_lose_no_update"),
                move || editors_at_once_lose_no_update(backend),
            )
            .test(
                format!("{backend}::concurrent_verifications_admit_exactly_the_limit"),
                move || concurrent_verifications_admit_exactly_the_limit(backend),
            );
    }
    suite.run()
}

/// What one successful compare-and-swap wrote.
struct Win {
    revision: i64,
    data: Value,
}

async fn editors_at_once_lose_no_update(backend: Backend) {
    let Some(db) = fresh(backend).await else {
        return;
    };
    // Every snapshot is kept, so each successful revision's snapshot can be checked.
    let cms = db
        .cms_with(fixtures::schema_types(), VersionRetention::All)
        .await;
    let doc = cms
        .documents()
        .create(CreateDocument::new("post", json!({"title": "contended"})))
        .await
        .expect("create");

    let attempts = Arc::new(AtomicUsize::new(0));
    let tasks = (0..EDITORS).map(|editor| {
        let cms = cms.clone();
        let attempts = attempts.clone();
        tokio::spawn(async move { edit(&cms, doc.id, editor, &attempts).await })
    });
    let mut wins = Vec::new();
    let mut conflicts = 0_usize;
    for outcome in futures::future::join_all(tasks).await {
        let (won, lost) = outcome.expect("editor task");
        wins.extend(won);
        conflicts += lost;
    }
    assert_eq!(
        wins.len() + conflicts,
        ATTEMPTS,
        "every attempt has an outcome"
    );
    assert!(!wins.is_empty(), "someone must win");

    let last = cms
        .documents()
        .find_by_id(doc.id, Perspective::Draft, 0)
        .await
        .expect("read")
        .expect("exists");
    let wins_count = wins.len();
    let successes = i64::try_from(wins_count).expect("count");
    assert_eq!(
        last.revision - 1,
        successes,
        "{backend}: successes = final revision - 1 ({conflicts} conflicts)"
    );
    // Every success got its own revision: 2, 3, ..., final.
    let by_revision: BTreeMap<i64, Value> =
        wins.into_iter().map(|w| (w.revision, w.data)).collect();
    assert_eq!(by_revision.len(), wins_count, "two wins share a revision");
    assert_eq!(by_revision.keys().next(), Some(&2));
    assert_eq!(by_revision.keys().last(), Some(&last.revision));
    assert_eq!(
        Some(&last.draft_data.clone().expect("draft")),
        by_revision.get(&last.revision),
        "the final draft is the last winner's"
    );

    // One snapshot per revision — the create's (number 1), then one per win, with its data.
    let snapshots = all_snapshots(&cms, doc.id).await;
    assert_eq!(
        snapshots.len(),
        by_revision.len() + 1,
        "one snapshot per successful revision"
    );
    for (number, (revision, data)) in (2..).zip(&by_revision) {
        let snapshot = snapshots.get(&number).expect("snapshot of a win");
        assert_eq!(
            snapshot, data,
            "{backend}: snapshot {number} holds revision {revision}'s data"
        );
    }
    eprintln!(
        "{backend}: {ATTEMPTS} attempts by {EDITORS} editors: {} successes, {conflicts} conflicts",
        by_revision.len()
    );
}

/// One editor: read, then save with the revision read, until the shared attempt budget is
/// spent. Returns its wins and its conflicts; any other error fails the test.
async fn edit(cms: &Cms, id: Uuid, editor: usize, attempts: &AtomicUsize) -> (Vec<Win>, usize) {
    let docs = cms.documents();
    let mut wins = Vec::new();
    let mut conflicts = 0;
    loop {
        let attempt = attempts.fetch_add(1, Ordering::Relaxed);
        if attempt >= ATTEMPTS {
            return (wins, conflicts);
        }
        let current = docs
            .find_by_id(id, Perspective::Draft, 0)
            .await
            .expect("read")
            .expect("exists");
        let data = json!({"title": "contended", "editor": editor, "attempt": attempt});
        match docs
            .update_draft(
                id,
                data.clone(),
                WriteOptions::new().expect_revision(current.revision),
            )
            .await
        {
            Ok(saved) => {
                assert_eq!(saved.revision, current.revision + 1, "a CAS moves by one");
                wins.push(Win {
                    revision: saved.revision,
                    data,
                });
            }
            Err(Error::RevisionConflict { current: now }) => {
                assert!(
                    now > current.revision,
                    "a conflict reports a newer revision"
                );
                conflicts += 1;
            }
            Err(e) => panic!("editor {editor}, attempt {attempt}: {e}"),
        }
    }
}

/// Every snapshot of document `id`, by number.
async fn all_snapshots(cms: &Cms, id: Uuid) -> BTreeMap<i64, Value> {
    let mut out = BTreeMap::new();
    let limit = aphex::query::MAX_LIMIT;
    for page in 0.. {
        let paging = Paging::new(limit, page * limit).expect("paging");
        let found = cms
            .documents()
            .versions(id, paging)
            .await
            .expect("versions");
        let n = found.docs.len();
        for v in found.docs {
            assert!(
                out.insert(v.version_number, v.data).is_none(),
                "snapshot number {} twice",
                v.version_number
            );
        }
        if (n as u64) < limit {
            break;
        }
    }
    out
}

async fn concurrent_verifications_admit_exactly_the_limit(backend: Backend) {
    let Some(db) = fresh(backend).await else {
        return;
    };
    let cms = db.cms_with_auth().await;
    let auth = cms.auth().expect("auth configured");
    let user = auth
        .sign_up_email(SignUp::new("Key Owner", "keys@example.com", "password-123"))
        .await
        .expect("sign up");
    let rate_limited = auth
        .create_api_key(&user.user.id, {
            let mut k = CreateApiKey::new();
            k.rate_limit_max = Some(KEY_LIMIT);
            k.rate_limit_time_window_ms = Some(3_600_000);
            k
        })
        .await
        .expect("create a rate-limited key");
    let metered = auth
        .create_api_key(&user.user.id, metered_key(KEY_LIMIT))
        .await
        .expect("create a metered key");

    for (key, what) in [(&rate_limited, "rate limit"), (&metered, "remaining")] {
        let tasks = (0..VERIFIERS).map(|_| {
            let cms = cms.clone();
            let secret = key.key.clone();
            tokio::spawn(async move {
                let auth = cms.auth().expect("auth configured");
                aphex_conformance::auth::verify_retrying(auth, &secret).await
            })
        });
        let mut admitted = 0_i32;
        for outcome in futures::future::join_all(tasks).await {
            match outcome.expect("verify task") {
                Ok(_) => admitted += 1,
                Err(Error::RateLimited { .. } | Error::Unauthorized { .. }) => {}
                Err(e) => panic!("{backend} {what}: unexpected error {e}"),
            }
        }
        assert_eq!(admitted, KEY_LIMIT, "{backend} {what}: exactly the limit");
        let stored = db
            .adapter
            .find_api_key(&key.api_key.id)
            .await
            .expect("read key");
        match what {
            "rate limit" => assert_eq!(
                stored.expect("a rate-limited key stays").request_count,
                Some(KEY_LIMIT)
            ),
            // Better Auth deletes a spent key at the first refused verification.
            _ => assert!(stored.is_none_or(|k| k.remaining == Some(0))),
        }
    }
}

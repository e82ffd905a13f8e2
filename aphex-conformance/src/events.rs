//! The change feed: every write appends its event with it, numbered per stream in commit order;
//! events are listed per stream and per time range within the scope; the outbox hands each
//! stream's events out one at a time, in order, under a lease, at least once.

use std::collections::{BTreeMap, HashSet};
use std::sync::Arc;
use std::time::Duration;

use aphex_core::model::{Event, EventKind, NewEvent, SCHEMA_STREAM, now};
use aphex_core::ports::{EventRange, EventStore};
use aphex_core::schema::{FieldDef, SchemaTypeDef};
use aphex_core::service::{CreateDocument, CreateOrganization, WriteOptions};
use aphex_core::{Cms, Error};
use serde_json::json;
use tokio::sync::Mutex;
use uuid::Uuid;

use crate::TestDb;
use crate::fixtures::{reference, text_file, user};

/// The cases of this module, in order.
pub(crate) fn cases() -> Vec<crate::Case> {
    case_list!(events:
        every_write_appends_its_event,
        a_refused_write_appends_nothing,
        bulk_writes_append_an_event_per_document,
        concurrent_writes_are_numbered_in_commit_order,
        events_are_listed_per_stream_and_time_range_in_scope,
        the_outbox_hands_out_each_stream_in_order,
        an_expired_lease_is_claimed_again,
        released_entries_come_back_after_the_delay,
        concurrent_consumers_handle_every_event_once_in_stream_order,
        pruning_keeps_what_consumers_have_not_handled,
        bad_arguments_are_typed_errors,
    )
}

const LONG: Duration = Duration::from_secs(60);

fn by(user: &str) -> WriteOptions {
    WriteOptions::new().user(user)
}

/// Claims and completes everything in the outbox (the schema sync's event of a fresh database).
async fn drain(cms: &Cms) {
    loop {
        let claimed = cms.outbox().claim(1000, LONG).await.expect("claim");
        if claimed.entries.is_empty() {
            return;
        }
        cms.outbox()
            .complete(claimed.token, &claimed.ids())
            .await
            .expect("complete");
    }
}

fn kinds(events: &[Event]) -> Vec<EventKind> {
    events.iter().map(|e| e.kind).collect()
}

fn sequences(events: &[Event]) -> Vec<i64> {
    events.iter().map(|e| e.sequence).collect()
}

pub async fn every_write_appends_its_event(db: &TestDb) {
    let cms = db.cms().await;
    let docs = cms.documents();
    let ada = docs
        .create(CreateDocument::new("author", json!({"name": "Ada"})).created_by("u1"))
        .await
        .expect("create");
    docs.update_draft(ada.id, json!({"name": "Ada L."}), by("u2"))
        .await
        .expect("save");
    let published = docs.publish(ada.id, by("u3")).await.expect("publish");
    let down = docs.unpublish(ada.id, by("u4")).await.expect("unpublish");
    docs.restore(ada.id, 1, by("u5")).await.expect("restore");
    docs.delete(ada.id).await.expect("delete");

    let events = cms
        .events()
        .for_document(ada.id, 0, 100)
        .await
        .expect("events");
    assert_eq!(
        kinds(&events),
        [
            EventKind::DocumentCreated,
            EventKind::DocumentDraftSaved,
            EventKind::DocumentPublished,
            EventKind::DocumentUnpublished,
            EventKind::DocumentRestored,
            EventKind::DocumentDeleted,
        ]
    );
    assert_eq!(sequences(&events), [1, 2, 3, 4, 5, 6]);
    let actors: Vec<Option<&str>> = events.iter().map(|e| e.actor.as_deref()).collect();
    assert_eq!(
        actors,
        [
            Some("u1"),
            Some("u2"),
            Some("u3"),
            Some("u4"),
            Some("u5"),
            None
        ]
    );
    for e in &events {
        assert_eq!(e.stream, format!("document:{}", ada.id));
        assert_eq!(e.subject_id, ada.id.to_string());
        assert_eq!(e.organization_id, cms.scope().organization());
        assert_eq!(e.data["id"], json!(ada.id));
        assert_eq!(e.data["type"], json!("author"));
    }
    let revisions: Vec<&serde_json::Value> = events.iter().map(|e| &e.data["revision"]).collect();
    assert_eq!(
        revisions,
        [
            &json!(1),
            &json!(2),
            &json!(2),
            &json!(2),
            &json!(3),
            &json!(3)
        ]
    );
    assert_eq!(events[2].data["status"], json!("published"));
    assert_eq!(
        events[2].data["publishedHash"],
        json!(published.published_hash)
    );
    assert_eq!(events[3].data["status"], json!(down.status.as_str()));
    assert_ne!(down.status.as_str(), "published");

    // Assets: created, updated, deleted.
    let asset = cms
        .assets()
        .create(text_file("a.txt"))
        .await
        .expect("asset");
    let patch = aphex_core::model::AssetPatch {
        title: Some(Some("A".into())),
        ..Default::default()
    };
    cms.assets().update(asset.id, &patch).await.expect("update");
    cms.assets().delete(asset.id).await.expect("delete asset");
    let events = cms
        .events()
        .for_asset(asset.id, 0, 100)
        .await
        .expect("events");
    assert_eq!(
        kinds(&events),
        [
            EventKind::AssetCreated,
            EventKind::AssetUpdated,
            EventKind::AssetDeleted
        ]
    );
    assert_eq!(sequences(&events), [1, 2, 3]);
    assert_eq!(events[0].data["filename"], json!(asset.filename));

    // The schema: the fresh database's sync, then a registration; a sync that changes
    // nothing says nothing.
    let schema = cms
        .events()
        .for_stream(SCHEMA_STREAM, 0, 100)
        .await
        .expect("schema");
    assert_eq!(kinds(&schema), [EventKind::SchemaSynced]);
    db.cms().await;
    let unchanged = cms
        .events()
        .for_stream(SCHEMA_STREAM, 0, 100)
        .await
        .expect("schema");
    assert_eq!(
        unchanged.len(),
        1,
        "a sync that changed nothing appends nothing"
    );
    cms.schema_types()
        .register(SchemaTypeDef::document("page", "Page").field(FieldDef::string("title")))
        .await
        .expect("register");
    let schema = cms
        .events()
        .for_stream(SCHEMA_STREAM, 0, 100)
        .await
        .expect("schema");
    assert_eq!(sequences(&schema), [1, 2]);
    assert_eq!(schema[1].data["changed"], json!(["page"]));

    // Members: added (the owner, then another), role changed, removed.
    let ada_user = user("Ada", "ada@example.com");
    let bob = user("Bob", "bob@example.com");
    db.adapter.insert_user(&ada_user).await.expect("user");
    db.adapter.insert_user(&bob).await.expect("user");
    let orgs = cms.organizations();
    let org = orgs
        .create(CreateOrganization::new("Acme", "acme").owner(ada_user.id.as_str()))
        .await
        .expect("organization");
    orgs.add_member(&org.id, &bob.id, "member")
        .await
        .expect("add");
    orgs.set_member_role(&org.id, &bob.id, "admin")
        .await
        .expect("role");
    orgs.remove_member(&org.id, &bob.id).await.expect("remove");
    let in_org = cms.org(&org.id).await.expect("org");
    let events = in_org
        .events()
        .for_stream(&format!("organization:{}", org.id), 0, 100)
        .await
        .expect("member events");
    assert_eq!(
        kinds(&events),
        [
            EventKind::MemberAdded,
            EventKind::MemberAdded,
            EventKind::MemberRoleChanged,
            EventKind::MemberRemoved
        ]
    );
    assert_eq!(events[1].data["userId"], json!(bob.id));
    assert_eq!(events[2].data["role"], json!("admin"));
    assert!(events.iter().all(|e| e.organization_id == org.id));
}

pub async fn a_refused_write_appends_nothing(db: &TestDb) {
    let cms = db.cms().await;
    let docs = cms.documents();
    let id = Uuid::new_v4();
    docs.create(CreateDocument::new("author", json!({"name": "Ada"})).id(id))
        .await
        .expect("create");
    let taken = docs
        .create(CreateDocument::new("author", json!({"name": "Eve"})).id(id))
        .await;
    assert!(matches!(taken, Err(Error::Conflict { .. })), "{taken:?}");
    let stale = docs
        .update_draft(
            id,
            json!({"name": "x"}),
            WriteOptions::new().expect_revision(7),
        )
        .await;
    assert!(
        matches!(stale, Err(Error::RevisionConflict { .. })),
        "{stale:?}"
    );
    docs.publish(id, WriteOptions::default())
        .await
        .expect("publish");
    let post = docs
        .create(CreateDocument::new(
            "post",
            json!({"title": "T", "author": reference(id)}),
        ))
        .await
        .expect("post");
    docs.publish(post.id, WriteOptions::default())
        .await
        .expect("publish");
    let referenced = docs.delete(id).await;
    assert!(
        matches!(referenced, Err(Error::Referenced { .. })),
        "{referenced:?}"
    );
    let missing = docs.delete(Uuid::new_v4()).await;
    assert!(
        matches!(missing, Err(Error::NotFound { .. })),
        "{missing:?}"
    );

    let events = cms.events().for_document(id, 0, 100).await.expect("events");
    assert_eq!(
        kinds(&events),
        [EventKind::DocumentCreated, EventKind::DocumentPublished],
        "only the writes that happened"
    );
    assert_eq!(sequences(&events), [1, 2]);
}

pub async fn bulk_writes_append_an_event_per_document(db: &TestDb) {
    let cms = db.cms().await;
    drain(&cms).await;
    let inputs = (0..30)
        .map(|i| CreateDocument::new("author", json!({ "name": format!("A{i}") })))
        .collect();
    let ids = cms
        .documents()
        .create_many(inputs)
        .await
        .expect("create_many");
    for id in &ids {
        let events = cms.events().for_document(*id, 0, 10).await.expect("events");
        assert_eq!(kinds(&events), [EventKind::DocumentCreated]);
        assert_eq!(events[0].sequence, 1);
        assert_eq!(events[0].data["revision"], json!(1));
    }
    let claimed = cms.outbox().claim(100, LONG).await.expect("claim");
    assert_eq!(claimed.entries.len(), ids.len(), "one outbox entry each");

    // Through the port: one stream twice in a batch is numbered in order.
    let stream = format!("document:{}", ids[0]);
    let twice: Vec<NewEvent> = (0..2)
        .map(|_| {
            NewEvent::new(
                stream.clone(),
                EventKind::DocumentDraftSaved,
                ids[0].to_string(),
                None,
                json!({}),
                now(),
            )
        })
        .collect();
    db.adapter
        .append_events(cms.scope(), &twice)
        .await
        .expect("append_events");
    let events = cms
        .events()
        .for_document(ids[0], 0, 10)
        .await
        .expect("events");
    assert_eq!(sequences(&events), [1, 2, 3]);
    assert_eq!((events[1].id, events[2].id), (twice[0].id, twice[1].id));
}

/// Concurrent saves of one document: its events are numbered 1..n without gaps, one per save.
/// Where a write and its event are one unit (a transaction, or PostgreSQL's one statement),
/// the numbering is the commit order, so the revisions the events report rise with it; a
/// MongoDB server without transactions appends each event after its write, so two racing
/// writes may be numbered in either order (`docs/events.md`).
pub async fn concurrent_writes_are_numbered_in_commit_order(db: &TestDb) {
    let cms = db.cms().await;
    let doc = cms
        .documents()
        .create(CreateDocument::new("author", json!({"name": "A"})))
        .await
        .expect("create");
    let tasks: Vec<_> = (0..6)
        .map(|t| {
            let cms = cms.clone();
            tokio::spawn(async move {
                for i in 0..5 {
                    cms.documents()
                        .update_draft(doc.id, json!({"name": format!("{t}-{i}")}), by("w"))
                        .await
                        .expect("save");
                }
            })
        })
        .collect();
    for t in tasks {
        t.await.expect("task");
    }
    let events = cms
        .events()
        .for_document(doc.id, 0, 100)
        .await
        .expect("events");
    assert_eq!(sequences(&events), (1..=31).collect::<Vec<i64>>());
    let revisions: Vec<i64> = events
        .iter()
        .map(|e| e.data["revision"].as_i64().expect("revision"))
        .collect();
    let mut sorted = revisions.clone();
    sorted.sort_unstable();
    assert_eq!(
        sorted,
        (1..=31).collect::<Vec<i64>>(),
        "one event per write"
    );
    let atomic = db.adapter.capabilities().transactions;
    if atomic {
        assert_eq!(revisions, sorted, "numbered in commit order");
    }
}

pub async fn events_are_listed_per_stream_and_time_range_in_scope(db: &TestDb) {
    let cms = db.cms().await;
    let start = now();
    let mut ids = Vec::new();
    for i in 0..5 {
        let doc = cms
            .documents()
            .create(CreateDocument::new(
                "author",
                json!({"name": format!("A{i}")}),
            ))
            .await
            .expect("create");
        ids.push(doc.id);
    }
    tokio::time::sleep(Duration::from_millis(5)).await;
    let middle = now();
    tokio::time::sleep(Duration::from_millis(5)).await;
    for id in &ids {
        cms.documents()
            .update_draft(*id, json!({"name": "B"}), WriteOptions::default())
            .await
            .expect("save");
    }

    // Per stream, paged by sequence.
    let first = cms.events().for_document(ids[0], 0, 1).await.expect("page");
    let rest = cms
        .events()
        .for_document(ids[0], 1, 10)
        .await
        .expect("page");
    assert_eq!((sequences(&first), sequences(&rest)), (vec![1], vec![2]));

    // Per time range, paged by (time, id).
    let range = EventRange::new(Some(start), Some(middle), 3);
    let page1 = cms.events().between(&range).await.expect("range");
    let last = page1.last().expect("a full page");
    let page2 = cms
        .events()
        .between(&range.clone().after(last.created_at, last.id))
        .await
        .expect("range");
    let created: Vec<Event> = page1.into_iter().chain(page2).collect();
    assert_eq!(created.len(), 5);
    assert!(created.iter().all(|e| e.kind == EventKind::DocumentCreated));
    let listed: HashSet<String> = created.iter().map(|e| e.subject_id.clone()).collect();
    let expected: HashSet<String> = ids.iter().map(ToString::to_string).collect();
    assert_eq!(listed, expected);
    let later = cms
        .events()
        .between(&EventRange::new(Some(middle), None, 100))
        .await
        .expect("range");
    assert_eq!(later.len(), 5);
    assert!(
        later
            .iter()
            .all(|e| e.kind == EventKind::DocumentDraftSaved)
    );

    // Another organization's events are out of reach, by stream and by range.
    let other = cms
        .organizations()
        .create(CreateOrganization::new("Other", "other-events"))
        .await
        .expect("organization");
    let other = cms.org(&other.id).await.expect("org");
    assert!(
        other
            .events()
            .for_document(ids[0], 0, 100)
            .await
            .expect("events")
            .is_empty()
    );
    let theirs = other
        .events()
        .between(&EventRange::new(Some(start), None, 100))
        .await
        .expect("range");
    assert!(theirs.is_empty(), "{theirs:?}");
}

/// `(stream, sequence)` of what a claim got.
fn heads(claimed: &aphex_core::service::Claimed) -> Vec<(String, i64)> {
    let mut heads: Vec<(String, i64)> = claimed
        .entries
        .iter()
        .map(|e| (e.event.stream.clone(), e.event.sequence))
        .collect();
    heads.sort();
    heads
}

pub async fn the_outbox_hands_out_each_stream_in_order(db: &TestDb) {
    let cms = db.cms().await;
    drain(&cms).await;
    let mut streams = Vec::new();
    for i in 0..3 {
        let doc = cms
            .documents()
            .create(CreateDocument::new(
                "author",
                json!({"name": format!("A{i}")}),
            ))
            .await
            .expect("create");
        for j in 0..2 {
            cms.documents()
                .update_draft(
                    doc.id,
                    json!({"name": format!("A{i}-{j}")}),
                    WriteOptions::default(),
                )
                .await
                .expect("save");
        }
        streams.push(format!("document:{}", doc.id));
    }
    streams.sort();
    let outbox = cms.outbox();
    for seq in 1..=3 {
        let claimed = outbox.claim(100, LONG).await.expect("claim");
        let expected: Vec<(String, i64)> = streams.iter().map(|s| (s.clone(), seq)).collect();
        assert_eq!(heads(&claimed), expected, "one entry per stream, in order");
        assert!(claimed.entries.iter().all(|e| e.attempts == 1));
        let held = outbox.claim(100, LONG).await.expect("claim");
        assert!(
            held.entries.is_empty(),
            "the rest waits behind the leased heads"
        );
        let done = outbox
            .complete(claimed.token, &claimed.ids())
            .await
            .expect("complete");
        assert_eq!(done, 3);
    }
    assert!(
        outbox
            .claim(100, LONG)
            .await
            .expect("claim")
            .entries
            .is_empty()
    );
    // The events stay in the log.
    let log = cms
        .events()
        .for_stream(&streams[0], 0, 100)
        .await
        .expect("log");
    assert_eq!(sequences(&log), [1, 2, 3]);
}

pub async fn an_expired_lease_is_claimed_again(db: &TestDb) {
    let cms = db.cms().await;
    drain(&cms).await;
    cms.documents()
        .create(CreateDocument::new("author", json!({"name": "A"})))
        .await
        .expect("create");
    let outbox = cms.outbox();
    let first = outbox
        .claim(10, Duration::from_millis(300))
        .await
        .expect("claim");
    assert_eq!(first.entries.len(), 1);
    assert!(
        outbox
            .claim(10, LONG)
            .await
            .expect("claim")
            .entries
            .is_empty()
    );
    tokio::time::sleep(Duration::from_millis(400)).await;
    let second = outbox.claim(10, LONG).await.expect("claim");
    assert_eq!(
        second.ids(),
        first.ids(),
        "the crashed consumer's entry comes back"
    );
    assert_eq!(second.entries[0].attempts, 2);
    assert_eq!(
        outbox
            .complete(first.token, &first.ids())
            .await
            .expect("complete"),
        0,
        "the first consumer's lease is over: it completes nothing"
    );
    assert_eq!(
        outbox
            .complete(second.token, &second.ids())
            .await
            .expect("complete"),
        1
    );
    assert!(
        outbox
            .claim(10, LONG)
            .await
            .expect("claim")
            .entries
            .is_empty()
    );
}

pub async fn released_entries_come_back_after_the_delay(db: &TestDb) {
    let cms = db.cms().await;
    drain(&cms).await;
    cms.documents()
        .create(CreateDocument::new("author", json!({"name": "A"})))
        .await
        .expect("create");
    let outbox = cms.outbox();
    let claimed = outbox.claim(10, LONG).await.expect("claim");
    let wrong = outbox
        .release(Uuid::new_v4(), &claimed.ids(), Duration::ZERO)
        .await
        .expect("release");
    assert_eq!(wrong, 0, "only the claim's token releases it");
    let released = outbox
        .release(claimed.token, &claimed.ids(), Duration::from_millis(300))
        .await
        .expect("release");
    assert_eq!(released, 1);
    assert!(
        outbox
            .claim(10, LONG)
            .await
            .expect("claim")
            .entries
            .is_empty()
    );
    tokio::time::sleep(Duration::from_millis(400)).await;
    let again = outbox.claim(10, LONG).await.expect("claim");
    assert_eq!(again.ids(), claimed.ids());
    assert_eq!(again.entries[0].attempts, 2);
}

/// Four consumers drain 8 streams of 5 events each: every event is handled exactly once (no
/// lease runs out here), and each stream's events in their order.
pub async fn concurrent_consumers_handle_every_event_once_in_stream_order(db: &TestDb) {
    let cms = db.cms().await;
    drain(&cms).await;
    let mut ids = Vec::new();
    for i in 0..8 {
        let doc = cms
            .documents()
            .create(CreateDocument::new(
                "author",
                json!({"name": format!("A{i}")}),
            ))
            .await
            .expect("create");
        for j in 0..4 {
            cms.documents()
                .update_draft(
                    doc.id,
                    json!({"name": format!("{i}-{j}")}),
                    WriteOptions::default(),
                )
                .await
                .expect("save");
        }
        ids.push(doc.id);
    }
    let handled: Arc<Mutex<BTreeMap<String, Vec<i64>>>> = Arc::default();
    let consumers: Vec<_> = (0..4)
        .map(|_| {
            let outbox = cms.outbox();
            let handled = handled.clone();
            tokio::spawn(async move {
                let mut idle = 0;
                while idle < 20 {
                    let claimed = outbox.claim(3, LONG).await.expect("claim");
                    if claimed.entries.is_empty() {
                        idle += 1;
                        tokio::time::sleep(Duration::from_millis(5)).await;
                        continue;
                    }
                    idle = 0;
                    {
                        let mut handled = handled.lock().await;
                        for e in &claimed.entries {
                            handled
                                .entry(e.event.stream.clone())
                                .or_default()
                                .push(e.event.sequence);
                        }
                    }
                    let done = outbox
                        .complete(claimed.token, &claimed.ids())
                        .await
                        .expect("complete");
                    assert_eq!(done as usize, claimed.entries.len());
                }
            })
        })
        .collect();
    for c in consumers {
        c.await.expect("consumer");
    }
    let handled = handled.lock().await;
    assert_eq!(handled.len(), 8);
    for id in ids {
        assert_eq!(
            handled.get(&format!("document:{id}")),
            Some(&vec![1, 2, 3, 4, 5]),
            "each event once, in stream order"
        );
    }
}

pub async fn pruning_keeps_what_consumers_have_not_handled(db: &TestDb) {
    let cms = db.cms().await;
    let docs = cms.documents();
    let handled = docs
        .create(CreateDocument::new("author", json!({"name": "A"})))
        .await
        .expect("create");
    drain(&cms).await;
    let pending = docs
        .create(CreateDocument::new("author", json!({"name": "B"})))
        .await
        .expect("create");
    tokio::time::sleep(Duration::from_millis(5)).await;
    let cut = now();
    tokio::time::sleep(Duration::from_millis(5)).await;
    let fresh = docs
        .create(CreateDocument::new("author", json!({"name": "C"})))
        .await
        .expect("create");

    // Handled and older than the cut: gone (the schema sync's event too); the pending one stays.
    let pruned = cms.outbox().prune_events(cut, false).await;
    assert_eq!(pruned.expect("prune"), 2);
    let count = |id| {
        let cms = cms.clone();
        async move {
            cms.events()
                .for_document(id, 0, 10)
                .await
                .expect("events")
                .len()
        }
    };
    assert_eq!(
        (
            count(handled.id).await,
            count(pending.id).await,
            count(fresh.id).await
        ),
        (0, 1, 1)
    );
    // Discarding pending ones drops their outbox entries with them.
    assert_eq!(
        cms.outbox().prune_events(cut, true).await.expect("prune"),
        1
    );
    assert_eq!(count(pending.id).await, 0);
    let left = cms.outbox().claim(100, LONG).await.expect("claim");
    let left: Vec<String> = left
        .entries
        .iter()
        .map(|e| e.event.subject_id.clone())
        .collect();
    assert_eq!(
        left,
        [fresh.id.to_string()],
        "only what came after the cut is left"
    );
    // The numbering goes on.
    docs.update_draft(pending.id, json!({"name": "B2"}), WriteOptions::default())
        .await
        .expect("save");
    let events = cms
        .events()
        .for_document(pending.id, 0, 10)
        .await
        .expect("events");
    assert_eq!(sequences(&events), [2]);
}

pub async fn bad_arguments_are_typed_errors(db: &TestDb) {
    let cms = db.cms().await;
    let invalid = |r: aphex_core::Result<_>, what: &str| {
        assert!(
            matches!(r, Err(Error::InvalidQuery { .. })),
            "{what}: {r:?}"
        );
    };
    invalid(cms.outbox().claim(0, LONG).await.map(drop), "limit 0");
    invalid(cms.outbox().claim(1001, LONG).await.map(drop), "limit 1001");
    invalid(
        cms.outbox().claim(1, Duration::ZERO).await.map(drop),
        "lease 0",
    );
    invalid(
        cms.outbox()
            .claim(1, Duration::from_secs(u64::MAX))
            .await
            .map(drop),
        "endless lease",
    );
    invalid(
        cms.events()
            .for_document(Uuid::new_v4(), 0, 0)
            .await
            .map(drop),
        "list limit 0",
    );
    let later = now();
    let earlier = later - chrono::TimeDelta::seconds(1);
    invalid(
        cms.events()
            .between(&EventRange::new(Some(later), Some(earlier), 10))
            .await
            .map(drop),
        "from after to",
    );
    // A stream name no backend stores is simply empty, and a token that holds nothing
    // completes nothing.
    assert!(
        cms.events()
            .for_stream("a\0b", 0, 10)
            .await
            .expect("nul stream")
            .is_empty()
    );
    assert_eq!(
        cms.outbox()
            .complete(Uuid::new_v4(), &[Uuid::new_v4()])
            .await
            .expect("complete"),
        0
    );
    // The port refuses nothing the service would not: appending through it directly works.
    let appended = db
        .adapter
        .append_event(
            cms.scope(),
            &NewEvent::new(
                "custom:1".into(),
                EventKind::SchemaSynced,
                "custom",
                None,
                json!({}),
                now(),
            ),
        )
        .await
        .expect("append");
    assert_eq!(appended.sequence, 1);
}

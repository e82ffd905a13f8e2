//! Keyset pages (`FindOptions::after` with a page's `next_cursor`) and finds without a count:
//! paging through a collection returns exactly the one-page answer, in order, for every kind of
//! sort; while other tasks insert and delete, no document comes twice and none that existed
//! throughout is skipped; bad cursors are refused by name.

use std::collections::HashSet;

use serde_json::{Value, json};
use uuid::Uuid;

use aphex_core::query::{FindOptions, Perspective, Where};
use aphex_core::schema::{FieldDef, SchemaTypeDef};
use aphex_core::service::{CreateDocument, VersionRetention, WriteOptions};
use aphex_core::{Cms, Error};

use crate::TestDb;

pub(crate) fn cases() -> Vec<crate::Case> {
    case_list!(keyset:
        pages_follow_every_sort,
        pages_of_objects_and_arrays,
        paging_while_others_write,
        bad_cursors_are_refused,
        counting_can_be_skipped,
    )
}

/// `item` indexes `rank` and `title`; `plain` has the same fields, unindexed.
fn types() -> Vec<SchemaTypeDef> {
    vec![
        SchemaTypeDef::document("item", "Item")
            .field(FieldDef::number("rank").index())
            .field(FieldDef::string("title").index()),
        SchemaTypeDef::document("plain", "Plain")
            .field(FieldDef::number("rank"))
            .field(FieldDef::string("title")),
    ]
}

async fn cms(db: &TestDb) -> Cms {
    db.cms_with(types(), VersionRetention::All).await
}

/// The ids of one find, in order.
async fn ids(cms: &Cms, opts: &FindOptions) -> aphex_core::Result<(Vec<Uuid>, Option<String>)> {
    let page = cms.documents().find(opts).await?;
    Ok((page.docs.iter().map(|d| d.id).collect(), page.next_cursor))
}

/// Every page of `opts` (page size `limit`), following the cursors; checks each page's flags.
async fn all_pages(cms: &Cms, opts: &FindOptions, limit: u64) -> Vec<Uuid> {
    let mut out = Vec::new();
    let mut after: Option<String> = None;
    for n in 0.. {
        assert!(n < 10_000, "paging does not end");
        let mut page_opts = opts.clone().limit(limit);
        if let Some(c) = &after {
            page_opts = page_opts.after(c.clone());
        }
        let page = cms
            .documents()
            .find(&page_opts)
            .await
            .unwrap_or_else(|e| panic!("page {n} of {opts:?}: {e:?}"));
        assert!(page.docs.len() as u64 <= limit);
        assert_eq!(page.has_prev_page, after.is_some(), "page {n}");
        assert_eq!(page.has_next_page, page.next_cursor.is_some(), "page {n}");
        out.extend(page.docs.iter().map(|d| d.id));
        match page.next_cursor {
            Some(c) => {
                assert_eq!(
                    page.docs.len() as u64,
                    limit,
                    "only a full page has a next one"
                );
                after = Some(c);
            }
            None => break,
        }
    }
    out
}

async fn create(cms: &Cms, doc_type: &str, data: Value) -> Uuid {
    cms.documents()
        .create(CreateDocument::new(doc_type, data))
        .await
        .expect("create")
        .id
}

/// Numbers, strings, booleans, missing and null values with ties, nullable columns, several
/// keys, both directions, indexed and unindexed, draft and published: the pages, joined, are
/// the one-page answer.
pub async fn pages_follow_every_sort(db: &TestDb) {
    let cms = cms(db).await;
    let ranks = [
        json!(3),
        json!(1.5),
        json!(-2),
        json!(3),
        json!("b"),
        json!("a"),
        json!(true),
        json!(false),
        Value::Null,
        json!(10),
        json!(3),
        json!("B"),
    ];
    for doc_type in ["item", "plain"] {
        for i in 0..36 {
            let mut data = json!({"title": format!("t{}", i % 5), "n": i});
            if i % 9 != 4 {
                data["rank"] = ranks[i % ranks.len()].clone();
            }
            if i % 4 == 0 {
                data["flag"] = json!(i % 8 == 0);
            }
            let publishable = data
                .get("rank")
                .is_none_or(|r| r.is_number() || r.is_null());
            let id = create(&cms, doc_type, data).await;
            if i % 3 == 0 && publishable {
                cms.documents()
                    .publish(id, WriteOptions::new().user(format!("u{}", i % 2)))
                    .await
                    .expect("publish");
            }
        }
    }
    let sorts: [&[&str]; 11] = [
        &[],
        &["rank"],
        &["-rank"],
        &["title", "-rank"],
        &["-title", "rank", "-n"],
        &["flag", "-rank"],
        &["-flag"],
        &["updatedBy", "n"],
        &["-updatedBy", "-n"],
        &["status", "-createdAt"],
        &["-revision", "publishedAt"],
    ];
    for doc_type in ["item", "plain"] {
        for perspective in [Perspective::Draft, Perspective::Published] {
            for sort in sorts {
                let opts = sort
                    .iter()
                    .fold(FindOptions::new(), |o, k| o.sort(*k))
                    .doc_type(doc_type)
                    .perspective(perspective);
                let (whole, _) = ids(&cms, &opts.clone().limit(1000))
                    .await
                    .expect("one page");
                for (limit, count) in [(1, true), (4, false), (7, true), (100, false)] {
                    let paged = all_pages(&cms, &opts.clone().count(count), limit).await;
                    assert_eq!(
                        paged, whole,
                        "{doc_type} {perspective:?} sort {sort:?} in pages of {limit}"
                    );
                }
            }
        }
    }
    // With a filter too (the cursor is a position; the filter may even change between pages).
    let opts = FindOptions::new()
        .doc_type("item")
        .filter(Where::path("rank").greater_than(0))
        .sort("-rank");
    let (whole, _) = ids(&cms, &opts.clone().limit(1000))
        .await
        .expect("one page");
    assert_eq!(all_pages(&cms, &opts, 2).await, whole);
}

/// Objects and arrays at a sort key tie within their type, so pages can start after one —
/// where the backend declares it (`Capabilities::composite_sort_ties`); elsewhere such a page
/// is refused as unsupported.
pub async fn pages_of_objects_and_arrays(db: &TestDb) {
    let cms = cms(db).await;
    for (i, v) in [
        json!({"a": 2}),
        json!([3]),
        json!(1),
        json!({"a": 1}),
        json!([1, 2]),
        json!("s"),
        json!({"b": 0}),
        json!([]),
    ]
    .into_iter()
    .enumerate()
    {
        create(&cms, "plain", json!({"v": v, "n": i})).await;
    }
    let opts = FindOptions::new().doc_type("plain").sort("v").sort("n");
    let first = cms
        .documents()
        .find(&opts.clone().limit(3))
        .await
        .expect("first page");
    // 1, "s", then the first object.
    let cursor = first.next_cursor.expect("more pages");
    let next = cms
        .documents()
        .find(&opts.clone().limit(3).after(cursor))
        .await;
    if db.adapter.capabilities().composite_sort_ties {
        next.expect("a page after an object");
        let (whole, _) = ids(&cms, &opts.clone().limit(1000))
            .await
            .expect("one page");
        assert_eq!(all_pages(&cms, &opts, 2).await, whole);
        // Objects and arrays are ordered by the later keys: `n`.
        let found = cms
            .documents()
            .find(&opts.clone().limit(1000))
            .await
            .expect("find");
        let ns: Vec<i64> = found
            .docs
            .iter()
            .map(|d| {
                d.draft_data.as_ref().expect("draft")["n"]
                    .as_i64()
                    .expect("n")
            })
            .collect();
        assert_eq!(ns, vec![2, 5, 0, 3, 6, 1, 4, 7]);
    } else {
        match next {
            Err(Error::Unsupported { .. }) => {}
            other => panic!("expected Unsupported, got {other:?}"),
        }
    }
}

/// While writers insert documents (anywhere in the order) and delete the ones they inserted,
/// paging never returns a document twice and returns every document that existed throughout.
pub async fn paging_while_others_write(db: &TestDb) {
    let cms = cms(db).await;
    let mut throughout = HashSet::new();
    for i in 0..60 {
        throughout.insert(
            create(
                &cms,
                "item",
                json!({"rank": (i * 37) % 23, "title": "kept"}),
            )
            .await,
        );
    }
    for sort in [["rank"], ["-createdAt"]] {
        let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
        let writers: Vec<_> = (0..3)
            .map(|w| {
                let cms = cms.clone();
                let stop = stop.clone();
                tokio::spawn(async move {
                    let mut mine = Vec::new();
                    let mut n: i64 = 0;
                    while !stop.load(std::sync::atomic::Ordering::Relaxed) {
                        n += 1;
                        let rank = (n * 7 + w) % 25 - 1;
                        mine.push(
                            create(&cms, "item", json!({"rank": rank, "title": "new"})).await,
                        );
                        if n % 2 == 0 {
                            let gone = mine.remove(0);
                            cms.documents().delete(gone).await.expect("delete");
                        }
                        tokio::task::yield_now().await;
                    }
                })
            })
            .collect();
        let opts = sort
            .iter()
            .fold(FindOptions::new(), |o, k| o.sort(*k))
            .doc_type("item")
            .count(false);
        let mut seen = HashSet::new();
        let mut after: Option<String> = None;
        loop {
            let mut page_opts = opts.clone().limit(4);
            if let Some(c) = &after {
                page_opts = page_opts.after(c.clone());
            }
            let page = cms.documents().find(&page_opts).await.expect("page");
            for d in &page.docs {
                assert!(seen.insert(d.id), "{} returned twice (sort {sort:?})", d.id);
            }
            // Let the writers move between pages.
            tokio::time::sleep(std::time::Duration::from_millis(2)).await;
            match page.next_cursor {
                Some(c) => after = Some(c),
                None => break,
            }
        }
        stop.store(true, std::sync::atomic::Ordering::Relaxed);
        for w in writers {
            w.await.expect("writer");
        }
        let missed: Vec<_> = throughout.difference(&seen).collect();
        assert!(missed.is_empty(), "skipped {missed:?} (sort {sort:?})");
    }
}

/// A malformed cursor, one of another sort or perspective, `after` with `offset` or `page`,
/// and `after` on assets are `InvalidQuery` at `after`; nothing is sent to the database.
pub async fn bad_cursors_are_refused(db: &TestDb) {
    let cms = cms(db).await;
    for i in 0..5 {
        create(&cms, "item", json!({"rank": i})).await;
    }
    let opts = FindOptions::new().doc_type("item").sort("rank").limit(2);
    let cursor = cms
        .documents()
        .find(&opts)
        .await
        .expect("page")
        .next_cursor
        .expect("more");
    let refused = |r: aphex_core::Result<
        aphex_core::query::FindResult<aphex_core::model::Document>,
    >| match r {
        Err(Error::InvalidQuery { path, .. }) => assert_eq!(path, "after"),
        other => panic!("expected InvalidQuery at after, got {other:?}"),
    };
    let docs = cms.documents();
    let before = db.statements();
    refused(docs.find(&opts.clone().after("not a cursor")).await);
    refused(docs.find(&opts.clone().after("eyJ2IjoxfQ")).await);
    refused(
        docs.find(&opts.clone().sort("title").after(cursor.clone()))
            .await,
    );
    refused(
        docs.find(
            &opts
                .clone()
                .perspective(Perspective::Published)
                .after(cursor.clone()),
        )
        .await,
    );
    refused(
        docs.find(&opts.clone().offset(2).after(cursor.clone()))
            .await,
    );
    refused(docs.find(&opts.clone().page(2).after(cursor.clone())).await);
    assert_eq!(db.statements(), before, "nothing was sent");
    match cms
        .assets()
        .find(
            &Default::default(),
            &FindOptions::new().after(cursor.clone()),
        )
        .await
    {
        Err(Error::InvalidQuery { path, .. }) => assert_eq!(path, "after"),
        other => panic!("expected InvalidQuery at after, got {other:?}"),
    }
    // The JSON form takes the cursor too.
    let from_json = FindOptions::from_json(&json!({
        "type": "item", "sort": "rank", "limit": 2, "after": cursor, "count": false
    }))
    .expect("json options");
    let page = docs.find(&from_json).await.expect("second page");
    assert_eq!(page.docs.len(), 2);
    assert!(!page.counted);
}

/// Without a count the page says nothing about the total (`counted` false, JSON `null`), and
/// still knows exactly whether a next page exists — also when the rest fills exactly one page.
pub async fn counting_can_be_skipped(db: &TestDb) {
    let cms = cms(db).await;
    for i in 0..6 {
        create(&cms, "item", json!({"rank": i})).await;
    }
    let docs = cms.documents();
    for (limit, page, next) in [
        (3, 1, true),
        (3, 2, false),
        (6, 1, false),
        (5, 1, true),
        (5, 2, false),
    ] {
        let found = docs
            .find(
                &FindOptions::new()
                    .doc_type("item")
                    .sort("rank")
                    .limit(limit)
                    .page(page)
                    .count(false),
            )
            .await
            .expect("find");
        assert!(!found.counted);
        assert_eq!(found.has_next_page, next, "limit {limit} page {page}");
        assert_eq!(found.has_prev_page, page > 1);
        let json = serde_json::to_value(found.map(|d| d.id)).expect("json");
        assert_eq!(json["totalDocs"], Value::Null);
        assert_eq!(json["totalPages"], Value::Null);
    }
    let counted = docs
        .find(&FindOptions::new().doc_type("item").limit(4))
        .await
        .expect("counted");
    assert!(counted.counted);
    assert_eq!((counted.total_docs, counted.total_pages), (6, 2));
    assert!(
        counted.next_cursor.is_some(),
        "a counted page has a cursor too"
    );
    let json = serde_json::to_value(counted.map(|d| d.id)).expect("json");
    assert_eq!(json["totalDocs"], json!(6));
}

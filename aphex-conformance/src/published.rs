//! Published means published: a read in the published perspective — by id, find (with `where`
//! and sort on any path), count, and every document reached by reference resolution at any
//! depth — sees published content only and never a draft.
//!
//! Every document here is published and then edited, so each has a draft that differs from
//! what is live (every draft value contains `DRAFT`), plus documents that were never published.

use aphex_core::Cms;
use aphex_core::model::Document;
use aphex_core::query::{FindOptions, Perspective, Where};
use aphex_core::service::{CreateDocument, WriteOptions};
use serde_json::{Value, json};
use uuid::Uuid;

use crate::TestDb;
use crate::fixtures::reference;

/// The cases of this module, in order.
pub(crate) fn cases() -> Vec<crate::Case> {
    case_list!(published:
        reads_by_id_carry_no_draft_at_any_depth,
        finds_and_counts_see_published_content_only,
        draft_only_documents_are_invisible,
    )
}

/// Creates `data` (a draft), publishes it, then saves a different draft on top.
async fn published_then_edited(cms: &Cms, doc_type: &str, live: Value, draft: Value) -> Document {
    let docs = cms.documents();
    let doc = docs
        .create(CreateDocument::new(doc_type, live))
        .await
        .expect("create");
    docs.publish(doc.id, WriteOptions::default())
        .await
        .expect("publish");
    docs.update_draft(doc.id, draft, WriteOptions::default())
        .await
        .expect("edit the draft")
}

/// No string anywhere in `value` mentions the draft, and no object has draft data.
fn assert_no_draft(value: &Value, what: &str) {
    let text = value.to_string();
    assert!(
        !text.contains("DRAFT") && !text.contains("draftData"),
        "{what} shows draft content: {text}"
    );
}

/// A chain post → author → mentor → mentor, every link published with its draft edited (the
/// drafts point elsewhere and say DRAFT).
async fn chain(cms: &Cms) -> (Document, Vec<Document>) {
    let decoy = published_then_edited(
        cms,
        "author",
        json!({"name": "Decoy"}),
        json!({"name": "Decoy DRAFT"}),
    )
    .await;
    let mut next: Option<Uuid> = None;
    let mut authors = Vec::new();
    for name in ["Carol", "Bob", "Ann"] {
        let mut live = json!({ "name": name });
        if let Some(id) = next {
            live["mentor"] = reference(id);
        }
        let draft = json!({ "name": format!("{name} DRAFT"), "mentor": reference(decoy.id) });
        let author = published_then_edited(cms, "author", live, draft).await;
        next = Some(author.id);
        authors.push(author);
    }
    let post = published_then_edited(
        cms,
        "post",
        json!({"title": "Live title", "views": 10, "author": reference(authors[2].id)}),
        json!({"title": "DRAFT title", "views": 99, "author": reference(decoy.id)}),
    )
    .await;
    (post, authors)
}

/// By id, at every depth: no `draft_data`, the published copy resolved through published
/// copies only, and the JSON form carries no `draftData` key at all.
pub async fn reads_by_id_carry_no_draft_at_any_depth(db: &TestDb) {
    let cms = db.cms().await;
    let (post, _) = chain(&cms).await;
    for depth in 0..=4 {
        let read = cms
            .documents()
            .find_by_id(post.id, Perspective::Published, depth)
            .await
            .expect("read")
            .expect("published");
        assert_eq!(read.draft_data, None, "depth {depth}: no draft");
        let json = serde_json::to_value(&read).expect("serialise");
        assert!(json.get("draftData").is_none(), "depth {depth}: {json}");
        assert_no_draft(&json, &format!("the published read at depth {depth}"));
        assert_eq!(
            read.published_data.as_ref().expect("published data")["title"],
            "Live title"
        );
    }
    let deep = cms
        .documents()
        .find_by_id(post.id, Perspective::Published, 4)
        .await
        .expect("read")
        .expect("published");
    let data = deep.published_data.expect("published data");
    assert_eq!(data["author"]["name"], "Ann");
    assert_eq!(data["author"]["mentor"]["name"], "Bob");
    assert_eq!(data["author"]["mentor"]["mentor"]["name"], "Carol");
    // The draft perspective still sees the drafts (and where they point).
    let draft = cms
        .documents()
        .find_by_id(post.id, Perspective::Draft, 1)
        .await
        .expect("read")
        .expect("exists");
    let draft_data = draft.draft_data.expect("draft");
    assert_eq!(draft_data["title"], "DRAFT title");
    assert_eq!(draft_data["author"]["name"], "Decoy DRAFT");
}

/// Finds filter and sort on the published copy, return published views (references resolved
/// through published copies), and counts agree; a filter that only the draft satisfies
/// matches nothing.
pub async fn finds_and_counts_see_published_content_only(db: &TestDb) {
    let cms = db.cms().await;
    let (post, _) = chain(&cms).await;
    let docs = cms.documents();
    let published = |w: Option<Where>| {
        let mut o = FindOptions::new()
            .doc_type("post")
            .perspective(Perspective::Published)
            .depth(3)
            .sort("-views");
        o.where_clause = w;
        o
    };
    let all = docs.find(&published(None)).await.expect("find");
    assert_eq!(all.total_docs, 1);
    let found = &all.docs[0];
    assert_eq!(found.id, post.id);
    assert_eq!(found.draft_data, None);
    assert_no_draft(
        &serde_json::to_value(&all).expect("serialise"),
        "the published page",
    );

    for (w, expected) in [
        (Where::path("title").equals("Live title"), 1),
        (Where::path("title").contains("draft"), 0),
        (Where::path("views").greater_than(50), 0),
        (Where::path("views").equals(10), 1),
    ] {
        let options = published(Some(w.clone()));
        let page = docs.find(&options).await.expect("find");
        assert_eq!(page.total_docs, expected, "{w:?}");
        assert_eq!(
            docs.count(&options).await.expect("count"),
            expected,
            "{w:?}"
        );
        assert!(page.docs.iter().all(|d| d.draft_data.is_none()));
    }
    // The same filters in the draft perspective see the drafts.
    let draft = FindOptions::new()
        .doc_type("post")
        .filter(Where::path("views").greater_than(50));
    assert_eq!(docs.count(&draft).await.expect("count"), 1);
}

/// Documents that were never published (or were unpublished) do not exist for published reads:
/// not by id, not in finds or counts, not as reference targets.
pub async fn draft_only_documents_are_invisible(db: &TestDb) {
    let cms = db.cms().await;
    let docs = cms.documents();
    let secret = docs
        .create(CreateDocument::new(
            "author",
            json!({"name": "Secret DRAFT"}),
        ))
        .await
        .expect("create");
    let gone = published_then_edited(
        &cms,
        "post",
        json!({"title": "Gone"}),
        json!({"title": "Gone DRAFT"}),
    )
    .await;
    docs.unpublish(gone.id, WriteOptions::default())
        .await
        .expect("unpublish");
    let post = docs
        .create(CreateDocument::new(
            "post",
            json!({"title": "Pointing", "author": reference(secret.id),
                   "related": [reference(gone.id)]}),
        ))
        .await
        .expect("create");
    docs.publish(post.id, WriteOptions::default())
        .await
        .expect("publish");

    for id in [secret.id, gone.id] {
        assert!(
            docs.find_by_id(id, Perspective::Published, 2)
                .await
                .expect("read")
                .is_none()
        );
    }
    let authors = FindOptions::new()
        .doc_type("author")
        .perspective(Perspective::Published);
    assert_eq!(docs.count(&authors).await.expect("count"), 0);
    assert!(docs.find(&authors).await.expect("find").docs.is_empty());
    let gone_posts = FindOptions::new()
        .doc_type("post")
        .perspective(Perspective::Published)
        .filter(Where::path("title").starts_with("Gone"));
    assert_eq!(docs.count(&gone_posts).await.expect("count"), 0);
    let read = docs
        .find_by_id(post.id, Perspective::Published, 3)
        .await
        .expect("read")
        .expect("published");
    let data = read.published_data.expect("published");
    assert_eq!(data["author"], reference(secret.id), "stays a reference");
    assert_eq!(data["related"][0], reference(gone.id));
    assert_no_draft(&data, "references to unpublished documents");
}

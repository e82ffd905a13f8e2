//! The reference index: which documents and assets each document's draft and published data
//! refer to, kept in step with every write, queried as "used by" and with the `where` path
//! `_references`; deleting what published content refers to is refused unless forced; a
//! rebuild restores it from the stored data.

use aphex_core::model::Document;
use aphex_core::ports::DocumentStore;
use aphex_core::query::{FindOptions, Perspective, Where};
use aphex_core::service::{CreateDocument, WriteOptions};
use aphex_core::{Cms, Error, Scope};
use serde_json::{Value, json};
use uuid::Uuid;

use crate::TestDb;
use crate::fixtures::{reference, text_file};

/// The cases of this module, in order.
pub(crate) fn cases() -> Vec<crate::Case> {
    case_list!(reference_index:
        the_index_follows_every_write,
        used_by_pages_filters_and_combines,
        only_equality_on_ids_and_no_sorting,
        deleting_what_published_content_refers_to_is_refused,
        a_forced_delete_leaves_dangling_references,
        rebuild_restores_the_index_from_the_data,
        concurrent_saves_leave_the_index_matching_the_data,
        the_index_stays_in_its_organization,
    )
}

async fn create(cms: &Cms, doc_type: &str, data: Value) -> Document {
    cms.documents()
        .create(CreateDocument::new(doc_type, data))
        .await
        .expect("create")
}

fn author(name: &str) -> Value {
    json!({ "name": name })
}

/// A post referring to `author` and, through an image's `asset`, to `asset`.
fn post(title: &str, author: Uuid, asset: Option<Uuid>) -> Value {
    let mut data = json!({ "title": title, "author": reference(author) });
    if let Some(asset) = asset {
        data["cover"] = json!({ "_type": "image", "asset": reference(asset) });
    }
    data
}

/// The ids of the documents referring to `target` in `perspective`, sorted.
async fn used_by(cms: &Cms, target: Uuid, perspective: Perspective) -> Vec<Uuid> {
    let options = FindOptions::new().perspective(perspective).limit(1000);
    let mut ids: Vec<Uuid> = cms
        .documents()
        .used_by(target, &options)
        .await
        .expect("used_by")
        .docs
        .iter()
        .map(|d| d.id)
        .collect();
    ids.sort_unstable();
    ids
}

async fn publish(cms: &Cms, id: Uuid) {
    cms.documents()
        .publish(id, WriteOptions::default())
        .await
        .expect("publish");
}

/// An author, an image asset, and a published post referring to both: `(author, asset, post)`.
async fn published_referrer(cms: &Cms) -> (Uuid, Uuid, Uuid) {
    let ada = create(cms, "author", author("Ada")).await.id;
    let image = cms
        .assets()
        .create(text_file(&format!("{}.png", Uuid::new_v4())))
        .await
        .expect("asset")
        .id;
    let live = create(cms, "post", post("Live", ada, Some(image))).await.id;
    publish(cms, live).await;
    (ada, image, live)
}

fn sorted(mut ids: Vec<Uuid>) -> Vec<Uuid> {
    ids.sort_unstable();
    ids
}

/// Create, draft saves, publish, unpublish, restore, bulk create and delete each leave the
/// index of each perspective exactly what the data there refers to.
pub async fn the_index_follows_every_write(db: &TestDb) {
    let cms = db.cms().await;
    let docs = cms.documents();
    let ada = create(&cms, "author", author("Ada")).await.id;
    let bob = create(&cms, "author", author("Bob")).await.id;
    let image = cms
        .assets()
        .create(text_file("cover.png"))
        .await
        .expect("asset")
        .id;
    let p = create(&cms, "post", post("P", ada, Some(image))).await.id;
    let (draft, published) = (Perspective::Draft, Perspective::Published);
    assert_eq!(
        used_by(&cms, ada, draft).await,
        [p],
        "create indexes the draft"
    );
    assert_eq!(
        used_by(&cms, image, draft).await,
        [p],
        "an image's asset too"
    );
    assert!(
        used_by(&cms, ada, published).await.is_empty(),
        "nothing published"
    );

    publish(&cms, p).await;
    assert_eq!(used_by(&cms, ada, published).await, [p], "publish");
    docs.update_draft(p, post("P2", bob, None), WriteOptions::default())
        .await
        .expect("save");
    assert!(
        used_by(&cms, ada, draft).await.is_empty(),
        "the save dropped Ada"
    );
    assert!(
        used_by(&cms, image, draft).await.is_empty(),
        "and the image"
    );
    assert_eq!(used_by(&cms, bob, draft).await, [p], "the save added Bob");
    assert_eq!(
        used_by(&cms, ada, published).await,
        [p],
        "the published data still refers to Ada"
    );
    publish(&cms, p).await;
    assert!(used_by(&cms, ada, published).await.is_empty());
    assert_eq!(used_by(&cms, bob, published).await, [p]);
    docs.unpublish(p, WriteOptions::default())
        .await
        .expect("unpublish");
    assert!(
        used_by(&cms, bob, published).await.is_empty(),
        "unpublish empties it"
    );
    docs.restore(p, 1, WriteOptions::default())
        .await
        .expect("restore the first draft");
    assert_eq!(used_by(&cms, ada, draft).await, [p], "restore");
    assert_eq!(used_by(&cms, image, draft).await, [p]);
    assert!(used_by(&cms, bob, draft).await.is_empty());

    let bulk = docs
        .create_many(vec![
            CreateDocument::new("post", post("B1", bob, None)),
            CreateDocument::new("post", post("B2", bob, Some(image))),
        ])
        .await
        .expect("create_many");
    assert_eq!(used_by(&cms, bob, draft).await, sorted(bulk.clone()));
    assert_eq!(used_by(&cms, image, draft).await, sorted(vec![p, bulk[1]]));

    docs.delete(p).await.expect("delete");
    assert_eq!(
        used_by(&cms, image, draft).await,
        [bulk[1]],
        "a deleted referrer goes"
    );
    assert!(used_by(&cms, ada, draft).await.is_empty());
}

/// "Used by" takes the options of `find` (type, page, filter); `_references` combines with
/// other conditions, `in` matches any of several ids and `not_equals` is the complement.
pub async fn used_by_pages_filters_and_combines(db: &TestDb) {
    let cms = db.cms().await;
    let docs = cms.documents();
    let ada = create(&cms, "author", author("Ada")).await.id;
    let bob = create(&cms, "author", author("Bob")).await.id;
    let mut ada_posts = Vec::new();
    for i in 0..5 {
        ada_posts.push(
            create(&cms, "post", post(&format!("A{i}"), ada, None))
                .await
                .id,
        );
    }
    let bob_post = create(&cms, "post", post("B", bob, None)).await.id;
    // An author whose mentor is Ada refers to her too.
    let mentee = create(
        &cms,
        "author",
        json!({ "name": "Cy", "mentor": reference(ada) }),
    )
    .await
    .id;

    let page = docs
        .used_by(ada, &FindOptions::new().doc_type("post").limit(2).page(2))
        .await
        .expect("page 2");
    assert_eq!(page.total_docs, 5);
    assert_eq!(page.docs.len(), 2);
    let everyone = docs
        .used_by(ada, &FindOptions::new().limit(100))
        .await
        .expect("all types");
    assert_eq!(everyone.total_docs, 6, "five posts and the mentee");
    assert!(everyone.docs.iter().any(|d| d.id == mentee));

    let find = |w: Where| {
        let docs = docs.clone();
        async move {
            let mut ids: Vec<Uuid> = docs
                .find(&FindOptions::new().filter(w).limit(100))
                .await
                .expect("find")
                .docs
                .iter()
                .map(|d| d.id)
                .collect();
            ids.sort_unstable();
            ids
        }
    };
    let refers = |id: Uuid| Where::path("_references").equals(id.to_string());
    assert_eq!(
        find(Where::and([refers(ada), Where::path("title").equals("A3")])).await,
        [ada_posts[3]]
    );
    assert_eq!(
        find(Where::path("_references").in_list([bob.to_string(), Uuid::new_v4().to_string()]))
            .await,
        [bob_post]
    );
    let mut not_ada = vec![ada, bob, bob_post];
    not_ada.sort_unstable();
    assert_eq!(
        find(Where::path("_references").not_equals(ada.to_string())).await,
        not_ada,
        "the exact complement"
    );
    assert!(
        find(Where::path("_references").equals("not-an-id"))
            .await
            .is_empty(),
        "a value that is no id matches nothing"
    );
    assert_eq!(
        docs.count(&FindOptions::new().filter(refers(ada)))
            .await
            .expect("count"),
        6
    );
}

/// `_references` takes `equals`, `not_equals`, `in`, `not_in` only, and is no sort key.
pub async fn only_equality_on_ids_and_no_sorting(db: &TestDb) {
    let cms = db.cms().await;
    let docs = cms.documents();
    let id = Uuid::new_v4().to_string();
    for w in [
        Where::path("_references").greater_than(id.as_str()),
        Where::path("_references").contains(id.as_str()),
        Where::path("_references").exists(true),
    ] {
        match docs.find(&FindOptions::new().filter(w.clone())).await {
            Err(Error::InvalidQuery { path, .. }) => assert_eq!(path, "_references"),
            other => panic!("{w:?}: expected InvalidQuery, got {other:?}"),
        }
    }
    match docs.find(&FindOptions::new().sort("-_references")).await {
        Err(Error::InvalidQuery { path, .. }) => assert_eq!(path, "_references"),
        other => panic!("sort: expected InvalidQuery, got {other:?}"),
    }
}

/// A document or asset that published content refers to is not deleted: `Referenced` lists the
/// referrers and nothing goes. Drafts that refer to it, and the document itself, do not hold
/// it back.
pub async fn deleting_what_published_content_refers_to_is_refused(db: &TestDb) {
    let cms = db.cms().await;
    let docs = cms.documents();
    let (ada, image, live) = published_referrer(&cms).await;
    let _draft_only = create(&cms, "post", post("Draft", ada, Some(image)))
        .await
        .id;

    match docs.delete(ada).await {
        Err(e @ Error::Referenced { .. }) => {
            assert_eq!(e.kind(), aphex_core::ErrorKind::Conflict);
            let Error::Referenced {
                entity,
                id,
                referrers,
            } = e
            else {
                unreachable!()
            };
            assert_eq!(
                (entity, id, referrers),
                ("document", ada.to_string(), vec![live])
            );
        }
        other => panic!("expected Referenced, got {other:?}"),
    }
    assert!(
        docs.find_by_id(ada, Perspective::Draft, 0)
            .await
            .expect("read")
            .is_some(),
        "nothing was deleted"
    );
    match cms.assets().delete(image).await {
        Err(Error::Referenced {
            entity, referrers, ..
        }) => assert_eq!((entity, referrers), ("asset", vec![live])),
        other => panic!("expected Referenced, got {other:?}"),
    }
    assert!(
        cms.assets()
            .find_by_id(image)
            .await
            .expect("read")
            .is_some()
    );

    // Once the published copy no longer refers to them, only drafts do: both go.
    docs.update_draft(live, json!({ "title": "Live" }), WriteOptions::default())
        .await
        .expect("save");
    publish(&cms, live).await;
    docs.delete(ada)
        .await
        .expect("only drafts refer to Ada now");
    cms.assets().delete(image).await.expect("and to the image");

    // A published document that refers to itself can be deleted.
    let selfish = create(&cms, "author", author("Me")).await.id;
    docs.update_draft(
        selfish,
        json!({ "name": "Me", "mentor": reference(selfish) }),
        WriteOptions::default(),
    )
    .await
    .expect("save");
    publish(&cms, selfish).await;
    docs.delete(selfish)
        .await
        .expect("its own reference does not hold it");
}

/// A forced delete goes through; the referrers keep their reference (dangling: resolution
/// leaves it as it is), and "used by" of the deleted id still lists them.
pub async fn a_forced_delete_leaves_dangling_references(db: &TestDb) {
    let cms = db.cms().await;
    let docs = cms.documents();
    let (ada, image, live) = published_referrer(&cms).await;

    docs.force_delete(ada).await.expect("forced");
    cms.assets().force_delete(image).await.expect("forced");
    assert!(
        docs.find_by_id(ada, Perspective::Draft, 0)
            .await
            .expect("read")
            .is_none()
    );
    let read = docs
        .find_by_id(live, Perspective::Published, 1)
        .await
        .expect("read")
        .expect("the referrer stays");
    let data = read.published_data.expect("published data");
    assert_eq!(
        data["author"],
        reference(ada),
        "a dangling reference stays a reference"
    );
    assert_eq!(data["cover"]["asset"], reference(image));
    assert_eq!(used_by(&cms, ada, Perspective::Published).await, [live]);
    assert_eq!(used_by(&cms, image, Perspective::Draft).await, [live]);
    assert!(
        matches!(docs.delete(ada).await, Err(Error::NotFound { .. })),
        "what is gone is not found, whoever still refers to it"
    );
    assert!(matches!(
        cms.assets().delete(image).await,
        Err(Error::NotFound { .. })
    ));
}

/// Emptied through the port (as a database from before the index, or a broken one, would
/// be), the index is back after `rebuild_references`, for every document of the organization.
pub async fn rebuild_restores_the_index_from_the_data(db: &TestDb) {
    let cms = db.cms().await;
    let ada = create(&cms, "author", author("Ada")).await.id;
    let mut posts = Vec::new();
    for i in 0..7 {
        let id = create(&cms, "post", post(&format!("P{i}"), ada, None))
            .await
            .id;
        if i % 2 == 0 {
            publish(&cms, id).await;
        }
        posts.push(id);
    }
    let scope = Scope::default();
    let store: &dyn DocumentStore = &*db.adapter;
    for id in &posts {
        for perspective in [Perspective::Draft, Perspective::Published] {
            assert!(
                store
                    .set_references(&scope, *id, perspective, &[])
                    .await
                    .expect("empty it")
            );
        }
    }
    assert!(
        !store
            .set_references(&scope, Uuid::new_v4(), Perspective::Draft, &[])
            .await
            .expect("an unknown document")
    );
    assert!(used_by(&cms, ada, Perspective::Draft).await.is_empty());

    let indexed = cms.documents().rebuild_references().await.expect("rebuild");
    assert_eq!(indexed, 8, "every document (the author too)");
    assert_eq!(
        used_by(&cms, ada, Perspective::Draft).await,
        sorted(posts.clone())
    );
    let published: Vec<Uuid> = posts.iter().step_by(2).copied().collect();
    assert_eq!(
        used_by(&cms, ada, Perspective::Published).await,
        sorted(published)
    );
}

/// Writers racing on one document leave the index of its draft exactly what its final draft
/// refers to (the index is written with the data, serialised by the same row or document).
pub async fn concurrent_saves_leave_the_index_matching_the_data(db: &TestDb) {
    let cms = db.cms().await;
    let mut authors = Vec::new();
    for i in 0..8 {
        authors.push(create(&cms, "author", author(&format!("A{i}"))).await.id);
    }
    let p = create(&cms, "post", post("P", authors[0], None)).await.id;
    for _round in 0..3 {
        let writers = authors.iter().map(|a| {
            let docs = cms.documents().clone();
            let data = post("P", *a, None);
            async move {
                // Busy or conflicting writers may fail; what lands must be indexed.
                let _ = docs.update_draft(p, data, WriteOptions::default()).await;
            }
        });
        futures::future::join_all(writers).await;
        let stored = cms
            .documents()
            .find_by_id(p, Perspective::Draft, 0)
            .await
            .expect("read")
            .expect("exists");
        let final_author = stored.draft_data.expect("draft")["author"]["_ref"]
            .as_str()
            .and_then(|s| Uuid::parse_str(s).ok())
            .expect("an author reference");
        for a in &authors {
            let expected: Vec<Uuid> = if *a == final_author { vec![p] } else { vec![] };
            assert_eq!(
                used_by(&cms, *a, Perspective::Draft).await,
                expected,
                "author {a} (the draft refers to {final_author})"
            );
        }
    }
}

/// Another organization's documents that name an id are not its referrers here: they are not
/// listed, and they hold nothing back.
pub async fn the_index_stays_in_its_organization(db: &TestDb) {
    let cms = db.cms().await;
    let orgs = cms.organizations();
    let other = orgs
        .create(aphex_core::service::CreateOrganization::new(
            "Other",
            "other-ref",
        ))
        .await
        .expect("organization")
        .id;
    let there = cms.org(&other).await.expect("scope");
    let ada = create(&cms, "author", author("Ada")).await.id;
    let foreign = create(&there, "post", post("Theirs", ada, None)).await.id;
    publish(&there, foreign).await;
    assert!(used_by(&cms, ada, Perspective::Published).await.is_empty());
    assert_eq!(
        used_by(&there, ada, Perspective::Published).await,
        [foreign]
    );
    cms.documents()
        .delete(ada)
        .await
        .expect("another organization's reference holds nothing back");
}

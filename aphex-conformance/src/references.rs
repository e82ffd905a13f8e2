//! Reference resolution: `{"_type": "reference", "_ref": "<id>"}` replaced by the target's data
//! (+ `_id`, `_type`, and the reference's own `_key`) to a given depth, batched (one
//! `find_documents_by_ids` per depth level, whatever the number of references), cycle-safe, and
//! perspective-aware.

use aphex_core::model::Document;
use aphex_core::query::{FindOptions, Perspective, Where};
use aphex_core::service::{CreateDocument, WriteOptions};
use aphex_core::{Cms, Error, Scope};
use serde_json::{Value, json};
use uuid::Uuid;

use crate::TestDb;
use crate::fixtures::reference;

/// The cases of this module, in order.
pub(crate) fn cases() -> Vec<crate::Case> {
    case_list!(references:
        depth_zero_leaves_references_untouched,
        depth_one_resolves_every_reference_in_one_statement,
        depth_two_resolves_a_chain_with_one_statement_per_level,
        a_list_resolves_references_in_one_batch,
        cycles_terminate_and_never_expand_a_document_inside_itself,
        references_nested_in_arrays_and_objects_are_resolved,
        a_missing_target_stays_a_reference,
        every_id_spelling_resolves_at_every_level,
        published_perspective_resolves_published_data_only,
        depth_above_ten_is_refused,
        reference_ids_are_chunked_below_every_parameter_limit,
        expansions_are_capped_and_diamonds_count_every_expansion,
        publish_checks_the_types_references_point_to,
    )
}

async fn create(cms: &Cms, doc_type: &str, data: Value) -> Document {
    cms.documents()
        .create(CreateDocument::new(doc_type, data))
        .await
        .expect("create")
}

async fn read(cms: &Cms, id: Uuid, perspective: Perspective, depth: u32) -> Document {
    cms.documents()
        .find_by_id(id, perspective, depth)
        .await
        .expect("find_by_id")
        .expect("document exists")
}

/// What a reference to `doc` resolves to: its data plus `_id` and `_type`.
fn resolved(doc: &Document, data: Value) -> Value {
    let mut map = data.as_object().expect("object data").clone();
    map.insert("_id".into(), json!(doc.id.to_string()));
    map.insert("_type".into(), json!(doc.doc_type));
    Value::Object(map)
}

/// Like [`resolved`], keeping the reference's `_key`.
fn resolved_keyed(doc: &Document, data: Value, key: &str) -> Value {
    let mut value = resolved(doc, data);
    value["_key"] = json!(key);
    value
}

fn keyed_reference(id: Uuid, key: &str) -> Value {
    let mut r = reference(id);
    r["_key"] = json!(key);
    r
}

/// Depth 0 returns the stored data as it is, in exactly one statement.
pub async fn depth_zero_leaves_references_untouched(db: &TestDb) {
    let cms = db.cms().await;
    let author = create(&cms, "author", json!({"name": "Ada"})).await;
    let other = create(&cms, "post", json!({"title": "Other"})).await;
    let data = json!({
        "title": "Hello",
        "author": reference(author.id),
        "related": [keyed_reference(other.id, "k1")],
    });
    let post = create(&cms, "post", data.clone()).await;

    let before = db.statements();
    let read = read(&cms, post.id, Perspective::Draft, 0).await;
    assert_eq!(
        db.statements() - before,
        1,
        "find_by_id at depth 0 is one statement"
    );
    assert_eq!(read.draft_data, Some(data));
    assert_eq!(read, post, "nothing but the stored row");
}

/// Depth 1 resolves `author` and every element of `related` (keeping `_key`), with exactly one
/// extra statement for all of them; the targets' own references stay references.
pub async fn depth_one_resolves_every_reference_in_one_statement(db: &TestDb) {
    let cms = db.cms().await;
    let mentor = create(&cms, "author", json!({"name": "Mentor"})).await;
    let author = create(
        &cms,
        "author",
        json!({"name": "Ada", "email": "ada@example.com", "mentor": reference(mentor.id)}),
    )
    .await;
    let r1 = create(
        &cms,
        "post",
        json!({"title": "R1", "author": reference(author.id)}),
    )
    .await;
    let r2 = create(&cms, "post", json!({"title": "R2", "views": 3})).await;
    let r3 = create(&cms, "post", json!({"title": "R3"})).await;
    let post = create(
        &cms,
        "post",
        json!({
            "title": "Hello",
            "author": reference(author.id),
            "related": [
                keyed_reference(r1.id, "a"),
                keyed_reference(r2.id, "b"),
                reference(r3.id),
                keyed_reference(r1.id, "c"),
            ],
        }),
    )
    .await;

    let before = db.statements();
    let read = read(&cms, post.id, Perspective::Draft, 1).await;
    assert_eq!(
        db.statements() - before,
        find_by_id_statements(db, 1),
        "depth 1 = the document + ONE batched lookup of every target (or both in one)"
    );
    assert_eq!(
        read.draft_data,
        Some(json!({
            "title": "Hello",
            "author": resolved(
                &author,
                json!({"name": "Ada", "email": "ada@example.com", "mentor": reference(mentor.id)})
            ),
            "related": [
                resolved_keyed(&r1, json!({"title": "R1", "author": reference(author.id)}), "a"),
                resolved_keyed(&r2, json!({"title": "R2", "views": 3}), "b"),
                resolved(&r3, json!({"title": "R3"})),
                resolved_keyed(&r1, json!({"title": "R1", "author": reference(author.id)}), "c"),
            ],
        }))
    );
    let stored = read_raw(db, post.id).await;
    assert_eq!(
        stored.draft_data, post.draft_data,
        "resolution never writes anything back"
    );
    assert_eq!(read.revision, post.revision);
    assert_eq!(read.published_data, None);
}

async fn read_raw(db: &TestDb, id: Uuid) -> Document {
    db.adapter
        .find_document(&Scope::default(), id)
        .await
        .expect("port find_document")
        .expect("exists")
}

/// The statements a `find_by_id` at `depth` sends: the document, then one per level — or ONE
/// for the document and every level on a backend that fetches a closure at once.
fn find_by_id_statements(db: &TestDb, depth: u64) -> u64 {
    if db.adapter.capabilities().one_statement_references {
        1
    } else {
        1 + depth
    }
}

/// post → post → author at depth 2: both levels resolved, one statement per level (3 in all;
/// 1 where the document and its levels go out in one statement); at depth 1 the second level
/// stays a reference (2 statements, or 1).
pub async fn depth_two_resolves_a_chain_with_one_statement_per_level(db: &TestDb) {
    let cms = db.cms().await;
    let mentor = create(&cms, "author", json!({"name": "Mentor"})).await;
    let author = create(
        &cms,
        "author",
        json!({"name": "Ada", "mentor": reference(mentor.id)}),
    )
    .await;
    let middle = create(
        &cms,
        "post",
        json!({"title": "Middle", "author": reference(author.id)}),
    )
    .await;
    let top = create(
        &cms,
        "post",
        json!({"title": "Top", "related": [keyed_reference(middle.id, "m")]}),
    )
    .await;

    let before = db.statements();
    let deep = read(&cms, top.id, Perspective::Draft, 2).await;
    assert_eq!(
        db.statements() - before,
        find_by_id_statements(db, 2),
        "one statement per level"
    );
    assert_eq!(
        deep.draft_data,
        Some(json!({
            "title": "Top",
            "related": [resolved_keyed(&middle, json!({
                "title": "Middle",
                "author": resolved(&author, json!({"name": "Ada", "mentor": reference(mentor.id)})),
            }), "m")],
        })),
        "the author's mentor is a third level: still a reference at depth 2"
    );

    let before = db.statements();
    let shallow = read(&cms, top.id, Perspective::Draft, 1).await;
    assert_eq!(db.statements() - before, find_by_id_statements(db, 1));
    assert_eq!(
        shallow.draft_data,
        Some(json!({
            "title": "Top",
            "related": [resolved_keyed(
                &middle,
                json!({"title": "Middle", "author": reference(author.id)}),
                "m",
            )],
        }))
    );

    let before = db.statements();
    let deepest = read(&cms, top.id, Perspective::Draft, 3).await;
    assert_eq!(db.statements() - before, find_by_id_statements(db, 3));
    assert_eq!(
        deepest.draft_data.as_ref().expect("draft")["related"][0]["author"]["mentor"],
        resolved(&mentor, json!({"name": "Mentor"}))
    );
}

/// A `find` of 20 posts, each referencing a different author, costs the list's own statements
/// plus exactly one for all 20 authors.
pub async fn a_list_resolves_references_in_one_batch(db: &TestDb) {
    let cms = db.cms().await;
    let mut expected = std::collections::HashMap::new();
    for i in 0..20 {
        let author = create(&cms, "author", json!({"name": format!("Author {i}")})).await;
        let post = create(
            &cms,
            "post",
            json!({"title": format!("Post {i}"), "views": i, "author": reference(author.id)}),
        )
        .await;
        expected.insert(post.id, author);
    }
    let options = FindOptions::new().sort("views");

    let before = db.statements();
    let flat = cms
        .documents()
        .find(&crate::fixtures::typed(Some("post"), &options))
        .await
        .expect("find depth 0");
    let list_statements = db.statements() - before;
    assert_eq!(list_statements, 2, "a list is a count and a select");
    assert_eq!(flat.docs.len(), 20);

    let before = db.statements();
    let found = cms
        .documents()
        .find(&crate::fixtures::typed(
            Some("post"),
            &options.clone().depth(1),
        ))
        .await
        .expect("find depth 1");
    assert_eq!(
        db.statements() - before,
        list_statements + 1,
        "20 references resolve in ONE statement"
    );
    assert_eq!(found.total_docs, 20);
    assert_eq!(found.docs.len(), 20);
    for (i, post) in found.docs.iter().enumerate() {
        let author = &expected[&post.id];
        assert_eq!(
            post.draft_data,
            Some(json!({
                "title": format!("Post {i}"),
                "views": i,
                "author": resolved(author, json!({"name": format!("Author {i}")})),
            }))
        );
    }
}

/// A → B → A: terminates; B is expanded inside A, A is NOT expanded again inside B; at most one
/// statement per level. A self-reference is never expanded.
pub async fn cycles_terminate_and_never_expand_a_document_inside_itself(db: &TestDb) {
    let cms = db.cms().await;
    let docs = cms.documents();
    let a_id = Uuid::new_v4();
    let b = create(
        &cms,
        "post",
        json!({"title": "B", "related": [reference(a_id)]}),
    )
    .await;
    let a = docs
        .create(
            CreateDocument::new(
                "post",
                json!({"title": "A", "related": [reference(b.id), reference(a_id)]}),
            )
            .id(a_id),
        )
        .await
        .expect("create A");

    for depth in [2, 3, 10] {
        let before = db.statements();
        let read = read(&cms, a.id, Perspective::Draft, depth).await;
        let sent = db.statements() - before;
        assert!(
            sent <= 1 + u64::from(depth),
            "depth {depth}: {sent} statements is more than one per level"
        );
        assert_eq!(
            read.draft_data,
            Some(json!({
                "title": "A",
                "related": [
                    resolved(&b, json!({"title": "B", "related": [reference(a.id)]})),
                    reference(a.id),
                ],
            })),
            "depth {depth}"
        );
    }

    // Both in one list: each is expanded inside the other, never inside itself; both targets are
    // already in the result, so nothing more is fetched.
    let options = FindOptions::new().sort("title").depth(2);
    let before = db.statements();
    let found = docs
        .find(&crate::fixtures::typed(Some("post"), &options))
        .await
        .expect("find");
    assert!(db.statements() - before <= 2 + 2);
    assert_eq!(found.docs.len(), 2);
    assert_eq!(
        found.docs[0].draft_data,
        Some(json!({
            "title": "A",
            "related": [
                resolved(&b, json!({"title": "B", "related": [reference(a.id)]})),
                reference(a.id),
            ],
        }))
    );
    assert_eq!(
        found.docs[1].draft_data,
        Some(json!({
            "title": "B",
            "related": [resolved(&a, json!({
                "title": "A",
                "related": [reference(b.id), reference(a.id)],
            }))],
        }))
    );
}

/// References anywhere in the data — inside arrays of objects, nested objects, arrays of arrays —
/// are found and resolved in the same single batch.
pub async fn references_nested_in_arrays_and_objects_are_resolved(db: &TestDb) {
    let cms = db.cms().await;
    let a1 = create(&cms, "author", json!({"name": "One"})).await;
    let a2 = create(&cms, "author", json!({"name": "Two"})).await;
    let p = create(&cms, "post", json!({"title": "P"})).await;
    let post = create(
        &cms,
        "post",
        json!({
            "title": "Nested",
            "seo": {"metaTitle": "x", "og": {"by": reference(a1.id)}},
            "blocks": [
                {"_type": "callout", "_key": "b1", "items": [keyed_reference(a2.id, "i1"), {"plain": true}]},
                [[reference(p.id)]],
            ],
            "notARef": {"_type": "reference"},
            "badRef": {"_type": "reference", "_ref": "not-a-uuid"},
        }),
    )
    .await;

    let before = db.statements();
    let read = read(&cms, post.id, Perspective::Draft, 1).await;
    assert_eq!(db.statements() - before, find_by_id_statements(db, 1));
    assert_eq!(
        read.draft_data,
        Some(json!({
            "title": "Nested",
            "seo": {"metaTitle": "x", "og": {"by": resolved(&a1, json!({"name": "One"}))}},
            "blocks": [
                {"_type": "callout", "_key": "b1", "items": [
                    resolved_keyed(&a2, json!({"name": "Two"}), "i1"),
                    {"plain": true},
                ]},
                [[resolved(&p, json!({"title": "P"}))]],
            ],
            "notARef": {"_type": "reference"},
            "badRef": {"_type": "reference", "_ref": "not-a-uuid"},
        }))
    );
}

/// A reference whose target does not exist (or was deleted) stays a reference object; the others
/// next to it are still resolved.
pub async fn a_missing_target_stays_a_reference(db: &TestDb) {
    let cms = db.cms().await;
    let author = create(&cms, "author", json!({"name": "Ada"})).await;
    let gone = create(&cms, "post", json!({"title": "Gone"})).await;
    cms.documents().delete(gone.id).await.expect("delete");
    let never = Uuid::new_v4();
    let post = create(
        &cms,
        "post",
        json!({
            "title": "Hello",
            "author": reference(never),
            "related": [keyed_reference(gone.id, "g"), reference(author.id)],
        }),
    )
    .await;

    let read = read(&cms, post.id, Perspective::Draft, 2).await;
    assert_eq!(
        read.draft_data,
        Some(json!({
            "title": "Hello",
            "author": reference(never),
            "related": [
                keyed_reference(gone.id, "g"),
                resolved(&author, json!({"name": "Ada"})),
            ],
        }))
    );
}

/// A `_ref` is found in every spelling a UUID parses from (hyphenated, simple, upper case,
/// braced, URN), also on the second level (where PostgreSQL reads the references in SQL); a
/// `_ref` that is no id, or no string, is left alone without failing the read (that object is no
/// reference: a reference inside it is resolved), and a reference that stays (its target is
/// missing) stays exactly as it is, a reference inside it too.
pub async fn every_id_spelling_resolves_at_every_level(db: &TestDb) {
    let cms = db.cms().await;
    let names = ["Simple", "Upper", "Braced", "Urn"];
    let mut authors = Vec::new();
    for name in names {
        authors.push(create(&cms, "author", json!({"name": name})).await);
    }
    let hidden = create(&cms, "author", json!({"name": "Hidden"})).await;
    let ids: Vec<Uuid> = authors.iter().map(|a| a.id).collect();
    let spelled = |i: usize| match i {
        0 => ids[i].simple().to_string(),
        1 => ids[i].to_string().to_uppercase(),
        2 => ids[i].braced().to_string(),
        _ => ids[i].urn().to_string(),
    };
    let refs: Vec<Value> = (0..names.len())
        .map(|i| json!({"_type": "reference", "_ref": spelled(i)}))
        .collect();
    let odd = json!([
        {"_type": "reference", "_ref": "not-a-uuid"},
        {"_type": "reference", "_ref": 42},
        {"_type": "reference", "_ref": "{zzzzzzzz-zzzz-zzzz-zzzz-zzzzzzzzzzzz}"},
        {"_type": "reference", "_ref": "urn:uuid:", "inner": reference(hidden.id)},
        {"_type": "reference", "_ref": Uuid::new_v4().to_string(), "inner": reference(hidden.id)},
    ]);
    // Only the middle post refers to the authors: they are the second level.
    let middle_data = json!({"title": "Middle", "authors": refs, "odd": odd.clone()});
    let middle = create(&cms, "post", middle_data).await;
    let top = create(
        &cms,
        "post",
        json!({"title": "Top", "via": reference(middle.id)}),
    )
    .await;

    let read = read(&cms, top.id, Perspective::Draft, 2).await;
    let mut odd_resolved = odd.clone();
    odd_resolved[3]["inner"] = resolved(&hidden, json!({"name": "Hidden"}));
    let expected_authors: Vec<Value> = authors
        .iter()
        .zip(names)
        .map(|(a, name)| resolved(a, json!({"name": name})))
        .collect();
    assert_eq!(
        read.draft_data,
        Some(json!({
            "title": "Top",
            "via": resolved(&middle, json!({
                "title": "Middle",
                "authors": expected_authors,
                "odd": odd_resolved,
            })),
        }))
    );
}

/// In the published perspective a reference resolves to the target's PUBLISHED data; a target that
/// is only a draft (or was unpublished) stays a reference. The draft perspective sees drafts.
pub async fn published_perspective_resolves_published_data_only(db: &TestDb) {
    let cms = db.cms().await;
    let docs = cms.documents();
    let live = create(&cms, "author", json!({"name": "Live"})).await;
    docs.publish(live.id, WriteOptions::default())
        .await
        .expect("publish author");
    let live = docs
        .update_draft(live.id, json!({"name": "Edited"}), WriteOptions::default())
        .await
        .expect("edit author draft");
    let draft_only = create(&cms, "post", json!({"title": "Draft only"})).await;
    let taken_down = create(&cms, "post", json!({"title": "Taken down"})).await;
    docs.publish(taken_down.id, WriteOptions::default())
        .await
        .expect("publish");
    docs.unpublish(taken_down.id, WriteOptions::default())
        .await
        .expect("unpublish");
    let bridge = create(
        &cms,
        "post",
        json!({"title": "Bridge", "related": [reference(draft_only.id)]}),
    )
    .await;
    docs.publish(bridge.id, WriteOptions::default())
        .await
        .expect("publish bridge");
    let data = json!({
        "title": "Post",
        "author": reference(live.id),
        "related": [reference(draft_only.id), reference(taken_down.id), reference(bridge.id)],
    });
    let post = create(&cms, "post", data.clone()).await;
    docs.publish(post.id, WriteOptions::default())
        .await
        .expect("publish post");

    let before = db.statements();
    let published = read(&cms, post.id, Perspective::Published, 2).await;
    assert!(
        db.statements() - before <= 3,
        "still at most one statement per level"
    );
    assert_eq!(
        published.published_data,
        Some(json!({
            "title": "Post",
            "author": resolved(&live, json!({"name": "Live"})),
            "related": [
                reference(draft_only.id),
                reference(taken_down.id),
                resolved(&bridge, json!({"title": "Bridge", "related": [reference(draft_only.id)]})),
            ],
        })),
        "unpublished targets stay references at every level"
    );
    assert_eq!(
        published.draft_data, None,
        "a published read carries no draft"
    );

    let found = docs
        .find(&crate::fixtures::typed(
            Some("post"),
            &FindOptions::new()
                .filter(Where::path("title").equals("Post"))
                .perspective(Perspective::Published)
                .depth(2),
        ))
        .await
        .expect("find published");
    assert_eq!(found.docs.len(), 1);
    assert_eq!(found.docs[0].published_data, published.published_data);

    let draft = read(&cms, post.id, Perspective::Draft, 1).await;
    assert_eq!(
        draft.draft_data,
        Some(json!({
            "title": "Post",
            "author": resolved(&live, json!({"name": "Edited"})),
            "related": [
                resolved(&draft_only, json!({"title": "Draft only"})),
                resolved(&taken_down, json!({"title": "Taken down"})),
                resolved(&bridge, json!({"title": "Bridge", "related": [reference(draft_only.id)]})),
            ],
        }))
    );
}

/// Depth above 10 is an `InvalidQuery` at `depth`, before anything is sent; 10 is accepted.
pub async fn depth_above_ten_is_refused(db: &TestDb) {
    let cms = db.cms().await;
    let post = create(&cms, "post", json!({"title": "P"})).await;
    let before = db.statements();
    let err = cms
        .documents()
        .find_by_id(post.id, Perspective::Draft, 11)
        .await
        .expect_err("depth 11");
    assert!(
        matches!(&err, Error::InvalidQuery { path, .. } if path == "depth"),
        "{err:?}"
    );
    let err = cms
        .documents()
        .find(&crate::fixtures::typed(
            Some("post"),
            &FindOptions::new().depth(11),
        ))
        .await
        .expect_err("find depth 11");
    assert!(
        matches!(&err, Error::InvalidQuery { path, .. } if path == "depth"),
        "{err:?}"
    );
    let err = FindOptions::from_json(&json!({"depth": 11}))
        .and_then(|o| {
            o.resolve(
                aphex_core::query::Target::Documents(Perspective::Draft),
                vec![],
            )
        })
        .expect_err("json depth 11");
    assert!(
        matches!(&err, Error::InvalidQuery { path, .. } if path == "depth"),
        "{err:?}"
    );
    assert_eq!(db.statements(), before, "nothing is sent to the database");

    let read = read(&cms, post.id, Perspective::Draft, 10).await;
    assert_eq!(read.draft_data, Some(json!({"title": "P"})));
    cms.documents()
        .find(&crate::fixtures::typed(
            Some("post"),
            &FindOptions::new().depth(10),
        ))
        .await
        .expect("depth 10 is fine");
}

/// A page whose references need more than 70 000 ids (PostgreSQL binds at most 65 535
/// parameters, SQLite 32 766) resolves: the ids go in chunks of `REFERENCE_CHUNK`, one statement
/// each, and targets in every chunk are found.
pub async fn reference_ids_are_chunked_below_every_parameter_limit(db: &TestDb) {
    use aphex_core::service::REFERENCE_CHUNK;
    let cms = db.cms().await;
    let docs = cms.documents();
    const POSTS: usize = 100;
    const REFS_PER_POST: usize = 701;
    let targets: Vec<Document> = futures::future::join_all(
        ["first", "middle", "last"].map(|n| create(&cms, "author", json!({ "name": n }))),
    )
    .await;
    for p in 0..POSTS {
        let mut refs: Vec<Value> = (0..REFS_PER_POST)
            .map(|_| reference(Uuid::new_v4()))
            .collect();
        // Real targets at the start, middle and end of the whole id list.
        match p {
            0 => refs[0] = reference(targets[0].id),
            50 => refs[REFS_PER_POST / 2] = reference(targets[1].id),
            99 => refs[REFS_PER_POST - 1] = reference(targets[2].id),
            _ => {}
        }
        create(
            &cms,
            "post",
            json!({ "title": format!("p{p:03}"), "related": refs }),
        )
        .await;
    }
    let ids = POSTS * REFS_PER_POST;
    assert!(ids > 70_000);
    let options = FindOptions::new()
        .doc_type("post")
        .sort("title")
        .limit(POSTS as u64)
        .depth(1);
    let before = db.statements();
    let page = docs
        .find(&options)
        .await
        .expect("find resolves every chunk");
    let statements = db.statements() - before;
    let chunks = ids.div_ceil(REFERENCE_CHUNK) as u64;
    assert!(
        statements <= 2 + chunks,
        "count + page + {chunks} chunks, got {statements} statements"
    );
    assert_eq!(page.docs.len(), POSTS);
    let related =
        |p: usize, i: usize| page.docs[p].draft_data.as_ref().expect("draft")["related"][i].clone();
    assert_eq!(related(0, 0)["name"], "first");
    assert_eq!(related(50, REFS_PER_POST / 2)["name"], "middle");
    assert_eq!(related(99, REFS_PER_POST - 1)["name"], "last");
    assert!(
        related(0, 1).get("_ref").is_some(),
        "missing targets stay references"
    );
}

/// One read expands at most `max_resolved_references` documents. A "diamond" chain — each
/// document referring to the next one twice — doubles at every level: 8 levels expand
/// 2 + 4 + … + 256 = 510 documents, from 8 distinct ones; a cap of 509 refuses the read
/// (`InvalidQuery` at `depth`, nothing returned), 510 allows it.
pub async fn expansions_are_capped_and_diamonds_count_every_expansion(db: &TestDb) {
    use std::num::NonZeroU32;
    let cms_with_cap = |cap: u32| {
        aphex_core::Cms::builder()
            .database(db.adapter.clone())
            .schema_types(crate::fixtures::schema_types())
            .max_resolved_references(NonZeroU32::new(cap).expect("non-zero"))
            .build()
    };
    let cms = cms_with_cap(510).await.expect("cms");
    let mut next: Option<Uuid> = None;
    for level in (0..=8).rev() {
        let mut data = json!({ "name": format!("level {level}") });
        if let Some(id) = next {
            data["mentor"] = reference(id);
            data["also"] = json!([reference(id)]);
        }
        next = Some(create(&cms, "author", data).await.id);
    }
    let top = next.expect("the top of the chain");
    let read = cms
        .documents()
        .find_by_id(top, Perspective::Draft, 8)
        .await
        .expect("510 expansions are allowed");
    let data = read.expect("exists").draft_data.expect("draft");
    let mut level = &data;
    for _ in 0..8 {
        level = &level["mentor"];
    }
    assert_eq!(level["name"], "level 8");
    let capped = cms_with_cap(509).await.expect("cms");
    match capped
        .documents()
        .find_by_id(top, Perspective::Draft, 8)
        .await
    {
        Err(Error::InvalidQuery { path, .. }) => assert_eq!(path, "depth"),
        other => panic!("expected InvalidQuery at depth, got {other:?}"),
    }
    let listed = capped
        .documents()
        .find(&FindOptions::new().doc_type("author").depth(8))
        .await;
    assert!(
        matches!(listed, Err(Error::InvalidQuery { .. })),
        "{listed:?}"
    );
    // Less depth, fewer expansions: fine again.
    capped
        .documents()
        .find_by_id(top, Perspective::Draft, 7)
        .await
        .expect("254 expansions");
}

/// Publishing checks that reference fields point to documents of the allowed types (`to`); a
/// reference to a missing document is allowed (it stays a reference on read).
pub async fn publish_checks_the_types_references_point_to(db: &TestDb) {
    let cms = db.cms().await;
    let docs = cms.documents();
    let author = create(&cms, "author", json!({"name": "Ada"})).await;
    let other = create(&cms, "post", json!({"title": "Other"})).await;
    let post = create(
        &cms,
        "post",
        json!({"title": "Wrong", "slug": {"_type": "slug", "current": "w"},
               "author": reference(other.id),
               "related": [reference(other.id), reference(author.id), reference(Uuid::new_v4())]}),
    )
    .await;
    match docs.publish(post.id, WriteOptions::default()).await {
        Err(Error::Validation(errors)) => {
            let paths: Vec<&str> = errors.fields().iter().map(|f| f.path.as_str()).collect();
            assert_eq!(paths, ["author", "related[1]"], "{errors}");
        }
        other => panic!("expected a validation error, got {other:?}"),
    }
    let unchanged = read(&cms, post.id, Perspective::Draft, 0).await;
    assert_eq!(unchanged.status, aphex_core::model::DocumentStatus::Draft);
    docs.update_draft(
        post.id,
        json!({"title": "Right", "author": reference(author.id),
               "related": [reference(other.id), reference(Uuid::new_v4())]}),
        WriteOptions::default(),
    )
    .await
    .expect("fix");
    docs.publish(post.id, WriteOptions::default())
        .await
        .expect("allowed types and a missing target publish");
}

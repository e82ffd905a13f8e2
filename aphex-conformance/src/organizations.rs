//! Organizations: content reached through one organization's scope never shows, counts,
//! changes or resolves another organization's — every read and write path of the document,
//! version and asset services (and the ports under them) against another organization's ids.
//! A parent asked to include its descendants reads their content and still writes only its
//! own; a child never sees its parent's or its siblings'. Content written without a scope is
//! the default organization's.

use aphex_core::model::{Document, DocumentVersion};
use aphex_core::ports::{AssetStore, DocumentStore, DraftUpdate, VersionStore};
use aphex_core::query::{FindOptions, Perspective, Where};
use aphex_core::service::{AssetFilter, CreateDocument, CreateOrganization, WriteOptions};
use aphex_core::storage::StorageAdapter;
use aphex_core::{Cms, DEFAULT_ORGANIZATION_ID, Error, Scope};
use serde_json::json;
use uuid::Uuid;

use crate::TestDb;
use crate::fixtures::{paging, reference};

/// The cases of this module, in order.
pub(crate) fn cases() -> Vec<crate::Case> {
    case_list!(organizations:
        another_organizations_content_is_out_of_reach,
        ports_act_only_in_their_scope,
        parents_read_their_descendants_and_children_nothing_above,
        unscoped_content_is_the_default_organizations,
        organizations_are_checked,
        orphaned_files_span_every_organization,
    )
}

/// A new organization `slug` (under `parent`), and the CMS acting in it.
async fn org(cms: &Cms, slug: &str, parent: Option<&str>) -> Cms {
    let mut input = CreateOrganization::new(slug.to_uppercase(), slug);
    if let Some(parent) = parent {
        input = input.parent(parent);
    }
    let created = cms
        .organizations()
        .create(input)
        .await
        .expect("create organization");
    cms.org(&created.id).await.expect("its scope")
}

/// A post of `cms`'s organization, published, then edited (two snapshots, a draft that differs
/// from what is live).
async fn post(cms: &Cms, title: &str) -> Document {
    let docs = cms.documents();
    let doc = docs
        .create(CreateDocument::new("post", json!({"title": title})))
        .await
        .expect("create");
    docs.publish(doc.id, WriteOptions::default())
        .await
        .expect("publish");
    docs.update_draft(
        doc.id,
        json!({"title": format!("{title} (draft)")}),
        WriteOptions::default(),
    )
    .await
    .expect("edit")
}

/// The ids of every document `cms` finds in `perspective`.
async fn found(cms: &Cms, perspective: Perspective) -> Vec<Uuid> {
    let mut ids: Vec<Uuid> = cms
        .documents()
        .find(&FindOptions::new().perspective(perspective).limit(100))
        .await
        .expect("find")
        .docs
        .iter()
        .map(|d| d.id)
        .collect();
    ids.sort();
    ids
}

fn sorted(mut ids: Vec<Uuid>) -> Vec<Uuid> {
    ids.sort();
    ids
}

/// What organization B has, read through B: the document, its snapshots, the asset.
async fn b_state(b: &Cms, id: Uuid, asset: Uuid) -> (Document, Vec<DocumentVersion>, String) {
    let doc = b
        .documents()
        .find_by_id(id, Perspective::Draft, 0)
        .await
        .expect("read")
        .expect("B's document");
    let versions = b
        .documents()
        .versions(id, paging(100, 0))
        .await
        .expect("versions")
        .docs;
    let asset = b
        .assets()
        .find_by_id(asset)
        .await
        .expect("asset")
        .expect("B's asset");
    (doc, versions, format!("{asset:?}"))
}

fn is_not_found<T: std::fmt::Debug>(result: aphex_core::Result<T>, what: &str) {
    assert!(
        matches!(result, Err(Error::NotFound { .. })),
        "{what}: another organization's id is not found, got {result:?}"
    );
}

/// Every read and write path of the services, in organization A, with organization B's ids:
/// nothing is seen, counted, resolved or changed, and B's content is exactly as it was.
pub async fn another_organizations_content_is_out_of_reach(db: &TestDb) {
    let cms = db.cms().await;
    let a = org(&cms, "alpha", None).await;
    let b = org(&cms, "bravo", None).await;
    let theirs = post(&b, "Bravo post").await;
    let their_author = b
        .documents()
        .create(CreateDocument::new(
            "author",
            json!({"name": "Bravo author"}),
        ))
        .await
        .expect("author");
    let their_asset = b
        .assets()
        .create(crate::fixtures::text_file("bravo.txt"))
        .await
        .expect("asset");
    // A's own post points at B's documents, as a guessed or leaked id would.
    let ours = a
        .documents()
        .create(CreateDocument::new(
            "post",
            json!({
                "title": "Alpha post",
                "author": reference(theirs.id),
                "related": [reference(theirs.id)],
            }),
        ))
        .await
        .expect("A's post");
    let before = b_state(&b, theirs.id, their_asset.id).await;
    let (docs, assets) = (a.documents(), a.assets());

    // Reads.
    for perspective in [Perspective::Draft, Perspective::Published] {
        for depth in [0, 2] {
            assert_eq!(
                docs.find_by_id(theirs.id, perspective, depth)
                    .await
                    .expect("find_by_id"),
                None,
                "find_by_id {perspective:?} depth {depth}"
            );
        }
        assert_eq!(
            found(&a, perspective).await,
            if perspective == Perspective::Draft {
                vec![ours.id]
            } else {
                vec![]
            },
            "find {perspective:?}"
        );
        let by_id = FindOptions::new()
            .perspective(perspective)
            .filter(Where::path("id").equals(theirs.id.to_string()));
        assert!(docs.find(&by_id).await.expect("find").docs.is_empty());
        assert_eq!(docs.count(&by_id).await.expect("count"), 0);
    }
    assert_eq!(
        docs.count(&FindOptions::new()).await.expect("count"),
        1,
        "A counts its one post"
    );
    assert_eq!(
        docs.counts_by_type()
            .await
            .expect("counts")
            .into_iter()
            .collect::<Vec<_>>(),
        vec![("post".to_owned(), 1)],
        "B's post and author are not counted"
    );
    // References to B's documents are left as they are: never resolved, at any depth.
    let resolved = docs
        .find_by_id(ours.id, Perspective::Draft, 2)
        .await
        .expect("resolve")
        .expect("A's post");
    let data = resolved.draft_data.expect("draft");
    assert_eq!(data["author"], reference(theirs.id), "not resolved");
    assert_eq!(data["related"][0], reference(theirs.id), "not resolved");
    let listed = docs
        .find(&FindOptions::new().depth(2))
        .await
        .expect("find with depth");
    assert_eq!(
        listed.docs[0]
            .draft_data
            .as_ref()
            .map(|d| d["author"].clone()),
        Some(reference(theirs.id))
    );
    // Publishing A's post checks its reference targets' types in A only: B's post, which is
    // no `author`, is as unknown as a dangling id (no error that would reveal its type).
    docs.publish(ours.id, WriteOptions::default())
        .await
        .expect("publish with references A cannot see");
    assert_eq!(docs.version(theirs.id, 1).await.expect("version"), None);
    is_not_found(docs.versions(theirs.id, paging(10, 0)).await, "versions");

    // Writes.
    let by = WriteOptions::default;
    is_not_found(
        docs.update_draft(theirs.id, json!({"title": "hijacked"}), by())
            .await,
        "update_draft",
    );
    is_not_found(
        docs.update_draft(
            theirs.id,
            json!({"title": "hijacked"}),
            by().expect_revision(theirs.revision),
        )
        .await,
        "guarded update_draft",
    );
    is_not_found(docs.publish(theirs.id, by()).await, "publish");
    is_not_found(docs.unpublish(theirs.id, by()).await, "unpublish");
    is_not_found(docs.restore(theirs.id, 1, by()).await, "restore");
    is_not_found(docs.delete(theirs.id).await, "delete");
    is_not_found(docs.delete(their_author.id).await, "delete author");
    // Ids are global: B's id is taken in A too (a conflict, and nothing is written).
    assert!(matches!(
        docs.create(CreateDocument::new("post", json!({"title": "x"})).id(theirs.id))
            .await,
        Err(Error::Conflict { .. })
    ));

    // Assets.
    assert_eq!(
        assets.find_by_id(their_asset.id).await.expect("asset"),
        None
    );
    let all = AssetFilter::new();
    assert!(
        assets
            .find(&all, &FindOptions::new())
            .await
            .expect("assets")
            .docs
            .is_empty()
    );
    assert_eq!(
        assets
            .count(&all, &FindOptions::new())
            .await
            .expect("count"),
        0
    );
    assert!(assets.counts_by_type().await.expect("counts").is_empty());
    assert_eq!(assets.total_size().await.expect("size"), 0);
    is_not_found(
        assets
            .update(their_asset.id, &aphex_core::model::AssetPatch::default())
            .await,
        "asset update",
    );
    is_not_found(assets.delete(their_asset.id).await, "asset delete");

    assert_eq!(
        b_state(&b, theirs.id, their_asset.id).await,
        before,
        "B's document, snapshots and asset are exactly as they were"
    );
    assert_eq!(
        found(&b, Perspective::Draft).await,
        sorted(vec![theirs.id, their_author.id]),
        "B sees its own, and not A's"
    );
}

/// The same through the ports, with A's scope on B's ids: the writes the services guard by a
/// read first are refused by the stores themselves too.
pub async fn ports_act_only_in_their_scope(db: &TestDb) {
    let cms = db.cms().await;
    let a = org(&cms, "alpha", None).await;
    let b = org(&cms, "bravo", None).await;
    let theirs = post(&b, "Bravo post").await;
    let their_asset = b
        .assets()
        .create(crate::fixtures::text_file("bravo.txt"))
        .await
        .expect("asset");
    let before = b_state(&b, theirs.id, their_asset.id).await;
    let (store, scope) = (&db.adapter, a.scope());

    assert_eq!(
        store.find_document(scope, theirs.id).await.expect("find"),
        None
    );
    assert!(
        store
            .find_documents_by_ids(scope, &[theirs.id])
            .await
            .expect("by ids")
            .is_empty()
    );
    let update = DraftUpdate {
        id: theirs.id,
        data: json!({"title": "hijacked"}),
        expected_revision: None,
        updated_by: None,
        updated_at: aphex_core::model::now(),
    };
    is_not_found(
        store.update_draft(scope, &update).await,
        "port update_draft",
    );
    assert!(
        !store
            .delete_document(scope, theirs.id)
            .await
            .expect("delete")
    );
    assert_eq!(
        store
            .list_versions(scope, theirs.id, paging(10, 0))
            .await
            .expect("versions")
            .total,
        0
    );
    assert_eq!(
        store
            .find_version(scope, theirs.id, 1)
            .await
            .expect("version"),
        None
    );
    let keep_one = std::num::NonZeroU32::MIN;
    assert_eq!(
        store
            .prune_versions(scope, theirs.id, keep_one)
            .await
            .expect("prune"),
        0,
        "nothing of B's is pruned"
    );
    let planted = || aphex_core::model::NewVersion {
        id: Uuid::new_v4(),
        document_id: theirs.id,
        event_type: aphex_core::model::VersionEvent::Draft,
        data: json!({"title": "planted"}),
        created_by: None,
        created_at: aphex_core::model::now(),
    };
    is_not_found(
        store.insert_version(scope, planted()).await,
        "a snapshot of B's document",
    );

    assert_eq!(
        store
            .find_asset(scope, their_asset.id)
            .await
            .expect("asset"),
        None
    );
    assert!(
        !store
            .delete_asset(scope, their_asset.id)
            .await
            .expect("delete asset")
    );
    if db.adapter.capabilities().one_statement_references {
        let closure = aphex_core::ports::ReferenceClosure::new(
            vec![theirs.id],
            Vec::new(),
            Perspective::Draft,
            2,
            100,
        );
        assert!(
            store
                .find_reference_closure(scope, &closure)
                .await
                .expect("closure")
                .is_empty()
        );
    }
    assert_eq!(
        b_state(&b, theirs.id, their_asset.id).await,
        before,
        "B's content is exactly as it was"
    );
    // B's document with its first snapshot pruned away, so that number 1 is free.
    b.adapter()
        .prune_versions(b.scope(), theirs.id, keep_one)
        .await
        .expect("prune B's own");
    let before = b_state(&b, theirs.id, their_asset.id).await;
    is_not_found(
        store.insert_first_versions(scope, vec![planted()]).await,
        "a first snapshot of B's document",
    );
    assert_eq!(b_state(&b, theirs.id, their_asset.id).await, before);
}

/// parent ─┬─ child ── grandchild
///         └─ sibling
///
/// The parent with descendants reads all four organizations' content and writes only its own;
/// the child with descendants reads itself and the grandchild; a plain scope reads one.
pub async fn parents_read_their_descendants_and_children_nothing_above(db: &TestDb) {
    let cms = db.cms().await;
    let parent = org(&cms, "parent", None).await;
    let parent_id = parent.scope().organization().to_owned();
    let child = org(&cms, "child", Some(&parent_id)).await;
    let child_id = child.scope().organization().to_owned();
    let grandchild = org(&cms, "grandchild", Some(&child_id)).await;
    let sibling = org(&cms, "sibling", Some(&parent_id)).await;
    let mut ids = Vec::new();
    for (cms, title) in [
        (&parent, "parent"),
        (&child, "child"),
        (&grandchild, "grandchild"),
        (&sibling, "sibling"),
    ] {
        ids.push(post(cms, title).await.id);
    }
    let [p, c, g, s] = [ids[0], ids[1], ids[2], ids[3]];

    let family = cms
        .org_with_descendants(&parent_id)
        .await
        .expect("parent with descendants");
    assert_eq!(
        found(&family, Perspective::Draft).await,
        sorted(vec![p, c, g, s])
    );
    assert_eq!(
        found(&family, Perspective::Published).await,
        sorted(vec![p, c, g, s])
    );
    assert_eq!(
        family
            .documents()
            .count(&FindOptions::new())
            .await
            .expect("count"),
        4
    );
    let read = family
        .documents()
        .find_by_id(g, Perspective::Draft, 0)
        .await
        .expect("read")
        .expect("the grandchild's post");
    assert_eq!(read.organization_id, grandchild.scope().organization());
    // Writes stay in the parent: a child's document is not found for them.
    is_not_found(
        family
            .documents()
            .update_draft(c, json!({"title": "from above"}), WriteOptions::default())
            .await,
        "the parent writing the child's post",
    );
    is_not_found(family.documents().delete(g).await, "the parent deleting");
    let created = family
        .documents()
        .create(CreateDocument::new("post", json!({"title": "new"})))
        .await
        .expect("create");
    assert_eq!(created.organization_id, parent_id, "created in the parent");

    let below_child = cms
        .org_with_descendants(&child_id)
        .await
        .expect("child with descendants");
    assert_eq!(
        found(&below_child, Perspective::Draft).await,
        sorted(vec![c, g])
    );
    assert_eq!(found(&child, Perspective::Draft).await, vec![c]);
    assert_eq!(found(&sibling, Perspective::Draft).await, vec![s]);
    for id in [p, s] {
        assert_eq!(
            below_child
                .documents()
                .find_by_id(id, Perspective::Draft, 0)
                .await
                .expect("read"),
            None,
            "a child never sees its parent's or its siblings' content"
        );
    }
}

/// An application that never mentions organizations works in the default organization, and
/// its content is nobody else's.
pub async fn unscoped_content_is_the_default_organizations(db: &TestDb) {
    let cms = db.cms().await;
    assert_eq!(cms.scope(), &Scope::default());
    let doc = cms
        .documents()
        .create(CreateDocument::new("post", json!({"title": "classic"})))
        .await
        .expect("create");
    assert_eq!(doc.organization_id, DEFAULT_ORGANIZATION_ID);
    let asset = cms
        .assets()
        .create(crate::fixtures::text_file("classic.txt"))
        .await
        .expect("asset");
    assert_eq!(asset.organization_id, DEFAULT_ORGANIZATION_ID);
    let versions = cms
        .documents()
        .versions(doc.id, paging(10, 0))
        .await
        .expect("versions");
    assert!(
        versions
            .docs
            .iter()
            .all(|v| v.organization_id == DEFAULT_ORGANIZATION_ID)
    );
    let default = cms
        .org(DEFAULT_ORGANIZATION_ID)
        .await
        .expect("the default organization exists");
    assert_eq!(found(&default, Perspective::Draft).await, vec![doc.id]);
    let other = org(&cms, "other", None).await;
    assert!(found(&other, Perspective::Draft).await.is_empty());
}

/// Organizations exist before content is reached through them; slugs are unique and checked;
/// the default organization stays.
pub async fn organizations_are_checked(db: &TestDb) {
    let cms = db.cms().await;
    let orgs = cms.organizations();
    assert!(matches!(
        cms.org("no-such-organization").await,
        Err(Error::NotFound { .. })
    ));
    let first = orgs
        .create(CreateOrganization::new("Acme", "acme"))
        .await
        .expect("create");
    assert_eq!(first.id.len(), 32, "a Better Auth style id");
    match orgs.create(CreateOrganization::new("Acme 2", "acme")).await {
        Err(Error::Conflict { constraint, .. }) => assert_eq!(constraint, "organization.slug"),
        other => panic!("a taken slug is a conflict: {other:?}"),
    }
    for (slug, name) in [("Not A Slug", "x"), ("", "x"), ("ok", "")] {
        assert!(
            matches!(
                orgs.create(CreateOrganization::new(name, slug)).await,
                Err(Error::Validation(_))
            ),
            "{slug:?} / {name:?}"
        );
    }
    assert!(matches!(
        orgs.create(CreateOrganization::new("Orphan", "orphan").parent("nope"))
            .await,
        Err(Error::Validation(_))
    ));
    assert_eq!(
        orgs.get_by_slug("acme").await.expect("by slug"),
        Some(first.clone())
    );
    // The owner joins in the same unit of work: an unknown owner leaves nothing behind.
    assert!(matches!(
        orgs.create(CreateOrganization::new("Ghost", "ghost").owner("no-such-user"))
            .await,
        Err(Error::NotFound { .. })
    ));
    if db.adapter.capabilities().transactions {
        assert_eq!(orgs.get_by_slug("ghost").await.expect("by slug"), None);
    }
    assert!(matches!(
        orgs.delete(DEFAULT_ORGANIZATION_ID).await,
        Err(Error::Validation(_))
    ));
    // Deleting an organization keeps its content (reachable again by a scope of its id).
    let acme = cms.in_scope(Scope::new(first.id.clone()));
    let kept = acme
        .documents()
        .create(CreateDocument::new("post", json!({"title": "kept"})))
        .await
        .expect("create");
    orgs.delete(&first.id).await.expect("delete");
    assert_eq!(orgs.get(&first.id).await.expect("get"), None);
    assert!(matches!(
        cms.org(&first.id).await,
        Err(Error::NotFound { .. })
    ));
    assert_eq!(found(&acme, Perspective::Draft).await, vec![kept.id]);
    is_not_found(orgs.delete(&first.id).await, "deleted twice");
}

/// A file storage in memory, listing what it holds (every file old enough to be an orphan).
#[derive(Debug, Default)]
struct MemoryStorage {
    files: std::sync::Mutex<std::collections::BTreeMap<String, usize>>,
}

impl MemoryStorage {
    fn paths(&self) -> Vec<String> {
        self.files
            .lock()
            .map(|f| f.keys().cloned().collect())
            .unwrap_or_default()
    }
}

#[async_trait::async_trait]
impl StorageAdapter for MemoryStorage {
    fn name(&self) -> &str {
        "memory"
    }

    async fn store(
        &self,
        path: &str,
        bytes: Vec<u8>,
        _content_type: &str,
    ) -> aphex_core::Result<()> {
        if let Ok(mut files) = self.files.lock() {
            files.insert(path.to_owned(), bytes.len());
        }
        Ok(())
    }

    async fn read(&self, path: &str) -> aphex_core::Result<Vec<u8>> {
        Err(Error::not_found("file", path))
    }

    async fn exists(&self, path: &str) -> aphex_core::Result<bool> {
        Ok(self.paths().iter().any(|p| p == path))
    }

    async fn delete(&self, path: &str) -> aphex_core::Result<()> {
        if let Ok(mut files) = self.files.lock() {
            files.remove(path);
        }
        Ok(())
    }

    fn url(&self, path: &str) -> String {
        format!("/media/{path}")
    }

    async fn list(&self) -> aphex_core::Result<Vec<aphex_core::storage::StoredFile>> {
        let old = aphex_core::model::now() - chrono::TimeDelta::hours(1);
        Ok(self
            .files
            .lock()
            .map(|f| {
                f.iter()
                    .map(|(path, size)| {
                        aphex_core::storage::StoredFile::new(path, *size as u64, old)
                    })
                    .collect()
            })
            .unwrap_or_default())
    }
}

/// The file storage is shared by every organization: a file is an orphan only when no asset of
/// any organization points to it — also an organization deleted since (its content stays, and so
/// do its files), whatever scope the cleanup runs in.
pub async fn orphaned_files_span_every_organization(db: &TestDb) {
    let cms = db.cms().await;
    let storage = MemoryStorage::default();
    let acme = org(&cms, "acme", None).await;
    let theirs = acme
        .assets()
        .upload(
            &storage,
            aphex_core::service::Upload::new("a.txt", "text/plain", b"acme".to_vec()),
        )
        .await
        .expect("upload");
    let ours = cms
        .assets()
        .upload(
            &storage,
            aphex_core::service::Upload::new("b.txt", "text/plain", b"ours".to_vec()),
        )
        .await
        .expect("upload");
    storage
        .store("stray/left-behind.txt", b"x".to_vec(), "text/plain")
        .await
        .expect("an orphan");
    cms.organizations()
        .delete(acme.scope().organization())
        .await
        .expect("delete the organization (its content stays)");
    for scope in [&cms, &acme] {
        let orphans: Vec<String> = scope
            .assets()
            .orphaned_files(&storage, std::time::Duration::from_secs(60))
            .await
            .expect("orphans")
            .into_iter()
            .map(|f| f.path)
            .collect();
        assert_eq!(orphans, ["stray/left-behind.txt"], "only the stray file");
    }
    cms.assets()
        .remove_orphaned_files(&storage, std::time::Duration::from_secs(60))
        .await
        .expect("cleanup");
    let mut kept = vec![theirs.path, ours.path];
    kept.sort();
    assert_eq!(storage.paths(), kept, "every asset keeps its file");
}

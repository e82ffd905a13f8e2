//! Reference resolution: `{"_type": "reference", "_ref": "<id>"}` anywhere in a document's data is
//! replaced by the referenced document, to a given depth.
//!
//! Batched: one `find_documents_by_ids` per depth level for the whole result set, never one per
//! reference — split into statements of at most [`REFERENCE_CHUNK`] ids, below every driver's
//! parameter limit (PostgreSQL 65 535, SQLite 32 766), so a normal page still takes one
//! statement per level. A backend that declares
//! [`Capabilities::one_statement_references`](crate::ports::Capabilities::one_statement_references)
//! (PostgreSQL) fetches every level in one statement instead.
//!
//! Cycle-safe: a document is never expanded inside itself (the reference is left as it is). A
//! reference whose target is missing, or not published in the published perspective, is left
//! as it is too — exactly as it is: nothing inside a reference object that stays is resolved.
//! An object whose `_ref` is no id is no reference, and is walked into.
//!
//! Bounded: one read may fetch and expand at most a configured number of documents
//! ([`CmsBuilder::max_resolved_references`](crate::CmsBuilder::max_resolved_references),
//! default [`DEFAULT_MAX_RESOLVED`]); a shared target counts once per place it is expanded, so
//! "diamonds" that would multiply the answer are caught too. Past the cap the read fails with
//! [`Error::InvalidQuery`] naming `depth`, before anything is expanded.
//!
//! A resolved reference is the target's data (in the same perspective) plus `_id` and `_type`
//! (the target's id and document type), keeping the reference's own `_key` if it had one.

use std::collections::{HashMap, HashSet};

use serde_json::{Map, Value};
use uuid::Uuid;

use crate::error::{Error, Result};
use crate::model::{Document, DocumentStatus};
use crate::ports::{DatabaseAdapter, DocumentStore, ReferenceClosure};
use crate::query::Perspective;
use crate::scope::Scope;

/// Most ids sent to the database in one statement.
pub const REFERENCE_CHUNK: usize = 10_000;

/// Default of the most documents one read may fetch and expand through references.
pub const DEFAULT_MAX_RESOLVED: u32 = 10_000;

/// The id a value refers to, when it is a reference object.
pub fn reference_target(value: &Value) -> Option<Uuid> {
    let obj = value.as_object()?;
    if obj.get("_type")?.as_str()? != "reference" {
        return None;
    }
    Uuid::parse_str(obj.get("_ref")?.as_str()?).ok()
}

/// Every id `value` refers to — documents and assets (an image's `asset`), at any depth — once
/// each, in order: what the reference index holds for a document's draft or published data.
/// A reference object is not walked into, as resolution does not.
pub fn reference_ids(value: &Value) -> Vec<Uuid> {
    let mut out = Vec::new();
    collect_refs(value, &mut out);
    out.sort_unstable();
    out.dedup();
    out
}

fn collect_refs(value: &Value, out: &mut Vec<Uuid>) {
    match value {
        Value::Object(map) => {
            if let Some(id) = reference_target(value) {
                out.push(id);
            } else {
                map.values().for_each(|v| collect_refs(v, out));
            }
        }
        Value::Array(items) => items.iter().for_each(|v| collect_refs(v, out)),
        _ => {}
    }
}

/// Whether a document is visible in `perspective`.
pub(crate) fn visible(doc: &Document, perspective: Perspective) -> bool {
    perspective == Perspective::Draft || doc.status == DocumentStatus::Published
}

/// The documents with these ids (missing ones skipped), in statements of at most
/// [`REFERENCE_CHUNK`] ids.
pub(crate) async fn find_by_ids(
    store: &dyn DocumentStore,
    scope: &Scope,
    ids: &[Uuid],
) -> Result<Vec<Document>> {
    let mut found = Vec::new();
    for chunk in ids.chunks(REFERENCE_CHUNK) {
        found.extend(store.find_documents_by_ids(scope, chunk).await?);
    }
    Ok(found)
}

/// A document a reference can be replaced by: its type and its data in the perspective.
struct Target {
    doc_type: String,
    data: Option<Value>,
}

fn too_many(max: u32) -> Error {
    Error::invalid_query(
        "depth",
        format!(
            "resolving references would expand more than {max} documents; lower `depth` \
             (or raise `CmsBuilder::max_resolved_references`)"
        ),
    )
}

/// What the fetch phase found: the visible documents reached, and every id referred to on the
/// way (to know which documents of the page are targets too).
#[derive(Default)]
struct Fetched {
    known: HashMap<Uuid, Target>,
    referenced: HashSet<Uuid>,
}

impl Fetched {
    /// Refuses the read once more than `max` documents are known.
    fn within(&self, max: u32) -> Result<()> {
        if self.known.len() > usize::try_from(max).unwrap_or(usize::MAX) {
            return Err(too_many(max));
        }
        Ok(())
    }

    fn add(&mut self, doc: Document, perspective: Perspective, refs: &mut Vec<Uuid>) {
        if !visible(&doc, perspective) {
            return;
        }
        if let Some(data) = doc.data(perspective) {
            collect_refs(data, refs);
        }
        let doc_type = doc.doc_type;
        let data = match perspective {
            Perspective::Draft => doc.draft_data,
            Perspective::Published => doc.published_data,
        };
        self.known.insert(doc.id, Target { doc_type, data });
    }

    /// Breadth first, one query a level (chunked), stopping as soon as more than `max` are
    /// known.
    async fn by_level(
        &mut self,
        (store, scope): (&dyn DocumentStore, &Scope),
        mut frontier: Vec<Uuid>,
        page: &HashSet<Uuid>,
        perspective: Perspective,
        depth: u32,
        max: u32,
    ) -> Result<()> {
        for _level in 0..depth {
            let missing: Vec<Uuid> = frontier
                .drain(..)
                .filter(|id| self.referenced.insert(*id) && !page.contains(id))
                .collect();
            if missing.is_empty() {
                break;
            }
            for doc in find_by_ids(store, scope, &missing).await? {
                self.add(doc, perspective, &mut frontier);
            }
            self.within(max)?;
        }
        Ok(())
    }

    /// Every level in one statement ([`DocumentStore::find_reference_closure`]), which returns
    /// at most `max + 1` documents.
    async fn closure(
        &mut self,
        (store, scope): (&dyn DocumentStore, &Scope),
        first: Vec<Uuid>,
        page: &HashSet<Uuid>,
        perspective: Perspective,
        depth: u32,
        max: u32,
    ) -> Result<()> {
        self.referenced.extend(first.iter().copied());
        let ids: Vec<Uuid> = self
            .referenced
            .iter()
            .filter(|id| !page.contains(id))
            .copied()
            .collect();
        if ids.is_empty() {
            return Ok(());
        }
        let closure =
            ReferenceClosure::new(ids, page.iter().copied().collect(), perspective, depth, max);
        let mut refs = Vec::new();
        for doc in store.find_reference_closure(scope, &closure).await? {
            self.add(doc, perspective, &mut refs);
        }
        self.referenced.extend(refs);
        Ok(())
    }
}

/// Resolves references in the perspective data of `docs` to `depth` levels, fetching and
/// expanding at most `max` documents.
pub(crate) async fn resolve(
    db: &dyn DatabaseAdapter,
    scope: &Scope,
    docs: &mut [Document],
    perspective: Perspective,
    depth: u32,
    max: u32,
) -> Result<()> {
    if depth == 0 || docs.is_empty() {
        return Ok(());
    }
    // Fetch phase: everything reachable within `depth` levels. Documents of the page itself are
    // never fetched again.
    let page: HashSet<Uuid> = docs.iter().map(|d| d.id).collect();
    let mut first: Vec<Uuid> = Vec::new();
    for doc in docs.iter() {
        if let Some(data) = doc.data(perspective) {
            collect_refs(data, &mut first);
        }
    }
    let mut fetched = Fetched::default();
    if db.capabilities().one_statement_references {
        fetched
            .closure((db, scope), first, &page, perspective, depth, max)
            .await?;
    } else {
        fetched
            .by_level((db, scope), first, &page, perspective, depth, max)
            .await?;
    }
    build(docs, fetched, perspective, depth, max)
}

/// The document with this id, visible in `perspective`, with its references resolved to
/// `depth` levels — where the backend fetches a closure in one statement, the document and
/// every level come in that ONE statement (the document is the closure's first level).
pub(crate) async fn find_resolved(
    db: &dyn DatabaseAdapter,
    scope: &Scope,
    id: Uuid,
    perspective: Perspective,
    depth: u32,
    max: u32,
) -> Result<Option<Document>> {
    if depth == 0 || !db.capabilities().one_statement_references {
        let Some(doc) = db.find_document(scope, id).await? else {
            return Ok(None);
        };
        if !visible(&doc, perspective) {
            return Ok(None);
        }
        let mut docs = [doc];
        resolve(db, scope, &mut docs, perspective, depth, max).await?;
        let [doc] = docs;
        return Ok(Some(doc));
    }
    // One more level (the document itself) and one more document than the targets' cap.
    let closure = ReferenceClosure::new(
        vec![id],
        Vec::new(),
        perspective,
        depth.saturating_add(1),
        max.saturating_add(1),
    );
    let mut found = db.find_reference_closure(scope, &closure).await?;
    // The closure returns visible documents only, so a missing or invisible one is not here.
    let Some(at) = found.iter().position(|d| d.id == id) else {
        return Ok(None);
    };
    let root = found.swap_remove(at);
    let mut fetched = Fetched::default();
    let mut refs = Vec::new();
    if let Some(data) = root.data(perspective) {
        collect_refs(data, &mut refs);
    }
    for doc in found {
        fetched.add(doc, perspective, &mut refs);
    }
    fetched.referenced.extend(refs);
    let mut docs = [root];
    build(&mut docs, fetched, perspective, depth, max)?;
    let [doc] = docs;
    Ok(Some(doc))
}

/// Expands the references of `docs` from what the fetch phase found, refusing the read when
/// that is more than `max` documents or would expand more than `max` times.
fn build(
    docs: &mut [Document],
    fetched: Fetched,
    perspective: Perspective,
    depth: u32,
    max: u32,
) -> Result<()> {
    let limit = usize::try_from(max).unwrap_or(usize::MAX);
    fetched.within(max)?;
    let Fetched {
        mut known,
        referenced,
    } = fetched;
    // Documents of the page that other documents of the page refer to.
    for doc in docs.iter() {
        if referenced.contains(&doc.id) {
            known.insert(
                doc.id,
                Target {
                    doc_type: doc.doc_type.clone(),
                    data: doc.data(perspective).cloned(),
                },
            );
        }
    }
    // Count first, so that nothing is built (or half-built) when the cap is passed.
    let mut budget = limit;
    for doc in docs.iter() {
        if let Some(data) = doc.data(perspective) {
            let mut ancestors = vec![doc.id];
            count(data, depth, &mut ancestors, &known, &mut budget).ok_or_else(|| too_many(max))?;
        }
    }
    // Build phase: expand from the fetched documents, tracking the path to stop cycles.
    for doc in docs.iter_mut() {
        let mut ancestors = vec![doc.id];
        if let Some(data) = doc.data_mut(perspective) {
            expand(data, depth, &mut ancestors, &known);
        }
    }
    Ok(())
}

/// What the walk does at `value`.
enum Step<'k> {
    /// Not a reference: walk into it.
    Walk,
    /// A reference that stays as it is (missing or invisible target, a cycle, or no depth
    /// left): a leaf, never walked into.
    Keep,
    /// A reference replaced by this target.
    Expand(Uuid, &'k Target),
}

fn step<'k>(
    value: &Value,
    remaining: u32,
    ancestors: &[Uuid],
    known: &'k HashMap<Uuid, Target>,
) -> Step<'k> {
    let Some(id) = reference_target(value) else {
        return Step::Walk;
    };
    if remaining == 0 || ancestors.contains(&id) {
        return Step::Keep;
    }
    known.get(&id).map_or(Step::Keep, |t| Step::Expand(id, t))
}

/// Walks what [`expand`] would build and takes one from `budget` per expansion; `None` when the
/// budget runs out.
fn count(
    value: &Value,
    remaining: u32,
    ancestors: &mut Vec<Uuid>,
    known: &HashMap<Uuid, Target>,
    budget: &mut usize,
) -> Option<()> {
    match step(value, remaining, ancestors, known) {
        Step::Keep => return Some(()),
        Step::Expand(id, target) => {
            *budget = budget.checked_sub(1)?;
            ancestors.push(id);
            let counted = match &target.data {
                Some(data) => count(data, remaining - 1, ancestors, known, budget),
                None => Some(()),
            };
            ancestors.pop();
            return counted;
        }
        Step::Walk => {}
    }
    match value {
        Value::Object(map) => map
            .values()
            .try_for_each(|v| count(v, remaining, ancestors, known, budget)),
        Value::Array(items) => items
            .iter()
            .try_for_each(|v| count(v, remaining, ancestors, known, budget)),
        _ => Some(()),
    }
}

fn expand(
    value: &mut Value,
    remaining: u32,
    ancestors: &mut Vec<Uuid>,
    known: &HashMap<Uuid, Target>,
) {
    match step(value, remaining, ancestors, known) {
        Step::Keep => {}
        Step::Expand(id, target) => {
            let mut resolved = match &target.data {
                Some(Value::Object(m)) => m.clone(),
                _ => Map::new(),
            };
            if let Some(key) = value.get("_key") {
                resolved.insert("_key".into(), key.clone());
            }
            resolved.insert("_id".into(), Value::String(id.to_string()));
            resolved.insert("_type".into(), Value::String(target.doc_type.clone()));
            let mut resolved = Value::Object(resolved);
            ancestors.push(id);
            expand(&mut resolved, remaining - 1, ancestors, known);
            ancestors.pop();
            *value = resolved;
        }
        Step::Walk => match value {
            Value::Object(map) => map
                .values_mut()
                .for_each(|v| expand(v, remaining, ancestors, known)),
            Value::Array(items) => items
                .iter_mut()
                .for_each(|v| expand(v, remaining, ancestors, known)),
            _ => {}
        },
    }
}

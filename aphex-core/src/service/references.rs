//! Reference resolution: `{"_type": "reference", "_ref": "<id>"}` anywhere in a document's data is
//! replaced by the referenced document, to a given depth.
//!
//! Batched: one `find_documents_by_ids` per depth level for the whole result set, never one per
//! reference — split into statements of at most [`REFERENCE_CHUNK`] ids, below every driver's
//! parameter limit (PostgreSQL 65 535, SQLite 32 766), so a normal page still takes one
//! statement per level. Cycle-safe: a document is never expanded inside itself (the reference
//! is left as it is). A reference whose target is missing, or not published in the published
//! perspective, is left as it is too.
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
use crate::ports::DocumentStore;
use crate::query::Perspective;

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
pub(crate) async fn find_by_ids(store: &dyn DocumentStore, ids: &[Uuid]) -> Result<Vec<Document>> {
    let mut found = Vec::new();
    for chunk in ids.chunks(REFERENCE_CHUNK) {
        found.extend(store.find_documents_by_ids(chunk).await?);
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

/// Resolves references in the perspective data of `docs` to `depth` levels, fetching and
/// expanding at most `max` documents.
pub(crate) async fn resolve(
    store: &dyn DocumentStore,
    docs: &mut [Document],
    perspective: Perspective,
    depth: u32,
    max: u32,
) -> Result<()> {
    if depth == 0 || docs.is_empty() {
        return Ok(());
    }
    let limit = usize::try_from(max).unwrap_or(usize::MAX);
    // Fetch phase, breadth first: everything reachable within `depth` levels, one query a level
    // (chunked). Documents of the page itself are never fetched again.
    let page: HashSet<Uuid> = docs.iter().map(|d| d.id).collect();
    let mut known: HashMap<Uuid, Target> = HashMap::new();
    let mut referenced: HashSet<Uuid> = HashSet::new();
    let mut frontier: Vec<Uuid> = Vec::new();
    for doc in docs.iter() {
        if let Some(data) = doc.data(perspective) {
            collect_refs(data, &mut frontier);
        }
    }
    for _level in 0..depth {
        let missing: Vec<Uuid> = frontier
            .drain(..)
            .filter(|id| referenced.insert(*id) && !page.contains(id))
            .collect();
        if missing.is_empty() {
            break;
        }
        for doc in find_by_ids(store, &missing).await? {
            if visible(&doc, perspective) {
                if let Some(data) = doc.data(perspective) {
                    collect_refs(data, &mut frontier);
                }
                let doc_type = doc.doc_type.clone();
                let data = match perspective {
                    Perspective::Draft => doc.draft_data,
                    Perspective::Published => doc.published_data,
                };
                known.insert(doc.id, Target { doc_type, data });
                if known.len() > limit {
                    return Err(too_many(max));
                }
            }
        }
    }
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

/// The target a reference at `value` expands to, if it does.
fn expansion<'k>(
    value: &Value,
    remaining: u32,
    ancestors: &[Uuid],
    known: &'k HashMap<Uuid, Target>,
) -> Option<(Uuid, &'k Target)> {
    let id = reference_target(value)?;
    if remaining == 0 || ancestors.contains(&id) {
        return None;
    }
    known.get(&id).map(|t| (id, t))
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
    if let Some((id, target)) = expansion(value, remaining, ancestors, known) {
        *budget = budget.checked_sub(1)?;
        ancestors.push(id);
        let counted = match &target.data {
            Some(data) => count(data, remaining - 1, ancestors, known, budget),
            None => Some(()),
        };
        ancestors.pop();
        return counted;
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
    if let Some((id, target)) = expansion(value, remaining, ancestors, known) {
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
        return;
    }
    match value {
        Value::Object(map) => map
            .values_mut()
            .for_each(|v| expand(v, remaining, ancestors, known)),
        Value::Array(items) => items
            .iter_mut()
            .for_each(|v| expand(v, remaining, ancestors, known)),
        _ => {}
    }
}

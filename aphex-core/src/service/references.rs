//! Reference resolution: `{"_type": "reference", "_ref": "<id>"}` anywhere in a document's data is
//! replaced by the referenced document, to a given depth.
//!
//! Batched: one `find_documents_by_ids` per depth level for the whole result set, never one per
//! reference. Cycle-safe: a document is never expanded inside itself (the reference is left as
//! it is). A reference whose target is missing, or not published in the published perspective,
//! is left as it is too.
//!
//! A resolved reference is the target's data (in the same perspective) plus `_id` and `_type`
//! (the target's id and document type), keeping the reference's own `_key` if it had one.

use std::collections::{HashMap, HashSet};

use serde_json::{Map, Value};
use uuid::Uuid;

use crate::error::Result;
use crate::model::{Document, DocumentStatus};
use crate::ports::DocumentStore;
use crate::query::Perspective;

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

/// Resolves references in the perspective data of `docs` to `depth` levels.
pub(crate) async fn resolve(
    store: &dyn DocumentStore,
    docs: &mut [Document],
    perspective: Perspective,
    depth: u32,
) -> Result<()> {
    if depth == 0 || docs.is_empty() {
        return Ok(());
    }
    // Fetch phase, breadth first: everything reachable within `depth` levels, one query a level.
    let mut known: HashMap<Uuid, Document> = docs.iter().map(|d| (d.id, d.clone())).collect();
    let mut frontier: Vec<Uuid> = Vec::new();
    for doc in docs.iter() {
        if let Some(data) = doc.data(perspective) {
            collect_refs(data, &mut frontier);
        }
    }
    for _level in 0..depth {
        let mut seen = HashSet::new();
        let missing: Vec<Uuid> = frontier
            .drain(..)
            .filter(|id| !known.contains_key(id) && seen.insert(*id))
            .collect();
        if missing.is_empty() {
            break;
        }
        for doc in store.find_documents_by_ids(&missing).await? {
            if visible(&doc, perspective) {
                if let Some(data) = doc.data(perspective) {
                    collect_refs(data, &mut frontier);
                }
                known.insert(doc.id, doc);
            }
        }
    }
    // Build phase: expand from the fetched documents, tracking the path to stop cycles.
    for doc in docs.iter_mut() {
        let mut ancestors = vec![doc.id];
        if let Some(data) = doc.data_mut(perspective) {
            expand(data, depth, &mut ancestors, &known, perspective);
        }
    }
    Ok(())
}

fn expand(
    value: &mut Value,
    remaining: u32,
    ancestors: &mut Vec<Uuid>,
    known: &HashMap<Uuid, Document>,
    perspective: Perspective,
) {
    if let Some(id) = reference_target(value) {
        let target = known
            .get(&id)
            .filter(|_| remaining > 0 && !ancestors.contains(&id))
            .filter(|d| visible(d, perspective));
        let Some(target) = target else { return };
        let mut resolved = match target.data(perspective) {
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
        expand(&mut resolved, remaining - 1, ancestors, known, perspective);
        ancestors.pop();
        *value = resolved;
        return;
    }
    match value {
        Value::Object(map) => map
            .values_mut()
            .for_each(|v| expand(v, remaining, ancestors, known, perspective)),
        Value::Array(items) => items
            .iter_mut()
            .for_each(|v| expand(v, remaining, ancestors, known, perspective)),
        _ => {}
    }
}

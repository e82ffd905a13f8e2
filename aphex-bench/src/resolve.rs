//! Reference resolution for the raw sides: the same breadth-first plan as the service (one
//! fetch of all missing targets per level), written plainly.

use std::collections::{HashMap, HashSet};
use std::future::Future;

use serde_json::Value;
use uuid::Uuid;

use aphex_core::service::reference_target;

use crate::target::{BenchResult, Loaded};

fn collect_refs(value: &Value, out: &mut Vec<Uuid>) {
    if let Some(id) = reference_target(value) {
        out.push(id);
        return;
    }
    match value {
        Value::Object(map) => map.values().for_each(|v| collect_refs(v, out)),
        Value::Array(items) => items.iter().for_each(|v| collect_refs(v, out)),
        _ => {}
    }
}

/// Replaces references by the target's data, `depth` levels deep.
fn embed(value: &mut Value, known: &HashMap<Uuid, Loaded>, depth: u32) {
    if depth == 0 {
        return;
    }
    if let Some(id) = reference_target(value)
        && let Some(target) = known.get(&id)
    {
        let mut data = target.data.clone();
        embed(&mut data, known, depth - 1);
        *value = data;
        return;
    }
    match value {
        Value::Object(map) => map.values_mut().for_each(|v| embed(v, known, depth)),
        Value::Array(items) => items.iter_mut().for_each(|v| embed(v, known, depth)),
        _ => {}
    }
}

/// Resolves the references of `doc` (when there is one) to `depth` levels, fetching each
/// level's targets with one call of `fetch`.
pub async fn resolve<F, Fut>(
    doc: Option<Loaded>,
    depth: u32,
    fetch: F,
) -> BenchResult<Option<Loaded>>
where
    F: Fn(Vec<Uuid>) -> Fut,
    Fut: Future<Output = BenchResult<Vec<Loaded>>>,
{
    let Some(mut doc) = doc else {
        return Ok(None);
    };
    let mut known = HashMap::new();
    let mut frontier = Vec::new();
    collect_refs(&doc.data, &mut frontier);
    for _level in 0..depth {
        let mut seen = HashSet::new();
        let ids: Vec<Uuid> = frontier
            .drain(..)
            .filter(|id| !known.contains_key(id) && seen.insert(*id))
            .collect();
        if ids.is_empty() {
            break;
        }
        for row in fetch(ids).await? {
            collect_refs(&row.data, &mut frontier);
            known.insert(row.id, row);
        }
    }
    embed(&mut doc.data, &known, depth);
    Ok(Some(doc))
}

/// As [`resolve`], from what ONE statement returned: the document with id `id` and every
/// document its references reach (as the PostgreSQL adapter's closure returns them).
pub fn resolve_fetched(id: Uuid, rows: Vec<Loaded>, depth: u32) -> Option<Loaded> {
    let mut known: HashMap<Uuid, Loaded> = rows.into_iter().map(|row| (row.id, row)).collect();
    let mut doc = known.remove(&id)?;
    embed(&mut doc.data, &known, depth);
    Some(doc)
}

/// What publishing checks about a corpus post's references (the schema's reference fields are
/// `author` → `author` and `related[]` → `post`): the target ids to look up, sorted and
/// deduplicated as the service sends them, and the type each field requires.
pub fn publish_targets(data: &Value) -> (Vec<Uuid>, Vec<(Uuid, &'static str)>) {
    let mut fields = Vec::new();
    if let Some(id) = data.get("author").and_then(reference_target) {
        fields.push((id, "author"));
    }
    for item in data
        .get("related")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        if let Some(id) = reference_target(item) {
            fields.push((id, "post"));
        }
    }
    let mut ids: Vec<Uuid> = fields.iter().map(|(id, _)| *id).collect();
    ids.sort_unstable();
    ids.dedup();
    (ids, fields)
}

/// Every found target has the type its field requires (missing ones are allowed).
pub fn check_targets(fields: &[(Uuid, &'static str)], found: &[Loaded]) -> BenchResult<()> {
    let types: HashMap<Uuid, &str> = found.iter().map(|d| (d.id, d.doc_type.as_str())).collect();
    for (id, required) in fields {
        if types.get(id).is_some_and(|t| t != required) {
            return Err(format!("{id} is not a {required}").into());
        }
    }
    Ok(())
}

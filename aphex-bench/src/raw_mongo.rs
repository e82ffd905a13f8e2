//! The raw MongoDB baseline: the commands the adapter sends (captured with `--show-sql`),
//! issued straight through the `mongodb` crate — typed collections and serde, the way an
//! application would use the driver without us. Every record carries the organization and every
//! filter names it (`organizationId`: the default organization, which the adapter side acts in),
//! where the adapter's scope puts it.

use std::sync::atomic::{AtomicU64, Ordering};

use async_trait::async_trait;
use futures::TryStreamExt;
use mongodb::bson::{self, Bson, DateTime, Document, doc};
use mongodb::options::ReturnDocument;
use mongodb::{Collection, Database};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use uuid::Uuid;

use aphex_core::DEFAULT_ORGANIZATION_ID;
use aphex_core::service::{publish_hash, reference_ids};

use crate::corpus::{QUERY_TAG, QUERY_VIEWS_ABOVE, SeedDoc};
use crate::lists::{ListAnswer, ListSpec, RawList};
use crate::resolve::{check_targets, publish_targets, resolve};
use crate::target::{BenchResult, Loaded, Target};

/// The adapter's default version retention.
const RETENTION: u64 = 25;

/// The organization the bench acts in — the adapter side's `Scope::default()` — in every record
/// and filter where the adapter puts its scope's (`organizationId`).
const ORGANIZATION: &str = DEFAULT_ORGANIZATION_ID;

/// A `cms_documents` record, as the adapter writes it.
#[derive(Debug, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
struct DocRecord {
    #[serde(rename = "_id")]
    id: String,
    #[serde(rename = "type")]
    doc_type: String,
    status: String,
    draft_data: Option<Value>,
    published_data: Option<Value>,
    published_hash: Option<String>,
    revision: i64,
    created_by: Option<String>,
    updated_by: Option<String>,
    published_at: Option<DateTime>,
    created_at: DateTime,
    updated_at: DateTime,
    organization_id: String,
    /// The reference index (see `docs/references.md`).
    #[serde(default)]
    draft_references: Vec<String>,
    #[serde(default)]
    published_references: Vec<String>,
}

/// The ids `data` refers to, as the reference index stores them.
fn references(data: &Value) -> Vec<String> {
    reference_ids(data).iter().map(Uuid::to_string).collect()
}

/// A `cms_document_versions` record.
#[derive(Debug, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
struct VersionRecord {
    #[serde(rename = "_id")]
    id: String,
    document_id: String,
    version_number: i64,
    event_type: String,
    data: Value,
    created_by: Option<String>,
    created_at: DateTime,
    organization_id: String,
}

/// The counter projection of the parent document.
#[derive(Debug, Deserialize)]
struct Counter {
    #[serde(rename = "versionCount")]
    version_count: i64,
}

impl TryFrom<DocRecord> for Loaded {
    type Error = crate::target::BoxError;
    fn try_from(r: DocRecord) -> BenchResult<Loaded> {
        Ok(Loaded {
            id: Uuid::parse_str(&r.id)?,
            doc_type: r.doc_type,
            revision: r.revision,
            data: r.draft_data.unwrap_or(Value::Null),
        })
    }
}

/// The raw side over one MongoDB database.
pub struct RawMongo {
    documents: Collection<DocRecord>,
    versions: Collection<VersionRecord>,
    event_streams: Collection<Document>,
    events: Collection<Document>,
    outbox: Collection<Document>,
    statements: AtomicU64,
}

impl RawMongo {
    /// The raw side on `db`.
    pub fn new(db: Database) -> Self {
        RawMongo {
            documents: db.collection("cms_documents"),
            versions: db.collection("cms_document_versions"),
            event_streams: db.collection("cms_event_streams"),
            events: db.collection("cms_events"),
            outbox: db.collection("cms_outbox"),
            statements: AtomicU64::new(0),
        }
    }

    /// The count (when asked) and the page at once, as the adapter sends them.
    async fn count_and_page(
        &self,
        count_filter: Option<Document>,
        filter: Document,
        sort: Document,
        skip: u64,
        limit: u64,
    ) -> BenchResult<(Option<u64>, Vec<DocRecord>)> {
        let count = async {
            match count_filter {
                Some(filter) => {
                    self.sent();
                    Ok::<_, crate::target::BoxError>(Some(
                        self.documents.count_documents(filter).await?,
                    ))
                }
                None => Ok(None),
            }
        };
        let page = async {
            self.sent();
            let rows: Vec<DocRecord> = self
                .documents
                .find(filter)
                .sort(sort)
                .skip(skip)
                .limit(i64::try_from(limit)?)
                .await?
                .try_collect()
                .await?;
            Ok::<_, crate::target::BoxError>(rows)
        };
        futures::future::try_join(count, page).await
    }

    fn sent(&self) {
        self.statements.fetch_add(1, Ordering::Relaxed);
    }

    /// The findMany filter as the adapter's BSON compiler writes it (array guards, `$type`),
    /// restricted to the organization.
    fn find_many_filter() -> Document {
        doc! { "$and": [
            { "$and": [
                { "type": { "$not": { "$type": "array" } } },
                { "type": { "$eq": "post", "$type": "string" } },
            ] },
            { "$and": [
                { "draftData.views": { "$not": { "$type": "array" } } },
                { "draftData.views": { "$gt": QUERY_VIEWS_ABOVE, "$type": "number" } },
            ] },
            { "draftData.tags": { "$elemMatch": {
                "$eq": QUERY_TAG, "$type": "string", "$not": { "$type": "array" },
            } } },
        ], "organizationId": ORGANIZATION }
    }

    /// The adapter's event after a write (`append_event`): the stream's counter, the event
    /// (the document's summary as its data), its outbox entry.
    async fn event(
        &self,
        doc: &Loaded,
        kind: &str,
        hash: Option<String>,
        at: DateTime,
    ) -> BenchResult<()> {
        let stream = format!("document:{}", doc.id);
        self.sent();
        let counter = self
            .event_streams
            .find_one_and_update(
                doc! { "_id": &stream },
                doc! { "$inc": { "lastSeq": 1_i64 } },
            )
            .upsert(true)
            .return_document(ReturnDocument::After)
            .await?
            .ok_or("no stream counter")?;
        let seq = counter.get_i64("lastSeq")?;
        let id = Uuid::now_v7().to_string();
        let status = if hash.is_some() { "published" } else { "draft" };
        self.sent();
        self.events
            .insert_one(doc! {
                "_id": &id, "organizationId": ORGANIZATION, "stream": &stream, "streamSeq": seq,
                "kind": kind, "subjectId": doc.id.to_string(), "actor": Bson::Null,
                "data": {
                    "id": doc.id.to_string(), "type": &doc.doc_type, "revision": doc.revision,
                    "status": status, "publishedHash": hash,
                },
                "createdAt": at,
            })
            .await?;
        self.sent();
        self.outbox
            .insert_one(doc! {
                "_id": &id, "stream": &stream, "streamSeq": seq, "createdAt": at,
                "availableAt": at, "leaseToken": Bson::Null, "attempts": 0_i32,
            })
            .await?;
        Ok(())
    }

    /// The adapter's snapshot: the next number from the parent's counter, the version, and
    /// (`prune`; not for a new document's first snapshot) retention.
    async fn snapshot(
        &self,
        id: &str,
        event: &str,
        data: &Value,
        at: DateTime,
        prune: bool,
    ) -> BenchResult<()> {
        self.sent();
        let counter: Collection<Counter> = self.documents.clone_with_type();
        let number = counter
            .find_one_and_update(
                doc! { "_id": id, "organizationId": ORGANIZATION },
                doc! { "$inc": { "versionCount": 1_i64 } },
            )
            .projection(doc! { "versionCount": 1 })
            .return_document(ReturnDocument::After)
            .await?
            .ok_or("parent document missing")?
            .version_count;
        self.sent();
        self.versions
            .insert_one(VersionRecord {
                id: Uuid::new_v4().to_string(),
                document_id: id.to_owned(),
                version_number: number,
                event_type: event.to_owned(),
                data: data.clone(),
                created_by: None,
                created_at: at,
                organization_id: ORGANIZATION.to_owned(),
            })
            .await?;
        if !prune {
            return Ok(());
        }
        self.sent();
        let first_gone: Vec<VersionRecord> = self
            .versions
            .find(doc! { "documentId": id, "organizationId": ORGANIZATION })
            .sort(doc! { "versionNumber": -1 })
            .skip(RETENTION)
            .limit(1)
            .await?
            .try_collect()
            .await?;
        if let Some(v) = first_gone.first() {
            self.sent();
            self.versions
                .delete_many(doc! {
                    "documentId": id,
                    "organizationId": ORGANIZATION,
                    "versionNumber": { "$lte": v.version_number },
                })
                .await?;
        }
        Ok(())
    }

    async fn find_in(&self, ids: Vec<Uuid>) -> BenchResult<Vec<Loaded>> {
        self.sent();
        let ids: Vec<String> = ids.iter().map(Uuid::to_string).collect();
        let rows: Vec<DocRecord> = self
            .documents
            .find(doc! { "_id": { "$in": ids }, "organizationId": ORGANIZATION })
            .await?
            .try_collect()
            .await?;
        rows.into_iter().map(Loaded::try_from).collect()
    }
}

fn to_bson(value: &Value) -> BenchResult<Bson> {
    Ok(bson::to_bson(value)?)
}

#[async_trait]
impl Target for RawMongo {
    fn side(&self) -> &'static str {
        "raw"
    }

    async fn create(&self, doc: SeedDoc) -> BenchResult<i64> {
        let now = DateTime::now();
        let id = doc.id.to_string();
        let record = DocRecord {
            id: id.clone(),
            doc_type: doc.doc_type.to_owned(),
            status: "draft".to_owned(),
            draft_references: references(&doc.data),
            draft_data: Some(doc.data),
            published_data: None,
            published_hash: None,
            revision: 1,
            created_by: None,
            updated_by: None,
            published_at: None,
            created_at: now,
            updated_at: now,
            organization_id: ORGANIZATION.to_owned(),
            published_references: Vec::new(),
        };
        self.sent();
        self.documents.insert_one(&record).await?;
        let data = record.draft_data.as_ref().unwrap_or(&Value::Null);
        self.snapshot(&id, "draft", data, now, false).await?;
        let created = Loaded {
            id: doc.id,
            doc_type: record.doc_type.clone(),
            revision: record.revision,
            data: Value::Null,
        };
        self.event(&created, "document.created", None, now).await?;
        Ok(record.revision)
    }

    async fn find_by_id(&self, id: Uuid) -> BenchResult<Option<Loaded>> {
        self.sent();
        let found = self
            .documents
            .find_one(doc! { "_id": id.to_string(), "organizationId": ORGANIZATION })
            .await?;
        found.map(Loaded::try_from).transpose()
    }

    async fn find_depth2(&self, id: Uuid) -> BenchResult<Option<Loaded>> {
        let doc = self.find_by_id(id).await?;
        resolve(doc, 2, |ids| self.find_in(ids)).await
    }

    async fn find_many(&self) -> BenchResult<(Vec<Loaded>, u64)> {
        let filter = Self::find_many_filter();
        let (total, rows) = self
            .count_and_page(
                Some(filter.clone()),
                filter,
                doc! { "updatedAt": -1, "_id": -1 },
                0,
                20,
            )
            .await?;
        let total = total.ok_or("no count")?;
        let docs = rows
            .into_iter()
            .map(Loaded::try_from)
            .collect::<BenchResult<_>>()?;
        Ok((docs, total))
    }

    async fn list(&self, spec: &ListSpec) -> BenchResult<ListAnswer> {
        let RawList::Mongo(command) = &spec.raw else {
            return Err("the MongoDB side got a SQL list".into());
        };
        let (total, rows) = self
            .count_and_page(
                command.count_filter.clone(),
                command.filter.clone(),
                command.sort.clone(),
                command.skip,
                command.limit,
            )
            .await?;
        let ids = rows
            .iter()
            .take(spec.limit)
            .map(|r| Uuid::parse_str(&r.id))
            .collect::<Result<_, _>>()?;
        Ok(ListAnswer { ids, total })
    }

    async fn update_draft(&self, id: Uuid, expected: i64, data: Value) -> BenchResult<i64> {
        let now = DateTime::now();
        let key = id.to_string();
        self.sent();
        let updated = self
            .documents
            .find_one_and_update(
                doc! { "_id": &key, "organizationId": ORGANIZATION, "revision": expected },
                doc! {
                    "$set": {
                        "draftData": to_bson(&data)?,
                        "draftReferences": references(&data),
                        "updatedBy": Bson::Null,
                        "updatedAt": now,
                    },
                    "$inc": { "revision": 1_i64 },
                },
            )
            .return_document(ReturnDocument::After)
            .await?
            .ok_or("revision conflict")?;
        let updated = Loaded::try_from(updated)?;
        self.snapshot(&key, "draft", &updated.data, now, true)
            .await?;
        self.event(&updated, "document.draft_saved", None, now)
            .await?;
        Ok(updated.revision)
    }

    async fn publish(&self, id: Uuid) -> BenchResult<i64> {
        let now = DateTime::now();
        let key = id.to_string();
        self.sent();
        let current = self
            .documents
            .find_one(doc! { "_id": &key, "organizationId": ORGANIZATION })
            .await?
            .ok_or("not found")?;
        let data = current.draft_data.unwrap_or(Value::Null);
        let hash = publish_hash(&data);
        // The service checks the types of reference targets: one lookup.
        let (ids, fields) = publish_targets(&data);
        if !ids.is_empty() {
            let found = self.find_in(ids).await?;
            check_targets(&fields, &found)?;
        }
        self.sent();
        let published = self
            .documents
            .find_one_and_update(
                doc! { "_id": &key, "organizationId": ORGANIZATION, "revision": current.revision },
                doc! { "$set": {
                    "status": "published",
                    "publishedData": to_bson(&data)?,
                    "publishedReferences": references(&data),
                    "publishedHash": &hash,
                    "publishedAt": now,
                    "updatedBy": Bson::Null,
                    "updatedAt": now,
                } },
            )
            .return_document(ReturnDocument::After)
            .await?
            .ok_or("revision conflict")?;
        self.snapshot(&key, "publish", &data, now, true).await?;
        let published = Loaded::try_from(published)?;
        self.event(&published, "document.published", Some(hash), now)
            .await?;
        Ok(published.revision)
    }

    async fn settle(&self) -> BenchResult<()> {
        // MongoDB keeps no planner statistics to refresh; WiredTiger checkpoints on its own.
        Ok(())
    }

    fn statements(&self) -> u64 {
        self.statements.load(Ordering::Relaxed)
    }
}

use std::collections::BTreeMap;

use async_trait::async_trait;
use mongodb::bson::{Bson, Document, doc};
use mongodb::options::ReturnDocument;
use uuid::Uuid;

use aphex_core::model::{Document as CmsDocument, DocumentStatus, NewDocument};
use aphex_core::ports::{DocumentStore, DraftUpdate, PublishChange, PublishUpdate};
use aphex_core::query::{Filter, JsonType, KeyValue, ListQuery, Page, Perspective};
use aphex_core::service::reference_ids;
use aphex_core::{Error, Result, Scope};

use super::collections::{DOCUMENTS, VERSIONS};
use super::{MongoStore, ORGANIZATION, SessionMode, exec, owned, visible};
use crate::error::{malformed, map_err};
use crate::filter::{BsonCompiler, Documents};
use crate::value::{Fields, date, opt, opt_date, to_bson};

/// The field of a document that holds the ids its `perspective` data refers to (the reference
/// index: an array of id strings, multikey-indexed, written with the data it derives from).
pub(crate) fn references_field(perspective: Perspective) -> &'static str {
    match perspective {
        Perspective::Published => "publishedReferences",
        _ => "draftReferences",
    }
}

/// The ids `data` refers to, as [`references_field`] stores them.
pub(crate) fn references(data: &serde_json::Value) -> Vec<String> {
    reference_ids(data).iter().map(Uuid::to_string).collect()
}

fn to_core(d: &Document) -> Result<CmsDocument> {
    let f = Fields::new(d, DOCUMENTS);
    let status = f.str("status")?;
    Ok(CmsDocument {
        id: f.uuid("_id")?,
        doc_type: f.str("type")?,
        status: DocumentStatus::parse(&status)
            .ok_or_else(|| malformed(DOCUMENTS, format!("unknown status {status:?}")))?,
        draft_data: f.opt_json("draftData")?,
        published_data: f.opt_json("publishedData")?,
        published_hash: f.opt_str("publishedHash")?,
        revision: f.i64("revision")?,
        created_by: f.opt_str("createdBy")?,
        updated_by: f.opt_str("updatedBy")?,
        published_at: f.opt_date("publishedAt")?,
        created_at: f.date("createdAt")?,
        updated_at: f.date("updatedAt")?,
        organization_id: f.str(ORGANIZATION)?,
    })
}

impl<S: SessionMode> MongoStore<S> {
    /// A guarded `findOneAndUpdate` on `{_id, revision}`; when it matches nothing, a read tells
    /// `NotFound` from `RevisionConflict`.
    async fn guarded_update(
        &self,
        scope: &Scope,
        id: Uuid,
        expected_revision: Option<i64>,
        update: Document,
    ) -> Result<CmsDocument> {
        let mut filter = owned(doc! { "_id": id.to_string() }, scope);
        if let Some(rev) = expected_revision {
            filter.insert("revision", rev);
        }
        let coll = self.coll(DOCUMENTS);
        let updated = exec!(
            self,
            coll.find_one_and_update(filter, update)
                .return_document(ReturnDocument::After)
        )
        .map_err(map_err("document"))?;
        if let Some(d) = updated {
            return to_core(&d);
        }
        let current = exec!(
            self,
            coll.find_one(owned(doc! { "_id": id.to_string() }, scope))
        )
        .map_err(map_err("document"))?;
        match current {
            Some(d) => Err(Error::RevisionConflict {
                current: Fields::new(&d, DOCUMENTS).i64("revision")?,
            }),
            None => Err(Error::not_found("document", id)),
        }
    }
}

#[async_trait]
impl<S: SessionMode> DocumentStore for MongoStore<S> {
    async fn insert_document(&self, scope: &Scope, doc: &NewDocument) -> Result<CmsDocument> {
        let record = new_record(scope, doc);
        let coll = self.coll(DOCUMENTS);
        exec!(self, coll.insert_one(&record)).map_err(map_err("document"))?;
        to_core(&record)
    }

    async fn insert_documents(&self, scope: &Scope, docs: &[NewDocument]) -> Result<()> {
        let records: Vec<Document> = docs.iter().map(|d| new_record(scope, d)).collect();
        let coll = self.coll(DOCUMENTS);
        // Ordered (the default): on a standalone server a failure leaves the documents before
        // the failing one stored, and says which failed.
        exec!(self, coll.insert_many(&records)).map_err(map_err("document"))?;
        Ok(())
    }

    async fn find_document(&self, scope: &Scope, id: Uuid) -> Result<Option<CmsDocument>> {
        let coll = self.coll(DOCUMENTS);
        exec!(
            self,
            coll.find_one(visible(doc! { "_id": id.to_string() }, scope))
        )
        .map_err(map_err("document"))?
        .as_ref()
        .map(to_core)
        .transpose()
    }

    async fn find_documents_by_ids(&self, scope: &Scope, ids: &[Uuid]) -> Result<Vec<CmsDocument>> {
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        let ids: Vec<String> = ids.iter().map(Uuid::to_string).collect();
        let rows = self
            .find_all(
                DOCUMENTS,
                visible(doc! { "_id": { "$in": ids } }, scope),
                None,
                None,
                None,
            )
            .await?;
        rows.iter().map(to_core).collect()
    }

    async fn find_documents(&self, scope: &Scope, query: &ListQuery) -> Result<Page<CmsDocument>> {
        if positioned_on_composite(query) {
            return Err(Error::Unsupported {
                backend: "mongodb",
                operation: "a keyset page after a document whose sort value is an object or array \
                            (MongoDB orders those by their contents)",
            });
        }
        let command = find_command(scope, query)?;
        let coll = self.coll(DOCUMENTS);
        let total = async {
            match command.count_filter {
                Some(filter) => {
                    exec!(self, coll.count_documents(filter)).map_err(map_err("document"))
                }
                None => Ok(0),
            }
        };
        let rows = self.find_all(
            DOCUMENTS,
            command.filter,
            Some(command.sort),
            Some(command.skip),
            Some(command.limit),
        );
        // The count and the page at once (one after the other inside a transaction, whose
        // session they share).
        let (total, rows) = futures::future::try_join(total, rows).await?;
        Ok(Page {
            rows: rows.iter().map(to_core).collect::<Result<_>>()?,
            total,
        })
    }

    async fn count_documents(&self, scope: &Scope, filter: &Filter) -> Result<u64> {
        let filter = visible(BsonCompiler::<Documents>::filter(filter)?, scope);
        let coll = self.coll(DOCUMENTS);
        exec!(self, coll.count_documents(filter)).map_err(map_err("document"))
    }

    async fn count_documents_by_type(&self, scope: &Scope) -> Result<BTreeMap<String, u64>> {
        self.counts_by(scope, DOCUMENTS, "type").await
    }

    async fn update_draft(&self, scope: &Scope, update: &DraftUpdate) -> Result<CmsDocument> {
        let change = doc! {
            "$set": {
                "draftData": to_bson(&update.data),
                "draftReferences": references(&update.data),
                "updatedBy": opt(update.updated_by.clone()),
                "updatedAt": date(update.updated_at),
            },
            "$inc": { "revision": 1i64 },
        };
        self.guarded_update(scope, update.id, update.expected_revision, change)
            .await
    }

    async fn update_publish_state(
        &self,
        scope: &Scope,
        update: PublishUpdate,
    ) -> Result<CmsDocument> {
        let mut set = match &update.change {
            PublishChange::Publish { data, hash } => doc! {
                "status": DocumentStatus::Published.as_str(),
                "publishedData": to_bson(data),
                "publishedReferences": references(data),
                "publishedHash": hash,
                "publishedAt": date(update.at),
            },
            PublishChange::Unpublish => doc! {
                "status": DocumentStatus::Unpublished.as_str(),
                "publishedData": Bson::Null,
                "publishedReferences": Vec::<String>::new(),
                "publishedHash": Bson::Null,
                "publishedAt": opt_date(None),
            },
        };
        set.insert("updatedBy", opt(update.updated_by.clone()));
        set.insert("updatedAt", date(update.at));
        self.guarded_update(
            scope,
            update.id,
            Some(update.expected_revision),
            doc! { "$set": set },
        )
        .await
    }

    async fn delete_document(&self, scope: &Scope, id: Uuid) -> Result<bool> {
        let coll = self.coll(DOCUMENTS);
        let deleted = exec!(
            self,
            coll.delete_one(owned(doc! { "_id": id.to_string() }, scope))
        )
        .map_err(map_err("document"))?;
        if deleted.deleted_count == 0 {
            return Ok(false);
        }
        // The SQL schema cascades; here the versions go right after their document (its
        // reference index went with it: it is in the document).
        let versions = self.coll(VERSIONS);
        exec!(
            self,
            versions.delete_many(owned(doc! { "documentId": id.to_string() }, scope))
        )
        .map_err(map_err("version"))?;
        Ok(true)
    }

    async fn set_references(
        &self,
        scope: &Scope,
        id: Uuid,
        perspective: Perspective,
        targets: &[Uuid],
    ) -> Result<bool> {
        let ids: Vec<String> = targets.iter().map(Uuid::to_string).collect();
        let coll = self.coll(DOCUMENTS);
        let updated = exec!(
            self,
            coll.update_one(
                owned(doc! { "_id": id.to_string() }, scope),
                doc! { "$set": { references_field(perspective): ids } },
            )
        )
        .map_err(map_err("document"))?;
        Ok(updated.matched_count > 0)
    }
}

/// What `find_documents` sends for a query (see `MongoAdapter::find_documents_command`).
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct FindCommand {
    /// The count's filter, when the query counts.
    pub count_filter: Option<Document>,
    /// The find's filter (a keyset page's position included).
    pub filter: Document,
    /// The sort document.
    pub sort: Document,
    /// Documents skipped.
    pub skip: u64,
    /// Documents fetched (the page, and one more when the query peeks).
    pub limit: u64,
}

/// The commands of a documents query in `scope`.
pub(crate) fn find_command(scope: &Scope, query: &ListQuery) -> Result<FindCommand> {
    Ok(FindCommand {
        count_filter: query
            .count
            .then(|| BsonCompiler::<Documents>::filter(&query.filter))
            .transpose()?
            .map(|f| visible(f, scope)),
        filter: visible(
            BsonCompiler::<Documents>::filter(&query.page_filter())?,
            scope,
        ),
        sort: BsonCompiler::<Documents>::sort(&query.sort)?,
        skip: query.paging.offset(),
        limit: query.fetch_limit(),
    })
}

/// Whether a keyset page starts after an object or array sort value: MongoDB orders those by
/// their contents, the keyset condition treats them as equal (`Capabilities::composite_sort_ties`).
fn positioned_on_composite(query: &ListQuery) -> bool {
    query.after.as_ref().is_some_and(|after| {
        after.values.iter().any(|v| {
            matches!(
                v,
                KeyValue::Json {
                    kind: Some(JsonType::Object | JsonType::Array),
                    ..
                }
            )
        })
    })
}

/// The record of a new document of `scope`'s organization: a draft at revision 1.
fn new_record(scope: &Scope, doc: &NewDocument) -> Document {
    doc! {
        "_id": doc.id.to_string(),
        "type": &doc.doc_type,
        "status": DocumentStatus::Draft.as_str(),
        "draftData": to_bson(&doc.draft_data),
        "draftReferences": references(&doc.draft_data),
        "publishedData": Bson::Null,
        "publishedReferences": Vec::<String>::new(),
        "publishedHash": Bson::Null,
        "revision": 1i64,
        "createdBy": opt(doc.created_by.clone()),
        "updatedBy": opt(doc.created_by.clone()),
        "publishedAt": Bson::Null,
        "createdAt": date(doc.created_at),
        "updatedAt": date(doc.created_at),
        ORGANIZATION: scope.organization(),
    }
}

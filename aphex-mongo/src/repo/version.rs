use std::num::NonZeroU32;

use async_trait::async_trait;
use mongodb::bson::{Document, doc};
use mongodb::options::ReturnDocument;
use uuid::Uuid;

use aphex_core::model::{DocumentVersion, NewVersion, VersionEvent};
use aphex_core::ports::VersionStore;
use aphex_core::query::{Page, Paging};
use aphex_core::{Error, Result, Scope};

use super::collections::{DOCUMENTS, VERSIONS};
use super::{MongoStore, ORGANIZATION, SessionMode, exec, owned, visible};
use crate::error::{malformed, map_err};
use crate::value::{Fields, date, opt, to_bson};

/// The field of a `cms_documents` record that counts its version snapshots (storage-internal,
/// not part of the document model).
pub(crate) const VERSION_COUNTER: &str = "versionCount";

fn to_core(d: &Document) -> Result<DocumentVersion> {
    let f = Fields::new(d, VERSIONS);
    let event = f.str("eventType")?;
    Ok(DocumentVersion {
        id: f.uuid("_id")?,
        document_id: f.uuid("documentId")?,
        version_number: f.i64("versionNumber")?,
        event_type: VersionEvent::parse(&event)
            .ok_or_else(|| malformed(VERSIONS, format!("unknown event type {event:?}")))?,
        data: f.json("data")?,
        created_by: f.opt_str("createdBy")?,
        created_at: f.date("createdAt")?,
        organization_id: f.str(ORGANIZATION)?,
    })
}

#[async_trait]
impl<S: SessionMode> VersionStore for MongoStore<S> {
    async fn insert_version(&self, scope: &Scope, version: NewVersion) -> Result<DocumentVersion> {
        let document_id = version.document_id.to_string();
        // Numbers come from an atomic counter on the parent document, so concurrent snapshots
        // get distinct numbers without a transaction (and a missing parent is noticed here).
        let documents = self.coll(DOCUMENTS);
        let parent = exec!(
            self,
            documents
                .find_one_and_update(
                    owned(doc! { "_id": &document_id }, scope),
                    doc! { "$inc": { VERSION_COUNTER: 1i64 } },
                )
                .projection(doc! { VERSION_COUNTER: 1 })
                .return_document(ReturnDocument::After)
        )
        .map_err(map_err("document"))?
        .ok_or_else(|| Error::not_found("document", version.document_id))?;
        let number = Fields::new(&parent, DOCUMENTS).i64(VERSION_COUNTER)?;
        let record = version_record(scope, &version, number);
        let versions = self.coll(VERSIONS);
        exec!(self, versions.insert_one(&record)).map_err(map_err("version"))?;
        to_core(&record)
    }

    async fn insert_first_versions(&self, scope: &Scope, versions: Vec<NewVersion>) -> Result<()> {
        if versions.is_empty() {
            return Ok(());
        }
        // Each document's counter goes from none to 1, as `insert_version` would take it.
        let ids: Vec<String> = versions.iter().map(|v| v.document_id.to_string()).collect();
        let documents = self.coll(DOCUMENTS);
        let updated = exec!(
            self,
            documents.update_many(
                owned(doc! { "_id": { "$in": &ids } }, scope),
                doc! { "$inc": { VERSION_COUNTER: 1i64 } },
            )
        )
        .map_err(map_err("document"))?;
        if updated.matched_count != ids.len() as u64 {
            return Err(Error::not_found(
                "document",
                format!(
                    "{} of the {} documents",
                    ids.len() as u64 - updated.matched_count,
                    ids.len()
                ),
            ));
        }
        let records: Vec<Document> = versions
            .iter()
            .map(|v| version_record(scope, v, 1))
            .collect();
        let coll = self.coll(VERSIONS);
        exec!(self, coll.insert_many(&records)).map_err(map_err("version"))?;
        Ok(())
    }

    async fn list_versions(
        &self,
        scope: &Scope,
        document_id: Uuid,
        paging: Paging,
    ) -> Result<Page<DocumentVersion>> {
        let filter = visible(doc! { "documentId": document_id.to_string() }, scope);
        let coll = self.coll(VERSIONS);
        let total =
            exec!(self, coll.count_documents(filter.clone())).map_err(map_err("version"))?;
        let rows = self
            .find_all(
                VERSIONS,
                filter,
                Some(doc! { "versionNumber": -1 }),
                Some(paging.offset()),
                Some(paging.limit()),
            )
            .await?;
        Ok(Page {
            rows: rows.iter().map(to_core).collect::<Result<_>>()?,
            total,
        })
    }

    async fn find_version(
        &self,
        scope: &Scope,
        document_id: Uuid,
        version_number: i64,
    ) -> Result<Option<DocumentVersion>> {
        let coll = self.coll(VERSIONS);
        exec!(
            self,
            coll.find_one(visible(
                doc! {
                    "documentId": document_id.to_string(),
                    "versionNumber": version_number,
                },
                scope
            ))
        )
        .map_err(map_err("version"))?
        .as_ref()
        .map(to_core)
        .transpose()
    }

    async fn prune_versions(
        &self,
        scope: &Scope,
        document_id: Uuid,
        keep: NonZeroU32,
    ) -> Result<u64> {
        let filter = owned(doc! { "documentId": document_id.to_string() }, scope);
        // The newest snapshot beyond the ones to keep; it and everything older go.
        let first_gone = self
            .find_all(
                VERSIONS,
                filter.clone(),
                Some(doc! { "versionNumber": -1 }),
                Some(u64::from(keep.get())),
                Some(1),
            )
            .await?;
        let Some(first_gone) = first_gone.first() else {
            return Ok(0);
        };
        let threshold = Fields::new(first_gone, VERSIONS).i64("versionNumber")?;
        let mut delete = filter;
        delete.insert("versionNumber", doc! { "$lte": threshold });
        let coll = self.coll(VERSIONS);
        let res = exec!(self, coll.delete_many(delete)).map_err(map_err("version"))?;
        Ok(res.deleted_count)
    }
}

/// The record of snapshot `version` with its number, in `scope`'s organization.
fn version_record(scope: &Scope, version: &NewVersion, number: i64) -> Document {
    doc! {
        "_id": version.id.to_string(),
        "documentId": version.document_id.to_string(),
        "versionNumber": number,
        "eventType": version.event_type.as_str(),
        "data": to_bson(&version.data),
        "createdBy": opt(version.created_by.clone()),
        "createdAt": date(version.created_at),
        ORGANIZATION: scope.organization(),
    }
}

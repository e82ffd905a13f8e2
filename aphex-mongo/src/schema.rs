//! The MongoDB side of "migrate": collections named as the SQL tables, and their indexes.
//! Idempotent — creating an index that exists with the same keys and options is a no-op, so
//! running it twice changes nothing. The schema version it brings the database to is recorded
//! in [`SCHEMA_COLLECTION`], so that `verify_schema` can tell, without changing anything,
//! whether `ensure_schema` has been run by this version.

use mongodb::IndexModel;
use mongodb::bson::{Bson, Document, doc};
use mongodb::options::IndexOptions;

use aphex_core::{DEFAULT_ORGANIZATION_ID, Result};

use crate::error::map_err;
use crate::repo::collections::*;
use crate::repo::{MongoStore, ORGANIZATION, SessionMode};

/// One index: collection, name, keys, unique.
struct Index {
    collection: &'static str,
    name: &'static str,
    keys: Document,
    unique: bool,
}

/// The unique keys, by collection and index name, with their portable names
/// (`<table>.<column>[,<column>]`, as the SQL backends report them in `Error::Conflict`).
const UNIQUE_KEYS: [(&str, &str, &str); 9] = [
    (
        VERSIONS,
        "documentId_versionNumber",
        "cms_document_versions.document_id,version_number",
    ),
    (SCHEMA_TYPES, "name_unique", "cms_schema_types.name"),
    (USERS, "email_unique", "user.email"),
    (SESSIONS, "token_unique", "session.token"),
    (API_KEYS, "key_unique", "apikey.key"),
    (ORGANIZATIONS, "slug_unique", "organization.slug"),
    (EVENTS, "stream_streamSeq", "cms_events.stream,stream_seq"),
    (OUTBOX, "stream_streamSeq", "cms_outbox.stream,stream_seq"),
    (JOBS, "dedupeKey_unique", "cms_jobs.dedupe_key"),
];

/// The portable name of a unique key: `_id_` is the table's primary key.
pub(crate) fn unique_key(collection: &str, index: &str) -> Option<String> {
    if index == "_id_" {
        let pk = if collection == PROFILES {
            "user_id"
        } else {
            "id"
        };
        return Some(format!("{collection}.{pk}"));
    }
    UNIQUE_KEYS
        .iter()
        .find(|(c, i, _)| *c == collection && *i == index)
        .map(|(_, _, key)| (*key).to_owned())
}

fn indexes() -> Vec<Index> {
    let ix = |collection, name, keys, unique| Index {
        collection,
        name,
        keys,
        unique,
    };
    vec![
        ix(
            DOCUMENTS,
            "type_updatedAt",
            doc! {"type": 1, "updatedAt": -1},
            false,
        ),
        ix(
            DOCUMENTS,
            "type_status",
            doc! {"type": 1, "status": 1},
            false,
        ),
        ix(
            VERSIONS,
            "documentId_versionNumber",
            doc! {"documentId": 1, "versionNumber": -1},
            true,
        ),
        ix(ASSETS, "assetType", doc! {"assetType": 1}, false),
        ix(ASSETS, "createdAt", doc! {"createdAt": -1}, false),
        ix(SCHEMA_TYPES, "name_unique", doc! {"name": 1}, true),
        ix(USERS, "email_unique", doc! {"email": 1}, true),
        ix(SESSIONS, "token_unique", doc! {"token": 1}, true),
        ix(SESSIONS, "userId", doc! {"userId": 1}, false),
        ix(ACCOUNTS, "userId", doc! {"userId": 1}, false),
        ix(
            ACCOUNTS,
            "providerId_accountId",
            doc! {"providerId": 1, "accountId": 1},
            false,
        ),
        ix(VERIFICATIONS, "identifier", doc! {"identifier": 1}, false),
        ix(API_KEYS, "key_unique", doc! {"key": 1}, true),
        ix(API_KEYS, "referenceId", doc! {"referenceId": 1}, false),
        ix(API_KEYS, "configId", doc! {"configId": 1}, false),
        ix(ORGANIZATIONS, "slug_unique", doc! {"slug": 1}, true),
        ix(ORGANIZATIONS, "parentId", doc! {"parentId": 1}, false),
        ix(MEMBERS, "organizationId", doc! {"organizationId": 1}, false),
        ix(MEMBERS, "userId", doc! {"userId": 1}, false),
        ix(
            INVITATIONS,
            "organizationId",
            doc! {"organizationId": 1},
            false,
        ),
        ix(INVITATIONS, "email", doc! {"email": 1}, false),
        ix(
            ORGANIZATION_ROLES,
            "organizationId",
            doc! {"organizationId": 1},
            false,
        ),
        ix(ORGANIZATION_ROLES, "role", doc! {"role": 1}, false),
        ix(
            DOCUMENTS,
            "organizationId_type_updatedAt",
            doc! {"organizationId": 1, "type": 1, "updatedAt": -1},
            false,
        ),
        // The reference index: "used by" and `_references` conditions (multikey).
        ix(
            DOCUMENTS,
            "organizationId_draftReferences",
            doc! {"organizationId": 1, "draftReferences": 1},
            false,
        ),
        ix(
            DOCUMENTS,
            "organizationId_publishedReferences",
            doc! {"organizationId": 1, "publishedReferences": 1},
            false,
        ),
        ix(
            VERSIONS,
            "organizationId_documentId",
            doc! {"organizationId": 1, "documentId": 1},
            false,
        ),
        ix(
            ASSETS,
            "organizationId_createdAt",
            doc! {"organizationId": 1, "createdAt": -1},
            false,
        ),
        // The change feed (version 4): a stream's events in order, an organization's by time,
        // the outbox's heads and its oldest entries.
        ix(
            EVENTS,
            "stream_streamSeq",
            doc! {"stream": 1, "streamSeq": 1},
            true,
        ),
        ix(
            EVENTS,
            "organizationId_createdAt",
            doc! {"organizationId": 1, "createdAt": 1, "_id": 1},
            false,
        ),
        ix(
            OUTBOX,
            "stream_streamSeq",
            doc! {"stream": 1, "streamSeq": 1},
            true,
        ),
        ix(OUTBOX, "createdAt", doc! {"createdAt": 1, "_id": 1}, false),
        // Jobs (version 5): one per idempotency key, the claim's scan, an organization's list.
        ix(JOBS, "dedupeKey_unique", doc! {"dedupeKey": 1}, true),
        ix(JOBS, "status_runAt", doc! {"status": 1, "runAt": 1}, false),
        ix(
            JOBS,
            "organizationId_runAt",
            doc! {"organizationId": 1, "runAt": -1},
            false,
        ),
        ix(
            WEBHOOKS,
            "organizationId",
            doc! {"organizationId": 1},
            false,
        ),
    ]
}

/// Every collection of the CMS schema.
pub const COLLECTIONS: [&str; 19] = [
    USERS,
    SESSIONS,
    ACCOUNTS,
    VERIFICATIONS,
    API_KEYS,
    PROFILES,
    SCHEMA_TYPES,
    DOCUMENTS,
    VERSIONS,
    ASSETS,
    ORGANIZATIONS,
    ORGANIZATION_ROLES,
    MEMBERS,
    INVITATIONS,
    EVENT_STREAMS,
    EVENTS,
    OUTBOX,
    JOBS,
    WEBHOOKS,
];

/// The schema version `ensure_schema` brings a database to: 1 is the collections and indexes of
/// aphex-rs 0.1; 2 adds organizations (their collections, and `organizationId` on every content
/// document, the default organization's for what was written before); 3 adds the reference
/// index (`draftReferences` and `publishedReferences` on every document, computed from the
/// stored data for what was written before); 4 adds the change feed (`cms_events`,
/// `cms_event_streams`, `cms_outbox` and their indexes; nothing to convert); 5 adds `cms_jobs` and `cms_webhooks`.
/// Every later change of the MongoDB layout raises it, with its upgrade step in
/// `ensure_schema` and an upgrade test.
pub const SCHEMA_VERSION: i64 = 5;

/// Where the schema version is recorded: one document `{_id: "schema", version}`.
pub const SCHEMA_COLLECTION: &str = "aphex_schema";

impl<S: SessionMode> MongoStore<S> {
    /// The recorded schema version, `None` for a database `ensure_schema` has not recorded
    /// (empty, or made by aphex-rs 0.1).
    pub(crate) async fn recorded_schema_version(&self) -> Result<Option<i64>> {
        self.count_command();
        let marker = self
            .coll(SCHEMA_COLLECTION)
            .find_one(doc! { "_id": "schema" })
            .await
            .map_err(map_err("schema"))?;
        marker
            .map(|d| crate::value::Fields::new(&d, SCHEMA_COLLECTION).i64("version"))
            .transpose()
    }

    pub(crate) async fn verify_schema_version(&self) -> Result<()> {
        let recorded = self.recorded_schema_version().await?;
        if recorded == Some(SCHEMA_VERSION) {
            return Ok(());
        }
        let message = match recorded {
            Some(v) if v > SCHEMA_VERSION => format!(
                "schema at version {v}, newer than this version of aphex-rs expects \
                 ({SCHEMA_VERSION}): upgrade aphex-rs"
            ),
            found => format!(
                "schema at {}, this version expects version {SCHEMA_VERSION}: run the migrations \
                 (`ensure_schema`, or `aphex::connect_and_migrate`)",
                found.map_or("none (ensure_schema not recorded)".to_owned(), |v| format!(
                    "version {v}"
                ))
            ),
        };
        Err(aphex_core::Error::SchemaMismatch { message })
    }

    /// Version 2: the default organization exists, and every content document without an
    /// organization is in it. Idempotent (runs on every `ensure_schema`; a second run matches
    /// nothing).
    async fn add_organizations(&self) -> Result<()> {
        self.count_command();
        self.coll(ORGANIZATIONS)
            .update_one(
                doc! { "_id": DEFAULT_ORGANIZATION_ID },
                doc! { "$setOnInsert": {
                    "name": "Default",
                    "slug": DEFAULT_ORGANIZATION_ID,
                    "logo": Bson::Null,
                    "createdAt": crate::value::date(aphex_core::model::now()),
                    "metadata": Bson::Null,
                    "parentId": Bson::Null,
                } },
            )
            .upsert(true)
            .await
            .map_err(map_err("organization"))?;
        for collection in [DOCUMENTS, VERSIONS, ASSETS] {
            self.count_command();
            self.coll(collection)
                .update_many(
                    doc! { ORGANIZATION: { "$exists": false } },
                    doc! { "$set": { ORGANIZATION: DEFAULT_ORGANIZATION_ID } },
                )
                .await
                .map_err(map_err(collection))?;
        }
        Ok(())
    }

    /// Version 3: every document has its reference index, computed from its stored data (the
    /// extraction the writes use). Documents written since carry it; this sets it on those
    /// without. Idempotent.
    async fn index_references(&self) -> Result<()> {
        let coll = self.coll(DOCUMENTS);
        self.count_command();
        let mut cursor = coll
            .find(doc! { "draftReferences": { "$exists": false } })
            .projection(doc! { "draftData": 1, "publishedData": 1 })
            .await
            .map_err(map_err("document"))?;
        while cursor.advance().await.map_err(map_err("document"))? {
            let record = cursor.deserialize_current().map_err(map_err("document"))?;
            let fields = crate::value::Fields::new(&record, DOCUMENTS);
            let ids = |key: &str| -> Result<Vec<String>> {
                Ok(fields
                    .opt_json(key)?
                    .map(|data| aphex_core::service::reference_ids(&data))
                    .unwrap_or_default()
                    .iter()
                    .map(ToString::to_string)
                    .collect())
            };
            let set = doc! {
                "draftReferences": ids("draftData")?,
                "publishedReferences": ids("publishedData")?,
            };
            self.count_command();
            coll.update_one(doc! { "_id": fields.str("_id")? }, doc! { "$set": set })
                .await
                .map_err(map_err("document"))?;
        }
        Ok(())
    }

    pub(crate) async fn ensure_collections_and_indexes(&self) -> Result<()> {
        let recorded = self.recorded_schema_version().await?;
        if let Some(v) = recorded
            && v > SCHEMA_VERSION
        {
            return self.verify_schema_version().await;
        }
        self.count_command();
        let existing = self
            .db
            .list_collection_names()
            .await
            .map_err(map_err("collection"))?;
        for name in COLLECTIONS {
            if !existing.iter().any(|e| e == name) {
                self.count_command();
                self.db
                    .create_collection(name)
                    .await
                    .map_err(map_err("collection"))?;
            }
        }
        self.add_organizations().await?;
        if recorded.is_none_or(|v| v < 3) {
            self.index_references().await?;
        }
        for index in indexes() {
            let model = IndexModel::builder()
                .keys(index.keys)
                .options(
                    IndexOptions::builder()
                        .name(index.name.to_owned())
                        .unique(index.unique)
                        .build(),
                )
                .build();
            self.count_command();
            self.coll(index.collection)
                .create_index(model)
                .await
                .map_err(map_err("index"))?;
        }
        self.count_command();
        self.coll(SCHEMA_COLLECTION)
            .update_one(
                doc! { "_id": "schema" },
                doc! { "$set": { "version": SCHEMA_VERSION } },
            )
            .upsert(true)
            .await
            .map_err(map_err("schema"))?;
        Ok(())
    }
}

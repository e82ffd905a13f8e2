//! The MongoDB side of "migrate": collections named as the SQL tables, and their indexes.
//! Idempotent — creating an index that exists with the same keys and options is a no-op, so
//! running it twice changes nothing.

use mongodb::IndexModel;
use mongodb::bson::{Document, doc};
use mongodb::options::IndexOptions;

use aphex_core::Result;

use crate::error::map_err;
use crate::repo::collections::*;
use crate::repo::{MongoStore, SessionMode};

/// One index: collection, name, keys, unique.
struct Index {
    collection: &'static str,
    name: &'static str,
    keys: Document,
    unique: bool,
}

/// The unique keys, by collection and index name, with their portable names
/// (`<table>.<column>[,<column>]`, as the SQL backends report them in `Error::Conflict`).
const UNIQUE_KEYS: [(&str, &str, &str); 5] = [
    (
        VERSIONS,
        "documentId_versionNumber",
        "cms_document_versions.document_id,version_number",
    ),
    (SCHEMA_TYPES, "name_unique", "cms_schema_types.name"),
    (USERS, "email_unique", "user.email"),
    (SESSIONS, "token_unique", "session.token"),
    (API_KEYS, "key_unique", "apikey.key"),
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
    ]
}

/// Every collection of the CMS schema.
pub const COLLECTIONS: [&str; 10] = [
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
];

impl<S: SessionMode> MongoStore<S> {
    pub(crate) async fn ensure_collections_and_indexes(&self) -> Result<()> {
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
        Ok(())
    }
}

//! [`MongoStore`]: the port implementations over one database, optionally bound to a
//! transaction's session. One file per port.

mod asset;
mod auth;
mod document;
mod event;
mod job;
mod organization;

pub use document::FindCommand;
pub(crate) use document::find_command;
mod profile;
mod rows;
mod schema_type;
mod version;
mod webhook;

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use futures::TryStreamExt;
use mongodb::bson::Document;
use mongodb::{Client, ClientSession, Collection, Database};
use tokio::sync::Mutex;

use aphex_core::{Result, Scope};

use crate::error::map_err;

/// Collection names: the table names of the SQL backends.
pub(crate) mod collections {
    pub(crate) const DOCUMENTS: &str = "cms_documents";
    pub(crate) const VERSIONS: &str = "cms_document_versions";
    pub(crate) const ASSETS: &str = "cms_assets";
    pub(crate) const SCHEMA_TYPES: &str = "cms_schema_types";
    pub(crate) const PROFILES: &str = "cms_user_profiles";
    pub(crate) const USERS: &str = "user";
    pub(crate) const SESSIONS: &str = "session";
    pub(crate) const ACCOUNTS: &str = "account";
    pub(crate) const VERIFICATIONS: &str = "verification";
    pub(crate) const API_KEYS: &str = "apikey";
    pub(crate) const ORGANIZATIONS: &str = "organization";
    pub(crate) const MEMBERS: &str = "member";
    pub(crate) const INVITATIONS: &str = "invitation";
    pub(crate) const ORGANIZATION_ROLES: &str = "organization_role";
    pub(crate) const EVENTS: &str = "cms_events";
    pub(crate) const EVENT_STREAMS: &str = "cms_event_streams";
    pub(crate) const OUTBOX: &str = "cms_outbox";
    pub(crate) const JOBS: &str = "cms_jobs";
    pub(crate) const WEBHOOKS: &str = "cms_webhooks";
}

/// The organization field of every content collection.
pub(crate) const ORGANIZATION: &str = "organizationId";

/// `filter` restricted to `scope`'s visible organizations: what every read adds.
pub(crate) fn visible(mut filter: Document, scope: &Scope) -> Document {
    match scope.visible() {
        [one] => filter.insert(ORGANIZATION, one.as_str()),
        many => filter.insert(ORGANIZATION, mongodb::bson::doc! { "$in": many }),
    };
    filter
}

/// `filter` restricted to `scope`'s own organization: what every write by id adds.
pub(crate) fn owned(mut filter: Document, scope: &Scope) -> Document {
    filter.insert(ORGANIZATION, scope.organization());
    filter
}

/// Whether operations run in a transaction's session.
pub trait SessionMode: Send + Sync + 'static {
    /// The session every operation must use, if any.
    fn session(&self) -> Option<&Mutex<ClientSession>>;
}

/// Operations run on their own (implicit sessions).
#[derive(Debug, Clone, Copy, Default)]
pub struct NoSession;

impl SessionMode for NoSession {
    fn session(&self) -> Option<&Mutex<ClientSession>> {
        None
    }
}

/// Operations run in one multi-document transaction: one the CMS started (it commits it), or
/// one the application started on its own session and the CMS joined (the application commits
/// it).
#[derive(Debug)]
pub struct InTransaction {
    pub(crate) session: Arc<Mutex<ClientSession>>,
    pub(crate) joined: bool,
}

impl SessionMode for InTransaction {
    fn session(&self) -> Option<&Mutex<ClientSession>> {
        Some(&self.session)
    }
}

/// The stores over one MongoDB database.
#[derive(Debug)]
pub struct MongoStore<S> {
    pub(crate) client: Client,
    pub(crate) db: Database,
    pub(crate) statements: Arc<AtomicU64>,
    pub(crate) transactions: bool,
    pub(crate) mode: S,
}

/// Runs one driver action, in the store's transaction session if it has one, and counts it.
macro_rules! exec {
    ($store:expr, $action:expr) => {{
        $store.count_command();
        match $store.mode.session() {
            Some(session) => {
                let mut guard = session.lock().await;
                $action.session(&mut *guard).await
            }
            None => $action.await,
        }
    }};
}
pub(crate) use exec;

impl<S: SessionMode> MongoStore<S> {
    pub(crate) fn coll(&self, name: &str) -> Collection<Document> {
        self.db.collection(name)
    }

    pub(crate) fn count_command(&self) {
        self.statements.fetch_add(1, Ordering::Relaxed);
    }

    /// Runs an aggregation pipeline and collects its output.
    pub(crate) async fn aggregate_all(
        &self,
        collection: &'static str,
        pipeline: Vec<Document>,
    ) -> Result<Vec<Document>> {
        self.count_command();
        let coll = self.coll(collection);
        let aggregate = coll.aggregate(pipeline);
        let err = map_err(collection);
        match self.mode.session() {
            Some(session) => {
                let mut guard = session.lock().await;
                let mut cursor = aggregate.session(&mut *guard).await.map_err(&err)?;
                cursor.stream(&mut guard).try_collect().await.map_err(&err)
            }
            None => aggregate
                .await
                .map_err(&err)?
                .try_collect()
                .await
                .map_err(&err),
        }
    }

    /// Counts of `scope`'s documents grouped by a string field.
    pub(crate) async fn counts_by(
        &self,
        scope: &Scope,
        collection: &'static str,
        field: &str,
    ) -> Result<std::collections::BTreeMap<String, u64>> {
        let pipeline = vec![
            mongodb::bson::doc! { "$match": visible(Document::new(), scope) },
            mongodb::bson::doc! {
                "$group": { "_id": format!("${field}"), "n": { "$sum": 1 } }
            },
        ];
        let rows = self.aggregate_all(collection, pipeline).await?;
        rows.iter()
            .map(|row| {
                let f = crate::value::Fields::new(row, collection);
                Ok((f.str("_id")?, u64::try_from(f.i64("n")?).unwrap_or(0)))
            })
            .collect()
    }

    /// Every document matching `filter`, sorted, skipped and limited, in one `find` (plus the
    /// driver's `getMore`s for large results).
    pub(crate) async fn find_all(
        &self,
        collection: &'static str,
        filter: Document,
        sort: Option<Document>,
        skip: Option<u64>,
        limit: Option<u64>,
    ) -> Result<Vec<Document>> {
        self.count_command();
        let coll = self.coll(collection);
        let mut find = coll.find(filter);
        if let Some(s) = sort {
            find = find.sort(s);
        }
        if let Some(n) = skip {
            find = find.skip(n);
        }
        if let Some(n) = limit {
            find = find.limit(i64::try_from(n).unwrap_or(i64::MAX));
        }
        let err = map_err(collection);
        match self.mode.session() {
            Some(session) => {
                let mut guard = session.lock().await;
                let mut cursor = find.session(&mut *guard).await.map_err(&err)?;
                cursor.stream(&mut guard).try_collect().await.map_err(&err)
            }
            None => find.await.map_err(&err)?.try_collect().await.map_err(&err),
        }
    }
}

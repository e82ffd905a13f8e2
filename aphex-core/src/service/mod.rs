//! Business services over the ports, and [`Cms`], the entry point that owns them.
//!
//! Every rule lives here, once, for every backend: ids and timestamps, length limits, document
//! validation, the publish hash, revision compare-and-swap, version snapshots and retention,
//! reference resolution.

mod assets;
mod auth;
mod documents;
mod events;
mod jobs;
mod leases;
mod limits;
mod members;
mod organizations;
mod profiles;
mod publish_hash;
mod reference_index;
mod references;
mod schema_types;
mod transaction;
mod values;
mod webhooks;
mod work;

use std::any::Any;
use std::num::NonZeroU32;
use std::sync::{Arc, RwLock, RwLockReadGuard};

pub use assets::{AssetFilter, AssetService, Upload};
pub use auth::{
    API_KEY_CONFIG_ID, ActiveSession, ApiKeyDefaults, AuthConfig, AuthService, CREDENTIAL_PROVIDER,
    ClientInfo, CreateApiKey, CreatedApiKey, SignUp, SignedIn,
};
pub use documents::{
    CreateDocument, DocumentService, MAX_BULK_DOCUMENTS, VersionRetention, WriteOptions,
};
pub use events::{Claimed, EventService, MAX_EVENT_PAGE, Outbox, document_event_data};
pub use jobs::{
    DEFAULT_MAX_ATTEMPTS, JobError, JobHandler, JobService, MAX_JOB_ATTEMPTS, MAX_JOB_PAGE,
    PUBLISH_JOB, ScheduleJob, UNPUBLISH_JOB, Worker,
};
pub use limits::{
    ASSET_TITLE, ASSET_TYPE, FILENAME, MIME_TYPE, SCHEMA_TITLE, STORAGE_ADAPTER, TYPE_NAME,
};
pub use members::{
    CMS_PERMISSION_RESOURCE, DEFAULT_INVITATION_EXPIRY, Invite, builtin_role_capabilities,
    capability_for_role, permission_capabilities,
};
pub use organizations::{CreateOrganization, ORGANIZATION_NAME, OrganizationService};
pub use profiles::UserProfileService;
pub use publish_hash::{canonical_json, publish_hash};
pub use reference_index::MAX_LISTED_REFERRERS;
pub use references::{DEFAULT_MAX_RESOLVED, REFERENCE_CHUNK, reference_ids, reference_target};
pub use schema_types::{SchemaSync, SchemaTypeService, SyncReport};
pub use transaction::CmsTransaction;
pub use values::{MAX_DATA_BYTES, MAX_DATA_DEPTH};
pub use webhooks::{
    DELIVER_WEBHOOK_JOB, RegisterWebhook, WEBHOOK_ATTEMPTS, WebhookService, delivery_of,
    sign_webhook, webhook_body,
};

use crate::error::{Error, Result};
use crate::ports::DatabaseAdapter;
use crate::schema::{SchemaRegistry, SchemaTypeDef};
use crate::scope::Scope;

/// Default number of version snapshots kept per document.
pub const DEFAULT_VERSION_RETENTION: NonZeroU32 = NonZeroU32::new(25).expect("25 is not zero");

/// A configured CMS: the database adapter plus the services over it. Cheap to clone.
#[derive(Debug, Clone)]
pub struct Cms {
    db: Arc<dyn DatabaseAdapter>,
    documents: DocumentService,
    schema_types: SchemaTypeService,
    assets: AssetService,
    profiles: UserProfileService,
    organizations: OrganizationService,
    auth: Option<AuthService>,
}

impl Cms {
    /// Starts configuring a CMS (the Rust form of the seed's `createCMSConfig`).
    pub fn builder() -> CmsBuilder {
        CmsBuilder::default()
    }

    /// The organization this CMS acts in: the default organization
    /// ([`DEFAULT_ORGANIZATION_ID`](crate::DEFAULT_ORGANIZATION_ID)) unless this CMS came from
    /// [`org`](Self::org) and the like.
    pub fn scope(&self) -> &Scope {
        self.documents.scope()
    }

    /// The same CMS acting in organization `id`: its documents, versions and assets are that
    /// organization's, and nothing of another organization can be read, written, counted or
    /// reached by a reference through it. Cheap (one lookup); keep the result for a request.
    ///
    /// # Errors
    /// [`Error::NotFound`] for an unknown organization.
    pub async fn org(&self, id: &str) -> Result<Cms> {
        Ok(self.in_scope(self.organizations.scope(id).await?))
    }

    /// As [`org`](Self::org), but reads also see the content of the organization's
    /// descendants (children, grandchildren, ...); writes still act in `id` only. A child's
    /// scope never sees its parent's or its siblings' content.
    ///
    /// # Errors
    /// [`Error::NotFound`] for an unknown organization.
    pub async fn org_with_descendants(&self, id: &str) -> Result<Cms> {
        Ok(self.in_scope(self.organizations.scope_with_descendants(id).await?))
    }

    /// The same CMS acting in `scope`, as given (no lookup: an organization that does not
    /// exist simply has no content).
    pub fn in_scope(&self, scope: Scope) -> Cms {
        Cms {
            documents: self.documents.in_scope(scope.clone()),
            assets: self.assets.in_scope(scope),
            ..self.clone()
        }
    }

    /// Organizations and their hierarchy.
    pub fn organizations(&self) -> &OrganizationService {
        &self.organizations
    }

    /// Documents.
    pub fn documents(&self) -> &DocumentService {
        &self.documents
    }

    /// Schema types.
    pub fn schema_types(&self) -> &SchemaTypeService {
        &self.schema_types
    }

    /// Assets.
    pub fn assets(&self) -> &AssetService {
        &self.assets
    }

    /// User profiles.
    pub fn profiles(&self) -> &UserProfileService {
        &self.profiles
    }

    /// Authentication, when configured with [`CmsBuilder::auth`].
    pub fn auth(&self) -> Option<&AuthService> {
        self.auth.as_ref()
    }

    /// The change feed of this CMS's organization scope: events per document, asset or stream,
    /// and per time range.
    pub fn events(&self) -> EventService {
        EventService::new(self.db.clone(), self.scope().clone())
    }

    /// Jobs of this CMS's organization scope: schedule, list, cancel (a [`Worker`] runs them).
    pub fn jobs(&self) -> JobService {
        JobService::new(self.db.clone(), self.scope().clone())
    }

    /// Webhook endpoints of this CMS's organization scope, and the dispatcher that turns outbox
    /// events into their deliveries.
    pub fn webhooks(&self) -> WebhookService {
        WebhookService::new(self.db.clone(), self.scope().clone())
    }

    /// The outbox, for consumers of the change feed (one queue for every organization).
    pub fn outbox(&self) -> Outbox {
        Outbox::new(self.db.clone())
    }

    /// The database adapter, for direct port access.
    pub fn adapter(&self) -> &Arc<dyn DatabaseAdapter> {
        &self.db
    }
}

/// Configuration of a [`Cms`]: which adapter instance, which schema types and how they are
/// synced, how many versions, how far references may expand, authentication.
#[derive(Debug)]
pub struct CmsBuilder {
    database: Option<Arc<dyn DatabaseAdapter>>,
    schema_types: Vec<SchemaTypeDef>,
    schema_sync: SchemaSync,
    version_retention: VersionRetention,
    max_resolved: NonZeroU32,
    auth: Option<AuthConfig>,
}

impl Default for CmsBuilder {
    fn default() -> Self {
        CmsBuilder {
            database: None,
            schema_types: Vec::new(),
            schema_sync: SchemaSync::default(),
            version_retention: VersionRetention::default(),
            max_resolved: NonZeroU32::new(DEFAULT_MAX_RESOLVED).unwrap_or(NonZeroU32::MIN),
            auth: None,
        }
    }
}

impl CmsBuilder {
    /// The database adapter instance (`SqliteAdapter::connect(..).await?`, ...), or an `Arc`
    /// of one (`aphex::connect` returns an `Arc<dyn DatabaseAdapter>`): an `Arc` is shared, not
    /// wrapped again.
    pub fn database<D: DatabaseAdapter>(mut self, adapter: D) -> Self {
        let mut slot = Some(adapter);
        let shared = (&mut slot as &mut dyn Any)
            .downcast_mut::<Option<Arc<dyn DatabaseAdapter>>>()
            .and_then(Option::take);
        self.database = shared.or_else(|| slot.map(|a| Arc::new(a) as Arc<dyn DatabaseAdapter>));
        self
    }

    /// Adds a schema type.
    pub fn schema_type(mut self, def: SchemaTypeDef) -> Self {
        self.schema_types.push(def);
        self
    }

    /// Adds schema types.
    pub fn schema_types(mut self, defs: impl IntoIterator<Item = SchemaTypeDef>) -> Self {
        self.schema_types.extend(defs);
        self
    }

    /// How [`build`](Self::build) syncs the schema types to the database (default
    /// [`SchemaSync::Additive`]: stored types that are not defined here are kept).
    pub fn schema_sync(mut self, mode: SchemaSync) -> Self {
        self.schema_sync = mode;
        self
    }

    /// Versions kept per document (default: the newest 25).
    pub fn version_retention(mut self, retention: VersionRetention) -> Self {
        self.version_retention = retention;
        self
    }

    /// The most documents one read may fetch and expand through references (default
    /// [`DEFAULT_MAX_RESOLVED`]); past it the read is [`Error::InvalidQuery`] naming `depth`.
    pub fn max_resolved_references(mut self, max: NonZeroU32) -> Self {
        self.max_resolved = max;
        self
    }

    /// Enables authentication ([`Cms::auth`]) with these settings.
    pub fn auth(mut self, config: AuthConfig) -> Self {
        self.auth = Some(config);
        self
    }

    /// Builds the CMS and syncs the schema types to the database (see
    /// [`schema_sync`](Self::schema_sync)).
    ///
    /// # Errors
    /// [`Error::Validation`] without a database, with invalid schema types or auth settings;
    /// backend errors.
    pub async fn build(self) -> Result<Cms> {
        let db = self
            .database
            .ok_or_else(|| Error::invalid("database", "no database adapter configured"))?;
        if let Some(auth) = &self.auth {
            auth.check()?;
        }
        let registry = Arc::new(RwLock::new(SchemaRegistry::default()));
        let schema_types = SchemaTypeService::new(db.clone(), registry.clone());
        schema_types
            .sync_with(self.schema_types, self.schema_sync)
            .await?;
        Ok(Cms {
            documents: DocumentService::new(
                db.clone(),
                registry,
                self.version_retention,
                self.max_resolved.get(),
            ),
            schema_types,
            assets: AssetService::new(db.clone()),
            profiles: UserProfileService::new(db.clone()),
            organizations: OrganizationService::new(db.clone()),
            auth: self.auth.map(|c| AuthService::new(db.clone(), c)),
            db,
        })
    }
}

pub(crate) fn read_registry(
    registry: &RwLock<SchemaRegistry>,
) -> Result<RwLockReadGuard<'_, SchemaRegistry>> {
    registry.read().map_err(schema_types::poisoned)
}

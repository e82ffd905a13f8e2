//! Business services over the ports, and [`Cms`], the entry point that owns them.
//!
//! Every rule lives here, once, for every backend: ids and timestamps, length limits, document
//! validation, the publish hash, revision compare-and-swap, version snapshots and retention,
//! reference resolution.

mod assets;
mod auth;
mod documents;
mod limits;
mod profiles;
mod publish_hash;
mod references;
mod schema_types;
mod work;

use std::sync::{Arc, RwLock, RwLockReadGuard};

pub use assets::{AssetFilter, AssetService, Upload};
pub use auth::{
    API_KEY_CONFIG_ID, ActiveSession, ApiKeyDefaults, AuthConfig, AuthService, CREDENTIAL_PROVIDER,
    ClientInfo, CreateApiKey, CreatedApiKey, SignUp, SignedIn,
};
pub use documents::{CreateDocument, DocumentService, WriteOptions};
pub use limits::{
    ASSET_TITLE, ASSET_TYPE, FILENAME, MIME_TYPE, SCHEMA_TITLE, STORAGE_ADAPTER, TYPE_NAME,
};
pub use profiles::UserProfileService;
pub use publish_hash::{canonical_json, publish_hash};
pub use references::reference_target;
pub use schema_types::{SchemaTypeService, SyncReport};

use crate::error::{Error, Result};
use crate::ports::DatabaseAdapter;
use crate::schema::{SchemaRegistry, SchemaTypeDef};

/// Default number of version snapshots kept per document.
pub const DEFAULT_VERSION_RETENTION: u64 = 25;

/// A configured CMS: the database adapter plus the services over it. Cheap to clone.
#[derive(Debug, Clone)]
pub struct Cms {
    db: Arc<dyn DatabaseAdapter>,
    documents: DocumentService,
    schema_types: SchemaTypeService,
    assets: AssetService,
    profiles: UserProfileService,
    auth: Option<AuthService>,
}

impl Cms {
    /// Starts configuring a CMS (the Rust form of the seed's `createCMSConfig`).
    pub fn builder() -> CmsBuilder {
        CmsBuilder::default()
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

    /// The database adapter, for direct port access.
    pub fn adapter(&self) -> &Arc<dyn DatabaseAdapter> {
        &self.db
    }
}

/// Configuration of a [`Cms`]: which adapter instance, which schema types, how many versions.
#[derive(Debug)]
pub struct CmsBuilder {
    database: Option<Arc<dyn DatabaseAdapter>>,
    schema_types: Vec<SchemaTypeDef>,
    version_retention: u64,
    auth: Option<AuthConfig>,
}

impl Default for CmsBuilder {
    fn default() -> Self {
        CmsBuilder {
            database: None,
            schema_types: Vec::new(),
            version_retention: DEFAULT_VERSION_RETENTION,
            auth: None,
        }
    }
}

impl CmsBuilder {
    /// The database adapter instance (`SqliteAdapter::connect(..).await?`, ...).
    pub fn database(mut self, adapter: impl DatabaseAdapter) -> Self {
        self.database = Some(Arc::new(adapter));
        self
    }

    /// A shared adapter instance.
    pub fn database_arc(mut self, adapter: Arc<dyn DatabaseAdapter>) -> Self {
        self.database = Some(adapter);
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

    /// Versions kept per document (default 25; 0 keeps all).
    pub fn version_retention(mut self, keep: u64) -> Self {
        self.version_retention = keep;
        self
    }

    /// Enables authentication ([`Cms::auth`]) with these settings.
    pub fn auth(mut self, config: AuthConfig) -> Self {
        self.auth = Some(config);
        self
    }

    /// Builds the CMS and syncs the schema types to the database (types no longer defined are
    /// deleted from it).
    ///
    /// # Errors
    /// [`Error::Validation`] without a database or with invalid schema types; backend errors.
    pub async fn build(self) -> Result<Cms> {
        let db = self
            .database
            .ok_or_else(|| Error::invalid("database", "no database adapter configured"))?;
        if let Some(auth) = &self.auth {
            auth.check()?;
        }
        let registry = Arc::new(RwLock::new(SchemaRegistry::default()));
        let schema_types = SchemaTypeService::new(db.clone(), registry.clone());
        schema_types.sync(self.schema_types).await?;
        Ok(Cms {
            documents: DocumentService::new(db.clone(), registry, self.version_retention),
            schema_types,
            assets: AssetService::new(db.clone()),
            profiles: UserProfileService::new(db.clone()),
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

//! The one place that decides which database and which file storage the studio uses. Handlers
//! only see `aphex` core types (`Cms`, `AuthService`, `StorageAdapter`).

use std::sync::Arc;

use aphex::Cms;
use aphex::service::AuthConfig;
use aphex::storage::StorageAdapter;
use aphex_storage::ObjectStoreAdapter;

use crate::config::Config;
use crate::content;

/// Where uploaded files are served (`/media/<asset id>/<file name>`).
pub const MEDIA_PREFIX: &str = "/media";

type BoxError = Box<dyn std::error::Error + Send + Sync>;

/// Connects to the database (migrating it), opens the storage and builds the CMS.
pub async fn open(config: &Config) -> Result<(Cms, Arc<dyn StorageAdapter>), BoxError> {
    let db = aphex::connect_and_migrate(&config.database_url).await?;
    let storage = storage(config)?;
    let cms = Cms::builder()
        .database(db)
        .schema_types(content::schema_types())
        // Users who sign up after the first (when sign-up is open) can only read until an
        // admin gives them more.
        .auth(AuthConfig::new(config.secret.clone()).default_role(aphex::model::Role::Viewer))
        .build()
        .await?;
    Ok((cms, storage))
}

fn storage(config: &Config) -> Result<Arc<dyn StorageAdapter>, BoxError> {
    match config.storage.as_str() {
        "local" => Ok(Arc::new(ObjectStoreAdapter::local(
            &config.media_dir,
            MEDIA_PREFIX,
        )?)),
        #[cfg(feature = "s3")]
        "s3" => {
            let mut s3 = aphex_storage::S3Config::from_env()?;
            s3.public_base_url = MEDIA_PREFIX.to_string();
            Ok(Arc::new(ObjectStoreAdapter::s3(s3)?))
        }
        other => Err(format!(
            "APHEX_STORAGE={other:?} is not available (local{})",
            if cfg!(feature = "s3") {
                ", s3"
            } else {
                "; build with --features s3 for s3"
            }
        )
        .into()),
    }
}

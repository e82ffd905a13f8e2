//! [`ObjectStoreAdapter`]: the [`StorageAdapter`] port over any [`ObjectStore`].

use std::path::Path as FsPath;
use std::sync::Arc;

use async_trait::async_trait;
use object_store::local::LocalFileSystem;
use object_store::path::Path;
use object_store::{
    Attribute, Attributes, ObjectStore, ObjectStoreExt, PutMode, PutOptions, PutPayload,
};

use aphex_core::storage::{StorageAdapter, is_safe_path};
use aphex_core::{Error, Result};

use crate::error::{SetupError, map_err, map_store_err, unsafe_path};

/// A [`StorageAdapter`] over an [`ObjectStore`]. See the [crate docs](crate) for its guarantees.
#[derive(Debug, Clone)]
pub struct ObjectStoreAdapter {
    name: String,
    store: Arc<dyn ObjectStore>,
    /// Without a trailing slash.
    public_base_url: String,
    /// Whether to send the content type with the bytes (the local filesystem cannot keep it).
    content_type: bool,
}

impl ObjectStoreAdapter {
    /// An adapter over `store`, recorded as `name` in `cms_assets.storage_adapter`. `url(path)` is
    /// `public_base_url` (trailing slashes dropped) + `/` + `path`.
    ///
    /// The content type is sent as an object attribute; a store that does not support
    /// attributes gets the bytes alone. `store` must support [`PutMode::Create`], or every
    /// `store` call fails: the adapter never falls back to overwriting.
    pub fn new(
        name: impl Into<String>,
        store: Arc<dyn ObjectStore>,
        public_base_url: &str,
    ) -> Self {
        ObjectStoreAdapter {
            name: name.into(),
            store,
            public_base_url: public_base_url.trim_end_matches('/').to_string(),
            content_type: true,
        }
    }

    /// Files under the directory `root` (created, with its parents, when missing); `name()` is
    /// `"local"`. Serve `root` at `public_base_url`, e.g. `/media` for `/media/<id>/<name>`.
    ///
    /// The content type is not kept (the filesystem has nowhere to put it): serve files with a
    /// type from the asset row or the file extension. Writes are `fsync`ed before `store`
    /// returns, so a file whose asset row was committed survives a crash.
    ///
    /// # Errors
    /// [`Error::Backend`] when `root` cannot be created or resolved.
    pub fn local(root: impl AsRef<FsPath>, public_base_url: &str) -> Result<Self> {
        let root = root.as_ref();
        std::fs::create_dir_all(root).map_err(|source| SetupError::CreateRoot {
            path: root.to_path_buf(),
            source,
        })?;
        let store = LocalFileSystem::new_with_prefix(root)
            .map_err(|e| Error::backend(crate::error::BACKEND, e))?
            // Deleting `<id>/<name>` also removes the then-empty `<id>` directory.
            .with_automatic_cleanup(true)
            .with_fsync(true);
        let mut adapter = ObjectStoreAdapter::new("local", Arc::new(store), public_base_url);
        adapter.content_type = false;
        Ok(adapter)
    }

    /// The underlying store, for what the port does not cover (listing, ranges, streaming).
    /// Paths given to it directly are not checked.
    pub fn object_store(&self) -> &Arc<dyn ObjectStore> {
        &self.store
    }
}

/// The object path for `path`, or the validation error when it is not a safe path.
fn location(path: &str) -> Result<Path> {
    if !is_safe_path(path) {
        return Err(unsafe_path());
    }
    Path::parse(path).map_err(|_| unsafe_path())
}

fn create_only() -> PutOptions {
    PutOptions::from(PutMode::Create)
}

#[async_trait]
impl StorageAdapter for ObjectStoreAdapter {
    fn name(&self) -> &str {
        &self.name
    }

    async fn store(&self, path: &str, bytes: Vec<u8>, content_type: &str) -> Result<()> {
        let location = location(path)?;
        let payload = PutPayload::from(bytes);
        if self.content_type && !content_type.is_empty() {
            let mut opts = create_only();
            opts.attributes =
                Attributes::from_iter([(Attribute::ContentType, content_type.to_string())]);
            match self.store.put_opts(&location, payload.clone(), opts).await {
                // Attributes are checked before anything is written, so retrying without them
                // is safe (and still create-only).
                Err(object_store::Error::NotImplemented { .. }) => {}
                r => return r.map(drop).map_err(|e| map_store_err(path, e)),
            }
        }
        self.store
            .put_opts(&location, payload, create_only())
            .await
            .map(drop)
            .map_err(|e| map_store_err(path, e))
    }

    async fn read(&self, path: &str) -> Result<Vec<u8>> {
        let location = location(path)?;
        let result = self
            .store
            .get(&location)
            .await
            .map_err(|e| map_err(path, e))?;
        let bytes = result.bytes().await.map_err(|e| map_err(path, e))?;
        Ok(bytes.into())
    }

    async fn exists(&self, path: &str) -> Result<bool> {
        let location = location(path)?;
        match self.store.head(&location).await {
            Ok(_) => Ok(true),
            Err(object_store::Error::NotFound { .. }) => Ok(false),
            Err(e) => Err(map_err(path, e)),
        }
    }

    async fn delete(&self, path: &str) -> Result<()> {
        let location = location(path)?;
        match self.store.delete(&location).await {
            Ok(()) | Err(object_store::Error::NotFound { .. }) => Ok(()),
            Err(e) => Err(map_err(path, e)),
        }
    }

    fn url(&self, path: &str) -> String {
        format!("{}/{path}", self.public_base_url)
    }
}

//! [`ObjectStoreAdapter`]: the [`StorageAdapter`] port over any [`ObjectStore`].

use std::path::{Path as FsPath, PathBuf};
use std::sync::Arc;

use async_trait::async_trait;
use object_store::local::LocalFileSystem;
use object_store::path::Path;
use object_store::{
    Attribute, Attributes, ObjectStore, ObjectStoreExt, PutMode, PutOptions, PutPayload,
};

use aphex_core::storage::{StorageAdapter, StoredFile, is_safe_path};
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
    /// The directory of a [`local`](Self::local) store, listed directly: `object_store` hides
    /// the temporary files an interrupted write leaves there.
    local_root: Option<PathBuf>,
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
            local_root: None,
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
        adapter.local_root = Some(root.to_path_buf());
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

/// A local store's temporary file: `<path>#<digits>`, what `object_store` writes before moving
/// it into place. Returns the path it was for.
fn staging_target(path: &str) -> Option<&str> {
    let (target, suffix) = path.rsplit_once('#')?;
    (!suffix.is_empty() && suffix.bytes().all(|b| b.is_ascii_digit()) && is_safe_path(target))
        .then_some(target)
}

/// Every regular file under `root`, relative to it (`/`-separated).
fn walk(root: &FsPath) -> std::io::Result<Vec<StoredFile>> {
    let mut out = Vec::new();
    let mut dirs = vec![root.to_path_buf()];
    while let Some(dir) = dirs.pop() {
        for entry in std::fs::read_dir(&dir)? {
            let entry = entry?;
            let kind = entry.file_type()?;
            if kind.is_dir() {
                dirs.push(entry.path());
                continue;
            }
            let path = entry.path();
            let Ok(rel) = path.strip_prefix(root) else {
                continue;
            };
            let rel: Vec<String> = rel
                .components()
                .map(|c| c.as_os_str().to_string_lossy().into_owned())
                .collect();
            let rel = rel.join("/");
            let meta = entry.metadata()?;
            let modified = meta.modified().map(chrono::DateTime::from)?;
            let partial = staging_target(&rel).is_some();
            let file = StoredFile::new(rel, meta.len(), modified);
            out.push(if partial { file.partial() } else { file });
        }
    }
    out.sort_by(|a, b| a.path.cmp(&b.path));
    Ok(out)
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

    async fn list(&self) -> Result<Vec<StoredFile>> {
        if let Some(root) = self.local_root.clone() {
            return tokio::task::spawn_blocking(move || walk(&root))
                .await
                .map_err(|e| Error::backend(crate::error::BACKEND, e))?
                .map_err(|e| Error::backend(crate::error::BACKEND, e));
        }
        use futures::TryStreamExt;
        let objects: Vec<object_store::ObjectMeta> = self
            .store
            .list(None)
            .try_collect()
            .await
            .map_err(|e| map_err("", e))?;
        Ok(objects
            .into_iter()
            .map(|o| StoredFile::new(o.location.to_string(), o.size, o.last_modified))
            .collect())
    }

    async fn delete_listed(&self, file: &StoredFile) -> Result<()> {
        match (&self.local_root, file.partial) {
            (Some(root), true) => {
                if staging_target(&file.path).is_none() {
                    return Err(unsafe_path());
                }
                let full = root.join(&file.path);
                match std::fs::remove_file(&full) {
                    Ok(()) => {}
                    Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
                    Err(e) => return Err(Error::backend(crate::error::BACKEND, e)),
                }
                // As `delete` does: the `<id>` directory goes when it is empty.
                if let Some(dir) = full.parent()
                    && dir != root.as_path()
                {
                    let _ = std::fs::remove_dir(dir);
                }
                Ok(())
            }
            _ => self.delete(&file.path).await,
        }
    }
}

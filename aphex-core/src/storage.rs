//! Where asset bytes live. [`StorageAdapter`] is the port; `aphex-storage` implements it over the
//! `object_store` crate (local filesystem, S3-compatible). The asset service decides the object
//! path (`<asset id>/<sanitised file name>`), so an upload never overwrites another asset's file.

use async_trait::async_trait;

use crate::error::Result;
use crate::model::Timestamp;

/// A file a storage holds, as [`StorageAdapter::list`] reports it.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct StoredFile {
    /// Its path (for a `partial` file, the path it was being written to, plus the store's
    /// temporary suffix).
    pub path: String,
    /// Size in bytes.
    pub size: u64,
    /// Last modification.
    pub modified: Timestamp,
    /// What an interrupted [`StorageAdapter::store`] left behind (a process killed mid-write):
    /// never a complete file.
    pub partial: bool,
}

impl StoredFile {
    /// A complete file.
    pub fn new(path: impl Into<String>, size: u64, modified: Timestamp) -> Self {
        StoredFile {
            path: path.into(),
            size,
            modified,
            partial: false,
        }
    }

    /// Marks it as left behind by an interrupted write.
    pub fn partial(mut self) -> Self {
        self.partial = true;
        self
    }
}

/// A place to keep files.
///
/// # Contract
/// - `store` never overwrites: storing at an existing path fails with
///   [`Error::Conflict`](crate::Error::Conflict).
/// - `read` of a missing path is [`Error::NotFound`](crate::Error::NotFound); `delete` of a missing
///   path succeeds.
/// - Paths are relative keys made of `[A-Za-z0-9._-]` segments joined by `/`
///   ([`is_safe_path`]); implementations refuse anything else.
#[async_trait]
pub trait StorageAdapter: Send + Sync + std::fmt::Debug + 'static {
    /// The name recorded in `cms_assets.storage_adapter` (`local`, `s3`).
    fn name(&self) -> &str;

    /// Stores `bytes` at `path`.
    ///
    /// # Errors
    /// [`Error::Conflict`](crate::Error::Conflict) when the path exists; a backend error otherwise.
    async fn store(&self, path: &str, bytes: Vec<u8>, content_type: &str) -> Result<()>;

    /// The bytes at `path`.
    ///
    /// # Errors
    /// [`Error::NotFound`](crate::Error::NotFound).
    async fn read(&self, path: &str) -> Result<Vec<u8>>;

    /// Whether something is stored at `path`.
    async fn exists(&self, path: &str) -> Result<bool>;

    /// Deletes `path` (nothing to do when it is missing).
    async fn delete(&self, path: &str) -> Result<()>;

    /// The public URL of `path`.
    fn url(&self, path: &str) -> String;

    /// Every file stored, including what interrupted writes left behind
    /// ([`StoredFile::partial`]) — for finding files no asset points to
    /// (`AssetService::orphaned_files`).
    ///
    /// # Errors
    /// [`Error::Unsupported`](crate::Error::Unsupported) by default; storage errors.
    async fn list(&self) -> Result<Vec<StoredFile>> {
        Err(crate::Error::Unsupported {
            backend: "this storage",
            operation: "listing files",
        })
    }

    /// Deletes a file [`list`](Self::list) reported — a partial one too, whose path `delete`
    /// would refuse.
    ///
    /// # Errors
    /// Storage errors.
    async fn delete_listed(&self, file: &StoredFile) -> Result<()> {
        self.delete(&file.path).await
    }
}

/// Longest sanitised file name, in bytes.
const MAX_NAME: usize = 120;

/// A file name safe to use as one path segment: the last component of `name` (no directories,
/// so no traversal), every character outside `[A-Za-z0-9._-]` replaced by `-`, no leading dot or
/// dash (no hidden files, no `..`), at most 120 bytes with the extension kept; `file` when
/// nothing is left.
pub fn sanitize_filename(name: &str) -> String {
    let base = name.rsplit(['/', '\\']).next().unwrap_or("");
    let mut out = String::with_capacity(base.len());
    for c in base.chars() {
        let c = if c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-') {
            c
        } else {
            '-'
        };
        if !(c == '-' && out.ends_with('-')) {
            out.push(c);
        }
    }
    let trimmed = out
        .trim_start_matches(['.', '-'])
        .trim_end_matches(['.', '-']);
    let mut name = trimmed.to_string();
    if name.len() > MAX_NAME {
        let (stem, ext) = match name.rfind('.') {
            Some(i) if name.len() - i <= 16 => (name[..i].to_string(), name[i..].to_string()),
            _ => (name.clone(), String::new()),
        };
        name = format!("{}{ext}", &stem[..MAX_NAME - ext.len()]);
    }
    if name.is_empty() { "file".into() } else { name }
}

/// Whether `path` is a relative key of safe segments (what every adapter accepts).
pub fn is_safe_path(path: &str) -> bool {
    !path.is_empty()
        && path.split('/').all(|seg| {
            !seg.is_empty()
                && !seg.starts_with('.')
                && seg
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'-'))
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn file_names_cannot_escape_or_hide() {
        assert_eq!(sanitize_filename("../../etc/passwd"), "passwd");
        assert_eq!(sanitize_filename("..\\..\\boot.ini"), "boot.ini");
        assert_eq!(sanitize_filename(".env"), "env");
        assert_eq!(sanitize_filename(".."), "file");
        assert_eq!(sanitize_filename("my photo (1).JPG"), "my-photo-1-.JPG");
        assert_eq!(sanitize_filename("héllo wörld.png"), "h-llo-w-rld.png");
        assert_eq!(sanitize_filename(""), "file");
        let long = format!("{}.jpeg", "a".repeat(300));
        let s = sanitize_filename(&long);
        assert!(s.len() <= MAX_NAME && s.ends_with(".jpeg"), "{s}");
        for name in [
            "../x",
            "a/../b",
            "/etc",
            "a//b",
            ".hidden",
            "a b",
            "ok/name.png",
        ] {
            assert_eq!(is_safe_path(name), name == "ok/name.png", "{name}");
        }
    }
}

//! `object_store` errors → [`aphex_core::Error`]: `AlreadyExists` becomes [`Error::Conflict`],
//! `NotFound` [`Error::NotFound`], everything else [`Error::Backend`] with backend
//! [`BACKEND`].

use std::path::PathBuf;

use aphex_core::Error;

/// The `backend` of every [`Error::Backend`] this crate returns.
pub(crate) const BACKEND: &str = "object_store";

/// What the errors of this crate call a stored object.
const ENTITY: &str = "file";

/// Failures of this crate's own, before the store is reached. Wrapped in [`Error::Backend`].
#[derive(Debug, thiserror::Error)]
pub(crate) enum SetupError {
    /// The local root directory could not be created.
    #[error("cannot create the storage directory {}", path.display())]
    CreateRoot {
        /// The directory.
        path: PathBuf,
        /// Why.
        #[source]
        source: std::io::Error,
    },
}

impl From<SetupError> for Error {
    fn from(e: SetupError) -> Self {
        Error::backend(BACKEND, e)
    }
}

/// Maps the error of an operation on `path`.
pub(crate) fn map_err(path: &str, e: object_store::Error) -> Error {
    match e {
        object_store::Error::NotFound { .. } => Error::not_found(ENTITY, path),
        object_store::Error::AlreadyExists { .. } => Error::Conflict {
            entity: ENTITY,
            constraint: format!("path {path}"),
        },
        e => Error::backend(BACKEND, e),
    }
}

/// Maps the error of a create-only `store` at `path`. A failed precondition means the object
/// exists (stores that do not turn it into `AlreadyExists` themselves). `NotFound` cannot be about
/// the file (the store creates it): it is the container, e.g. a missing S3 bucket, so it is a
/// backend error.
pub(crate) fn map_store_err(path: &str, e: object_store::Error) -> Error {
    match e {
        e @ object_store::Error::NotFound { .. } => Error::backend(BACKEND, e),
        object_store::Error::Precondition { path: key, source } => map_err(
            path,
            object_store::Error::AlreadyExists { path: key, source },
        ),
        e => map_err(path, e),
    }
}

/// The validation error for a path that [`aphex_core::storage::is_safe_path`] refuses.
pub(crate) fn unsafe_path() -> Error {
    Error::invalid(
        "path",
        "must be relative: segments of A-Z, a-z, 0-9, `.`, `_`, `-` joined by `/`, none empty or \
         starting with `.`",
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn source() -> Box<dyn std::error::Error + Send + Sync> {
        "server said so".into()
    }

    #[test]
    fn store_errors_map_to_conflict_or_backend() {
        let precondition = object_store::Error::Precondition {
            path: "a/b".into(),
            source: source(),
        };
        assert!(matches!(
            map_store_err("a/b", precondition),
            Error::Conflict { entity: "file", constraint } if constraint == "path a/b"
        ));
        let missing_bucket = object_store::Error::NotFound {
            path: "a/b".into(),
            source: source(),
        };
        assert!(matches!(
            map_store_err("a/b", missing_bucket),
            Error::Backend {
                backend: "object_store",
                ..
            }
        ));
        let missing = object_store::Error::NotFound {
            path: "a/b".into(),
            source: source(),
        };
        assert!(matches!(
            map_err("a/b", missing),
            Error::NotFound { entity: "file", id } if id == "a/b"
        ));
    }
}

//! The one public error type of aphex-rs.
//!
//! Every port and service returns [`Error`]. Backends map their driver errors into it in their own
//! `error.rs` (unique violations become [`Error::Conflict`] naming the portable constraint,
//! transient failures [`Error::Unavailable`], everything else [`Error::Backend`]), so callers
//! never see a driver type. A program decides what to do from [`Error::kind`] and
//! [`Error::is_retryable`], which mean the same on every backend.

use std::fmt;

/// A boxed error from a driver or another library, kept as the `source` of [`Error::Backend`].
pub type BoxError = Box<dyn std::error::Error + Send + Sync + 'static>;

/// `Result` with [`Error`] as the default error type.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Everything that can go wrong in aphex-rs.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The entity with this id does not exist (or is not visible in the requested perspective).
    #[error("{entity} not found: {id}")]
    NotFound {
        /// What was looked up, e.g. `"document"`.
        entity: &'static str,
        /// The id or key that was not found.
        id: String,
    },

    /// A write would break a uniqueness rule (duplicate email, session token, schema type name...).
    #[error("{entity} conflicts with an existing row ({constraint})")]
    Conflict {
        /// The entity being written.
        entity: &'static str,
        /// The violated unique key, named the same on every backend: `<table>.<column>`, with
        /// the columns of a composite key joined by `,` (`user.email`, `cms_documents.id`,
        /// `cms_document_versions.document_id,version_number`).
        constraint: String,
    },

    /// A document or asset that published content refers to cannot be deleted (without
    /// forcing it); nothing was deleted. Its kind is [`ErrorKind::Conflict`].
    #[error("{entity} {id} is referred to by published content ({} documents, e.g. {})", .referrers.len(), .referrers.first().map(ToString::to_string).unwrap_or_default())]
    Referenced {
        /// `"document"` or `"asset"`.
        entity: &'static str,
        /// Its id.
        id: String,
        /// Documents whose published data refers to it (at most
        /// [`MAX_LISTED_REFERRERS`](crate::service::MAX_LISTED_REFERRERS)), oldest id first.
        referrers: Vec<uuid::Uuid>,
    },

    /// A compare-and-swap write expected another revision; nothing was written.
    #[error("revision conflict: the document is at revision {current}")]
    RevisionConflict {
        /// The revision the document has now.
        current: i64,
    },

    /// Input data is invalid; nothing was written. Lists every failing field.
    #[error("validation failed: {0}")]
    Validation(ValidationErrors),

    /// A `where`, sort or pagination argument is invalid; nothing was sent to the database.
    #[error("invalid query at `{path}`: {reason}")]
    InvalidQuery {
        /// The path (or option name such as `limit`) that is wrong.
        path: String,
        /// What is wrong with it.
        reason: String,
    },

    /// Authentication is missing or failed: wrong credentials, an unknown, expired or disabled
    /// session or API key. `code` is Better Auth's error code (`INVALID_EMAIL_OR_PASSWORD`,
    /// `INVALID_API_KEY`, `KEY_EXPIRED`, ...).
    #[error("unauthorized ({code}): {message}")]
    Unauthorized {
        /// Better Auth's error code.
        code: &'static str,
        /// What failed.
        message: String,
    },

    /// The caller is known but not allowed to do this (a role without the capability).
    #[error("forbidden: {message}")]
    Forbidden {
        /// What is not allowed.
        message: String,
    },

    /// Too many requests: an API key's rate-limit window is full (`RATE_LIMITED`) or its usage is
    /// exhausted (`USAGE_EXCEEDED`).
    #[error("rate limited ({code}): {message}")]
    RateLimited {
        /// Better Auth's error code.
        code: &'static str,
        /// What was exceeded.
        message: String,
        /// When to try again, if known.
        retry_after_ms: Option<u64>,
    },

    /// The backend cannot offer this operation (a declared capability, see
    /// [`Capabilities`](crate::ports::Capabilities)).
    #[error("{operation} is not supported by the {backend} backend")]
    Unsupported {
        /// The backend, e.g. `"mongodb"`.
        backend: &'static str,
        /// The operation that is not available.
        operation: &'static str,
    },

    /// The database's CMS schema is not the one this version of aphex-rs expects: its
    /// migrations (SQL) or `ensure_schema` (MongoDB) have not been run. The message says where
    /// the schema is and what is expected ("schema at X, this version expects Y: run the
    /// migrations").
    #[error("{message}")]
    SchemaMismatch {
        /// Where the schema is and what this version expects.
        message: String,
    },

    /// The database is unreachable or busy, or asked for the operation to be tried again
    /// (pool acquire timeout, SQLite busy after the busy timeout, PostgreSQL serialization
    /// failure, deadlock or lost connection, MongoDB transient transaction errors). Trying again
    /// later can succeed: [`is_retryable`](Error::is_retryable) is true.
    #[error("{backend} unavailable ({transient}): {source}")]
    Unavailable {
        /// The backend, e.g. `"postgres"`.
        backend: &'static str,
        /// Which transient condition it was.
        transient: Transient,
        /// The driver error.
        #[source]
        source: BoxError,
    },

    /// The database or driver failed.
    #[error("{backend} error: {source}")]
    Backend {
        /// The backend, e.g. `"sqlite"`.
        backend: &'static str,
        /// The driver error.
        #[source]
        source: BoxError,
    },
}

/// What kind of error an [`Error`] is: the portable classification a program branches on (like
/// `sqlx::error::ErrorKind`). New kinds may be added.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ErrorKind {
    /// [`Error::NotFound`].
    NotFound,
    /// [`Error::Conflict`]: a unique key is taken; [`Error::Referenced`]: published content
    /// refers to what would be deleted.
    Conflict,
    /// [`Error::RevisionConflict`]: a compare-and-swap write saw another revision.
    RevisionConflict,
    /// [`Error::Validation`]: input data is invalid.
    Validation,
    /// [`Error::InvalidQuery`]: a query or paging argument is invalid.
    InvalidQuery,
    /// [`Error::Unauthorized`].
    Unauthorized,
    /// [`Error::Forbidden`].
    Forbidden,
    /// [`Error::RateLimited`].
    RateLimited,
    /// [`Error::Unsupported`]: a capability the backend does not have.
    Unsupported,
    /// [`Error::SchemaMismatch`]: run the migrations.
    SchemaMismatch,
    /// [`Error::Unavailable`]: transient; trying again can succeed.
    Unavailable,
    /// [`Error::Backend`]: the database or driver failed in a way trying again will not fix.
    Backend,
}

/// The transient condition behind an [`Error::Unavailable`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Transient {
    /// No pooled connection became free within the acquire timeout.
    PoolTimeout,
    /// SQLite stayed busy (locked by another writer) past the busy timeout.
    Busy,
    /// The connection to the server was lost or could not be opened (server restart, network).
    ConnectionLost,
    /// The database aborted the transaction to resolve a conflict with a concurrent one
    /// (PostgreSQL serialization failure or deadlock, MongoDB `TransientTransactionError`).
    /// Nothing of it was committed, so running the whole unit of work again is safe; the
    /// services do that themselves, a bounded number of times.
    TransactionAborted,
    /// A commit was sent but its outcome is unknown (MongoDB
    /// `UnknownTransactionCommitResult`, after the adapter's own commit retries).
    UnknownCommitResult,
    /// The database's storage is full (SQLite `SQLITE_FULL`, PostgreSQL `53100 disk_full`):
    /// the write was rolled back; it can succeed once space is freed.
    StorageFull,
    /// The database cannot be written to right now (SQLite `SQLITE_READONLY` — a read-only
    /// file or file system —, PostgreSQL `25006` — a standby or a read-only transaction): the
    /// write was not made; it can succeed once the database is writable again.
    ReadOnly,
    /// A compare-and-swap kept losing to concurrent writers of the same row for its whole time
    /// budget (an API key verified by a large burst at once, on a slow database): nothing was
    /// written, and trying again can succeed.
    Contended,
}

impl Transient {
    /// A short name: `pool timeout`, `busy`, ...
    pub fn as_str(self) -> &'static str {
        match self {
            Transient::PoolTimeout => "pool timeout",
            Transient::Busy => "busy",
            Transient::ConnectionLost => "connection lost",
            Transient::TransactionAborted => "transaction aborted",
            Transient::UnknownCommitResult => "unknown commit result",
            Transient::StorageFull => "storage full",
            Transient::ReadOnly => "read only",
            Transient::Contended => "contended",
        }
    }
}

impl fmt::Display for Transient {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Error {
    /// The portable kind of this error.
    pub fn kind(&self) -> ErrorKind {
        match self {
            Error::NotFound { .. } => ErrorKind::NotFound,
            Error::Conflict { .. } | Error::Referenced { .. } => ErrorKind::Conflict,
            Error::RevisionConflict { .. } => ErrorKind::RevisionConflict,
            Error::Validation(_) => ErrorKind::Validation,
            Error::InvalidQuery { .. } => ErrorKind::InvalidQuery,
            Error::Unauthorized { .. } => ErrorKind::Unauthorized,
            Error::Forbidden { .. } => ErrorKind::Forbidden,
            Error::RateLimited { .. } => ErrorKind::RateLimited,
            Error::Unsupported { .. } => ErrorKind::Unsupported,
            Error::SchemaMismatch { .. } => ErrorKind::SchemaMismatch,
            Error::Unavailable { .. } => ErrorKind::Unavailable,
            Error::Backend { .. } => ErrorKind::Backend,
        }
    }

    /// Whether the same call can succeed when tried again later: true exactly for
    /// [`Error::Unavailable`] (transient failures). A revision conflict is not retryable as is —
    /// the caller must re-read and decide — and neither is bad input.
    pub fn is_retryable(&self) -> bool {
        matches!(self, Error::Unavailable { .. })
    }

    /// The transient condition, when this is [`Error::Unavailable`].
    pub fn transient(&self) -> Option<Transient> {
        match self {
            Error::Unavailable { transient, .. } => Some(*transient),
            _ => None,
        }
    }

    /// Wraps a transient driver error as [`Error::Unavailable`].
    pub fn unavailable(
        backend: &'static str,
        transient: Transient,
        source: impl Into<BoxError>,
    ) -> Self {
        Error::Unavailable {
            backend,
            transient,
            source: source.into(),
        }
    }

    /// A validation error for one field.
    pub fn invalid(path: impl Into<String>, message: impl Into<String>) -> Self {
        Error::Validation(ValidationErrors(vec![FieldError::new(path, message)]))
    }

    /// An [`Error::InvalidQuery`] for `path`.
    pub fn invalid_query(path: impl Into<String>, reason: impl Into<String>) -> Self {
        Error::InvalidQuery {
            path: path.into(),
            reason: reason.into(),
        }
    }

    /// An [`Error::NotFound`].
    pub fn not_found(entity: &'static str, id: impl ToString) -> Self {
        Error::NotFound {
            entity,
            id: id.to_string(),
        }
    }

    /// An [`Error::Unauthorized`].
    pub fn unauthorized(code: &'static str, message: impl Into<String>) -> Self {
        Error::Unauthorized {
            code,
            message: message.into(),
        }
    }

    /// Wraps a driver error as [`Error::Backend`].
    pub fn backend(backend: &'static str, source: impl Into<BoxError>) -> Self {
        Error::Backend {
            backend,
            source: source.into(),
        }
    }
}

/// One failing field: a path into the data (`title`, `author.name`, `tags[2]`) and why it fails.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct FieldError {
    /// Where in the input the problem is.
    pub path: String,
    /// What is wrong, in words a user can act on.
    pub message: String,
}

impl FieldError {
    /// A new field error.
    pub fn new(path: impl Into<String>, message: impl Into<String>) -> Self {
        FieldError {
            path: path.into(),
            message: message.into(),
        }
    }
}

/// A non-empty list of [`FieldError`]s.
#[derive(Debug, Clone, PartialEq, Eq, Default, serde::Serialize, serde::Deserialize)]
#[serde(transparent)]
pub struct ValidationErrors(pub Vec<FieldError>);

impl ValidationErrors {
    /// The failing fields.
    pub fn fields(&self) -> &[FieldError] {
        &self.0
    }

    /// Adds one failing field.
    pub fn push(&mut self, path: impl Into<String>, message: impl Into<String>) {
        self.0.push(FieldError::new(path, message));
    }

    /// `Ok(())` when empty, otherwise `Err(Error::Validation(self))`.
    pub fn into_result(self) -> Result<()> {
        if self.0.is_empty() {
            Ok(())
        } else {
            Err(Error::Validation(self))
        }
    }
}

impl fmt::Display for ValidationErrors {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, e) in self.0.iter().enumerate() {
            if i > 0 {
                f.write_str("; ")?;
            }
            write!(f, "{}: {}", e.path, e.message)?;
        }
        Ok(())
    }
}

//! Driver errors → [`aphex_core::Error`]: duplicate key (11000) becomes [`Error::Conflict`];
//! everything else is [`Error::Backend`].

use mongodb::error::{Error as MongoError, ErrorKind, WriteFailure};

use aphex_core::Error;

/// The duplicate-key error code.
const DUPLICATE_KEY: i32 = 11000;

/// Whether the error is a duplicate-key violation (from a write or from findAndModify).
pub(crate) fn is_duplicate_key(e: &MongoError) -> bool {
    match &*e.kind {
        ErrorKind::Write(WriteFailure::WriteError(w)) => w.code == DUPLICATE_KEY,
        ErrorKind::Command(c) => c.code == DUPLICATE_KEY,
        ErrorKind::InsertMany(m) => m
            .write_errors
            .as_ref()
            .is_some_and(|errs| errs.iter().any(|w| w.code == DUPLICATE_KEY)),
        _ => false,
    }
}

/// Maps a driver error of an operation on `entity`.
pub(crate) fn map_err(entity: &'static str) -> impl Fn(MongoError) -> Error {
    move |e| {
        if is_duplicate_key(&e) {
            Error::Conflict {
                entity,
                constraint: e.to_string(),
            }
        } else {
            Error::backend("mongodb", e)
        }
    }
}

/// A stored document that does not have the shape aphex-rs writes.
pub(crate) fn malformed(collection: &str, what: impl std::fmt::Display) -> Error {
    Error::backend(
        "mongodb",
        format!("malformed document in `{collection}`: {what}"),
    )
}

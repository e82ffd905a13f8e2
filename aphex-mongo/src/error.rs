//! Driver errors → [`aphex_core::Error`]:
//!
//! - transient failures become [`Error::Unavailable`] (retryable): errors labelled
//!   `TransientTransactionError` (the transaction was aborted; the services run it again) or
//!   `UnknownTransactionCommitResult`, lost connections and failed server selection, and the
//!   server codes of a shutdown or a primary stepping down;
//! - duplicate key (11000) becomes [`Error::Conflict`] naming the key as
//!   `<table>.<column>[,<column>]`, the same name the SQL backends report;
//! - everything else is [`Error::Backend`].

use mongodb::error::{
    Error as MongoError, ErrorKind, TRANSIENT_TRANSACTION_ERROR, UNKNOWN_TRANSACTION_COMMIT_RESULT,
    WriteFailure,
};

use aphex_core::{Error, Transient};

use crate::schema::unique_key;
use aphex_core::schema::FieldIndex;

/// The duplicate-key error code.
const DUPLICATE_KEY: i32 = 11000;

/// Server error codes of a server going away or a primary stepping down: `HostUnreachable`,
/// `HostNotFound`, `NetworkTimeout`, `ShutdownInProgress`, `PrimarySteppedDown`,
/// `SocketException`, `NotWritablePrimary`, `InterruptedAtShutdown`,
/// `InterruptedDueToReplStateChange`, `NotPrimaryNoSecondaryOk`, `NotPrimaryOrSecondary`.
const UNAVAILABLE_CODES: [i32; 11] = [6, 7, 89, 91, 189, 9001, 10107, 11600, 11602, 13435, 13436];

/// `WriteConflict`: a concurrent write touched the same document.
const WRITE_CONFLICT: i32 = 112;

/// The code of a write or command error, if the server sent one.
fn code(e: &MongoError) -> Option<i32> {
    match &*e.kind {
        ErrorKind::Write(WriteFailure::WriteError(w)) => Some(w.code),
        ErrorKind::Command(c) => Some(c.code),
        _ => None,
    }
}

/// Whether the error is a duplicate-key violation (from a write or from findAndModify).
pub(crate) fn is_duplicate_key(e: &MongoError) -> bool {
    match &*e.kind {
        ErrorKind::InsertMany(m) => m
            .write_errors
            .as_ref()
            .is_some_and(|errs| errs.iter().any(|w| w.code == DUPLICATE_KEY)),
        _ => code(e) == Some(DUPLICATE_KEY),
    }
}

/// The transient condition behind `e`, if it is one.
pub(crate) fn transient(e: &MongoError) -> Option<Transient> {
    if e.contains_label(TRANSIENT_TRANSACTION_ERROR) || code(e) == Some(WRITE_CONFLICT) {
        return Some(Transient::TransactionAborted);
    }
    if e.contains_label(UNKNOWN_TRANSACTION_COMMIT_RESULT) {
        return Some(Transient::UnknownCommitResult);
    }
    match &*e.kind {
        ErrorKind::Io(_) | ErrorKind::ConnectionPoolCleared { .. } => {
            Some(Transient::ConnectionLost)
        }
        ErrorKind::ServerSelection { .. } => Some(Transient::ConnectionLost),
        _ => code(e)
            .filter(|c| UNAVAILABLE_CODES.contains(c))
            .map(|_| Transient::ConnectionLost),
    }
}

/// Maps a driver error of an operation on `entity`.
pub(crate) fn map_err(entity: &'static str) -> impl Fn(MongoError) -> Error {
    move |e| map_error(entity, e)
}

/// Maps one driver error of an operation on `entity`.
pub(crate) fn map_error(entity: &'static str, e: MongoError) -> Error {
    if let Some(transient) = transient(&e) {
        return Error::unavailable("mongodb", transient, e);
    }
    if is_duplicate_key(&e) {
        let message = e.to_string();
        return Error::Conflict {
            entity,
            constraint: duplicate_key_name(&message).unwrap_or(message),
        };
    }
    Error::backend("mongodb", e)
}

/// The portable key of "E11000 duplicate key error collection: db.user index: email_unique
/// dup key: { … }".
fn duplicate_key_name(message: &str) -> Option<String> {
    let after = message.split_once("collection: ")?.1;
    let (namespace, rest) = after.split_once(" index: ")?;
    let collection = namespace.split_once('.')?.1;
    let index = rest.split_whitespace().next()?;
    if FieldIndex::is_managed(index) {
        // A unique field index: the document service names the field.
        return Some(index.to_owned());
    }
    unique_key(collection, index)
}

/// A stored document that does not have the shape aphex-rs writes.
pub(crate) fn malformed(collection: &str, what: impl std::fmt::Display) -> Error {
    Error::backend(
        "mongodb",
        format!("malformed document in `{collection}`: {what}"),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn duplicate_key_messages_name_the_portable_key() {
        let name = |m| duplicate_key_name(m).expect("a key");
        assert_eq!(
            name(
                "E11000 duplicate key error collection: t.user index: email_unique dup key: { email: \"a\" }"
            ),
            "user.email"
        );
        assert_eq!(
            name(
                "E11000 duplicate key error collection: t.cms_documents index: _id_ dup key: { _id: \"x\" }"
            ),
            "cms_documents.id"
        );
        assert_eq!(
            name(
                "E11000 duplicate key error collection: aphex_t.cms_document_versions index: documentId_versionNumber dup key: {}"
            ),
            "cms_document_versions.document_id,version_number"
        );
    }
}

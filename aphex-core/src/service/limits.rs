//! Column length limits from the schema, checked before any write so an oversize value is a clear
//! [`Error::Validation`](crate::Error::Validation) on every backend instead of a driver error (or,
//! on SQLite, silently stored).

use crate::error::ValidationErrors;

/// `cms_documents.type`, `cms_schema_types.name`.
pub const TYPE_NAME: usize = 100;
/// `cms_schema_types.title`.
pub const SCHEMA_TITLE: usize = 200;
/// `cms_assets.asset_type`.
pub const ASSET_TYPE: usize = 20;
/// `cms_assets.filename`, `original_filename`, `title`.
pub const FILENAME: usize = 255;
/// `cms_assets.mime_type`.
pub const MIME_TYPE: usize = 100;
/// `cms_assets.storage_adapter`.
pub const STORAGE_ADAPTER: usize = 50;
/// `cms_assets.title`.
pub const ASSET_TITLE: usize = 255;

/// Records an error when `value` is empty or longer than `max` characters.
pub(crate) fn check_required(errors: &mut ValidationErrors, path: &str, value: &str, max: usize) {
    if value.trim().is_empty() {
        errors.push(path, "is required");
    } else {
        check_max(errors, path, Some(value), max);
    }
}

/// Records an error when `value` is longer than `max` characters.
pub(crate) fn check_max(
    errors: &mut ValidationErrors,
    path: &str,
    value: Option<&str>,
    max: usize,
) {
    if let Some(v) = value {
        let len = v.chars().count();
        if len > max {
            errors.push(
                path,
                format!("must be at most {max} characters (got {len})"),
            );
        }
    }
}

/// A page size of 1 to `max` (the event and job lists, the outbox claim).
///
/// # Errors
/// [`Error::InvalidQuery`](crate::Error::InvalidQuery) naming `limit`.
pub(crate) fn check_page_limit(limit: u32, max: u32) -> crate::error::Result<()> {
    if limit == 0 || limit > max {
        return Err(crate::error::Error::invalid_query(
            "limit",
            format!("must be between 1 and {max}, got {limit}"),
        ));
    }
    Ok(())
}

//! Times a lease or a retry ends at: the outbox's and the job worker's.

use std::time::Duration;

use crate::error::{Error, Result};
use crate::model::{Timestamp, truncate_to_millis};

/// `at + duration` (whole milliseconds, as every timestamp is stored).
///
/// # Errors
/// [`Error::InvalidQuery`] naming `name` when the time is past what a timestamp holds.
pub(crate) fn time_after(at: Timestamp, duration: Duration, name: &str) -> Result<Timestamp> {
    chrono::TimeDelta::from_std(duration)
        .ok()
        .and_then(|d| at.checked_add_signed(d))
        .map(truncate_to_millis)
        .ok_or_else(|| Error::invalid_query(name, "is too long"))
}

/// The end of a lease of `lease` taken at `at`.
///
/// # Errors
/// [`Error::InvalidQuery`] (`lease`) for a zero or unrepresentable lease.
pub(crate) fn lease_end(at: Timestamp, lease: Duration) -> Result<Timestamp> {
    if lease.is_zero() {
        return Err(Error::invalid_query("lease", "must be longer than zero"));
    }
    time_after(at, lease, "lease")
}

//! Times a lease or a retry ends at, and the polling loop of the outbox's and the job queue's
//! background consumers.

use std::future::Future;
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

/// Runs `step` until `shutdown` completes, resting `poll` whenever a step did nothing (0) or
/// failed (logged as `what`; the database may be away), never in the middle of a step.
pub(crate) async fn poll_until<F, Fut>(
    what: &str,
    poll: Duration,
    shutdown: impl Future<Output = ()>,
    mut step: F,
) where
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<usize>>,
{
    tokio::pin!(shutdown);
    loop {
        let idle = match step().await {
            Ok(done) => done == 0,
            Err(e) => {
                tracing::warn!(error = %e, "{what}: claiming failed");
                true
            }
        };
        let wait = if idle { poll } else { Duration::ZERO };
        tokio::select! {
            biased;
            () = &mut shutdown => return,
            () = tokio::time::sleep(wait) => {}
        }
    }
}

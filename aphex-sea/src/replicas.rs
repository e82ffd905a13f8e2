//! Read replicas: plain reads (`SELECT`s outside a transaction) go to a replica, round-robin;
//! writes and everything inside a transaction go to the primary; and for `read_your_writes`
//! after a write through this connection, reads stay on the primary, so a caller reads what it
//! has just written although the replica lags (Payload's `readReplicasAfterWriteInterval`).

use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use sea_orm::DatabaseConnection;

/// The replica pools of one primary and when it was last written.
#[derive(Debug)]
pub(crate) struct ReadReplicas {
    pools: Vec<DatabaseConnection>,
    next: AtomicUsize,
    read_your_writes: Duration,
    last_write: Mutex<Option<Instant>>,
}

impl ReadReplicas {
    pub(crate) fn new(pools: Vec<DatabaseConnection>, read_your_writes: Duration) -> Self {
        ReadReplicas {
            pools,
            next: AtomicUsize::new(0),
            read_your_writes,
            last_write: Mutex::new(None),
        }
    }

    /// Something was written through the primary (a statement, or a committed transaction).
    pub(crate) fn wrote(&self) {
        if let Ok(mut last) = self.last_write.lock() {
            *last = Some(Instant::now());
        }
    }

    /// The replica to send a read `sql` to, or `None` for the primary: the read is a plain
    /// `SELECT` and nothing was written within the read-your-writes window.
    pub(crate) fn for_read(&self, sql: &str) -> Option<&DatabaseConnection> {
        if self.pools.is_empty() || !is_plain_select(sql) {
            return None;
        }
        let recent = self
            .last_write
            .lock()
            .map(|last| last.is_some_and(|at| at.elapsed() < self.read_your_writes))
            .unwrap_or(true);
        if recent {
            return None;
        }
        let i = self.next.fetch_add(1, Ordering::Relaxed) % self.pools.len();
        self.pools.get(i)
    }
}

/// A `SELECT` that takes no row locks (a `WITH …` could hide a write: it goes to the primary).
pub(crate) fn is_plain_select(sql: &str) -> bool {
    let sql = sql.trim_start();
    sql.get(..6)
        .is_some_and(|head| head.eq_ignore_ascii_case("select"))
        && !sql.contains(" FOR UPDATE")
        && !sql.contains(" FOR SHARE")
}

#[cfg(test)]
mod tests {
    use super::is_plain_select;

    #[test]
    fn only_plain_selects_are_reads() {
        assert!(is_plain_select("SELECT 1"));
        assert!(is_plain_select("  select * from t"));
        assert!(!is_plain_select("SELECT * FROM t FOR UPDATE"));
        assert!(!is_plain_select(
            "WITH x AS (DELETE FROM t RETURNING *) SELECT * FROM x"
        ));
        assert!(!is_plain_select("UPDATE t SET a = 1 RETURNING *"));
        assert!(!is_plain_select("INSERT INTO t SELECT 1"));
        assert!(!is_plain_select("SEL"));
    }
}

//! Latency samples of one phase on one side, and the numbers the report shows.

use std::time::Duration;

/// What one side measured in one phase.
#[derive(Debug, Clone, Default)]
pub struct Measured {
    /// Per-operation latencies.
    pub latencies: Vec<Duration>,
    /// Wall time of the whole phase (all tasks).
    pub wall: Duration,
    /// Statements (SQL statements or MongoDB commands) sent during the phase.
    pub statements: u64,
}

impl Measured {
    /// Adds another slice of the same phase.
    pub fn add(&mut self, slice: Measured) {
        self.latencies.extend(slice.latencies);
        self.wall += slice.wall;
        self.statements += slice.statements;
    }

    /// Operations per second over the phase's wall time.
    pub fn ops_per_sec(&self) -> f64 {
        self.latencies.len() as f64 / self.wall.as_secs_f64().max(f64::EPSILON)
    }

    /// The `q` quantile (0..=1) of the latencies, nearest rank.
    pub fn quantile(&self, q: f64) -> Duration {
        let mut sorted = self.latencies.clone();
        sorted.sort_unstable();
        if sorted.is_empty() {
            return Duration::ZERO;
        }
        let rank = ((q * sorted.len() as f64).ceil() as usize).clamp(1, sorted.len());
        sorted[rank - 1]
    }

    /// Statements per operation.
    pub fn statements_per_op(&self) -> f64 {
        self.statements as f64 / self.latencies.len().max(1) as f64
    }
}

/// Milliseconds with three decimals.
pub fn ms(d: Duration) -> String {
    format!("{:.3}", d.as_secs_f64() * 1000.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quantiles_use_nearest_rank() {
        let m = Measured {
            latencies: (1..=100).rev().map(Duration::from_millis).collect(),
            wall: Duration::from_secs(2),
            statements: 300,
        };
        assert_eq!(m.quantile(0.5), Duration::from_millis(50));
        assert_eq!(m.quantile(0.95), Duration::from_millis(95));
        assert_eq!(m.ops_per_sec(), 50.0);
        assert_eq!(m.statements_per_op(), 3.0);
    }
}

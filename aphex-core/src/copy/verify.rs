//! Checking a copy: both databases read in key order, merged, each row's digest compared.

use std::cmp::Ordering;
use std::collections::VecDeque;
use std::fmt;

use super::row::{Row, key_of, row_digest};
use super::{Progress, Step, TABLES, Table};
use crate::error::Result;
use crate::ports::{DatabaseAdapter, RowReader};

/// How many keys of each kind of difference a [`TableCheck`] lists (it counts them all).
pub const LISTED_DIFFERENCES: usize = 20;

/// The comparison of one table.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct TableCheck {
    /// The table.
    pub table: &'static str,
    /// Rows on the source.
    pub source_rows: u64,
    /// Rows on the target.
    pub target_rows: u64,
    /// Rows on the source only: how many, and the first keys.
    pub missing: (u64, Vec<String>),
    /// Rows on the target only.
    pub extra: (u64, Vec<String>),
    /// Rows on both whose content differs.
    pub different: (u64, Vec<String>),
}

impl TableCheck {
    fn new(table: &'static str) -> Self {
        TableCheck {
            table,
            source_rows: 0,
            target_rows: 0,
            missing: (0, Vec::new()),
            extra: (0, Vec::new()),
            different: (0, Vec::new()),
        }
    }

    /// Whether both sides hold the same rows with the same content.
    pub fn is_exact(&self) -> bool {
        self.missing.0 == 0 && self.extra.0 == 0 && self.different.0 == 0
    }
}

fn note(list: &mut (u64, Vec<String>), key: String) {
    list.0 += 1;
    if list.1.len() < LISTED_DIFFERENCES {
        list.1.push(key);
    }
}

/// What [`verify`] found.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct VerifyReport {
    /// Per table, in catalog order.
    pub tables: Vec<TableCheck>,
}

impl VerifyReport {
    /// Whether every table is exact.
    pub fn is_exact(&self) -> bool {
        self.tables.iter().all(TableCheck::is_exact)
    }
}

impl fmt::Display for VerifyReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for t in &self.tables {
            write!(
                f,
                "{}: {} source rows, {} target rows",
                t.table, t.source_rows, t.target_rows
            )?;
            if t.is_exact() {
                writeln!(f, ", identical")?;
                continue;
            }
            writeln!(f)?;
            for (what, list) in [
                ("missing on the target", &t.missing),
                ("only on the target", &t.extra),
                ("different", &t.different),
            ] {
                if list.0 > 0 {
                    let more = if list.0 as usize > list.1.len() {
                        ", …"
                    } else {
                        ""
                    };
                    writeln!(f, "  {} {what}: {}{more}", list.0, list.1.join(", "))?;
                }
            }
        }
        Ok(())
    }
}

/// One side of the merge: a reader's batches of one table, one row at a time.
struct Side<'a> {
    reader: &'a mut dyn RowReader,
    table: &'a Table,
    batch: VecDeque<Row>,
    after: Option<String>,
    done: bool,
    limit: u32,
}

impl<'a> Side<'a> {
    fn new(reader: &'a mut dyn RowReader, table: &'a Table, limit: u32) -> Self {
        Side {
            reader,
            table,
            batch: VecDeque::new(),
            after: None,
            done: false,
            limit,
        }
    }

    /// The next row and its key.
    async fn next(&mut self) -> Result<Option<(String, Row)>> {
        if self.batch.is_empty() && !self.done {
            let rows = self
                .reader
                .read_rows(self.table, self.after.as_deref(), self.limit)
                .await?;
            self.done = rows.len() < self.limit as usize;
            self.batch = rows.into();
        }
        let Some(row) = self.batch.pop_front() else {
            return Ok(None);
        };
        let key = key_of(self.table, &row)?;
        self.after = Some(key.clone());
        Ok(Some((key, row)))
    }
}

/// Compares every table of `source` and `target`: counts, and each row's digest
/// ([`row_digest`]). Reads both in batches of `batch_size`; memory stays bounded.
///
/// # Errors
/// [`Error::Unsupported`](crate::Error::Unsupported) for a backend without
/// [`DatabaseAdapter::rows`]; database errors. Differences are not errors: they are in the
/// report.
pub async fn verify(
    source: &dyn DatabaseAdapter,
    target: &dyn DatabaseAdapter,
    batch_size: u32,
    progress: &dyn Progress,
) -> Result<VerifyReport> {
    let limit = batch_size.clamp(1, super::MAX_BATCH_SIZE);
    let mut from = source.rows()?.read().await?;
    let mut to = target.rows()?.read().await?;
    let mut report = VerifyReport { tables: Vec::new() };
    for table in TABLES {
        let mut check = TableCheck::new(table.name);
        let total = from.count_rows(table).await?;
        progress.table_started(Step::Verify, table.name, total, 0);
        let mut a = Side::new(from.as_mut(), table, limit);
        let mut b = Side::new(to.as_mut(), table, limit);
        let (mut left, mut right) = (a.next().await?, b.next().await?);
        loop {
            let order = match (&left, &right) {
                (None, None) => break,
                (Some(_), None) => Ordering::Less,
                (None, Some(_)) => Ordering::Greater,
                (Some((ka, _)), Some((kb, _))) => ka.as_bytes().cmp(kb.as_bytes()),
            };
            match order {
                Ordering::Less => {
                    if let Some((key, _)) = left.take() {
                        note(&mut check.missing, key);
                    }
                    check.source_rows += 1;
                    progress.advanced(Step::Verify, table.name, 1);
                    left = a.next().await?;
                }
                Ordering::Greater => {
                    if let Some((key, _)) = right.take() {
                        note(&mut check.extra, key);
                    }
                    check.target_rows += 1;
                    right = b.next().await?;
                }
                Ordering::Equal => {
                    if let (Some((key, ra)), Some((_, rb))) = (left.take(), right.take())
                        && row_digest(&ra) != row_digest(&rb)
                    {
                        note(&mut check.different, key);
                    }
                    check.source_rows += 1;
                    check.target_rows += 1;
                    progress.advanced(Step::Verify, table.name, 1);
                    left = a.next().await?;
                    right = b.next().await?;
                }
            }
        }
        progress.table_finished(Step::Verify, table.name);
        report.tables.push(check);
    }
    Ok(report)
}

//! Moving a whole CMS between backends — SQLite, PostgreSQL, MongoDB, any direction — and
//! checking that the target holds exactly what the source does (`docs/copy.md`).
//!
//! Every table of the [`catalog`] is read from the source in key order, batch by batch, in
//! one snapshot where the backend has one, and written to the target with its ids, timestamps,
//! hashes and counters as they are ([`RowStore`]). [`verify`] merges both sides in key order and
//! compares each row's digest. The `aphex` command line (`aphex copy`) is built on these.

mod catalog;
mod files;
mod row;
mod verify;

use std::fmt;

pub use catalog::{Column, ColumnKind, TABLES, Table};
pub use files::{FilesReport, LISTED_FILES, copy_files, verify_files};
pub use row::{Cell, Row, RowDigest, cell, key_of, row_digest};
pub use verify::{TableCheck, VerifyReport, verify};

use crate::error::{Error, Result};
use crate::ports::{DatabaseAdapter, RowStore};
use crate::scope::DEFAULT_ORGANIZATION_ID;

/// The batch size when none is given: rows per read and per write statement.
pub const DEFAULT_BATCH_SIZE: u32 = 500;

/// The largest batch size: a statement binds at most a few tens of thousands of values.
pub const MAX_BATCH_SIZE: u32 = 2_000;

/// How to copy.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct CopyOptions {
    /// Rows per read and per write.
    pub batch_size: u32,
    /// Continue an interrupted copy instead of requiring an empty target.
    pub resume: bool,
    /// Compare source and target after copying.
    pub verify: bool,
}

impl Default for CopyOptions {
    fn default() -> Self {
        CopyOptions {
            batch_size: DEFAULT_BATCH_SIZE,
            resume: false,
            verify: true,
        }
    }
}

impl CopyOptions {
    /// The defaults: batches of [`DEFAULT_BATCH_SIZE`], an empty target, verified.
    pub fn new() -> Self {
        Self::default()
    }

    /// Rows per read and per write (1 to [`MAX_BATCH_SIZE`]).
    pub fn batch_size(mut self, rows: u32) -> Self {
        self.batch_size = rows;
        self
    }

    /// Continue an interrupted copy: each table goes on after the greatest key the target
    /// already has, and rows are replaced rather than inserted.
    pub fn resume(mut self, yes: bool) -> Self {
        self.resume = yes;
        self
    }

    /// Compare source and target afterwards (on by default).
    pub fn verify(mut self, yes: bool) -> Self {
        self.verify = yes;
        self
    }

    fn check(&self) -> Result<()> {
        if self.batch_size == 0 || self.batch_size > MAX_BATCH_SIZE {
            return Err(Error::invalid(
                "batch_size",
                format!("must be between 1 and {MAX_BATCH_SIZE}"),
            ));
        }
        Ok(())
    }
}

/// What a copy or a verification reports while it runs (a progress bar, log lines).
pub trait Progress: Send + Sync {
    /// `table` starts: `total` rows on the source, `done` of them already on the target.
    fn table_started(&self, step: Step, table: &str, total: u64, done: u64);
    /// `rows` more rows of `table` are done.
    fn advanced(&self, step: Step, table: &str, rows: u64);
    /// `table` is done.
    fn table_finished(&self, step: Step, table: &str);
}

/// Which pass a [`Progress`] call is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Step {
    /// Copying rows.
    Copy,
    /// Comparing rows.
    Verify,
    /// Copying asset files.
    Files,
    /// Comparing asset files.
    VerifyFiles,
}

impl fmt::Display for Step {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Step::Copy => "copy",
            Step::Verify => "verify",
            Step::Files => "copy files",
            Step::VerifyFiles => "verify files",
        })
    }
}

/// A [`Progress`] that reports nothing.
#[derive(Debug, Clone, Copy, Default)]
pub struct NoProgress;

impl Progress for NoProgress {
    fn table_started(&self, _: Step, _: &str, _: u64, _: u64) {}
    fn advanced(&self, _: Step, _: &str, _: u64) {}
    fn table_finished(&self, _: Step, _: &str) {}
}

/// Rows written per table.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct TableCopied {
    /// The table.
    pub table: &'static str,
    /// Rows written by this run.
    pub rows: u64,
}

/// What [`copy`] did.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct CopyReport {
    /// Per table, in the order written.
    pub tables: Vec<TableCopied>,
    /// Whether the source was read from one snapshot.
    pub snapshot: bool,
    /// The comparison afterwards, when asked for.
    pub verified: Option<VerifyReport>,
}

impl CopyReport {
    /// Rows written in all.
    pub fn rows(&self) -> u64 {
        self.tables.iter().map(|t| t.rows).sum()
    }
}

/// Whether the target's only organization is the default one its schema set-up made, with
/// nothing belonging to it yet: the copy replaces it with the source's.
async fn holds_only_the_made_default(to: &dyn RowStore) -> Result<bool> {
    let Some(orgs) = Table::named("organization") else {
        return Ok(false);
    };
    if to.count_rows(orgs).await? != 1
        || to.last_key(orgs).await?.as_deref() != Some(DEFAULT_ORGANIZATION_ID)
    {
        return Ok(false);
    }
    for name in ["member", "organization_role", "invitation"] {
        if let Some(t) = Table::named(name)
            && to.count_rows(t).await? != 0
        {
            return Ok(false);
        }
    }
    Ok(true)
}

/// Refuses a target that holds anything but what its schema set-up made (`made_default`: the
/// default organization, see [`holds_only_the_made_default`]).
async fn check_empty(to: &dyn RowStore, made_default: bool) -> Result<()> {
    let mut held = Vec::new();
    for table in TABLES {
        let rows = to.count_rows(table).await?;
        let made = u64::from(made_default && table.name == "organization");
        if rows > made {
            held.push(format!("{} ({rows} rows)", table.name));
        }
    }
    if held.is_empty() {
        return Ok(());
    }
    Err(Error::invalid(
        "to",
        format!(
            "the target is not empty: {}; copy into an empty database, or resume an interrupted copy",
            held.join(", ")
        ),
    ))
}

/// Copies every table of `from` into `to` (see the module docs and `docs/copy.md`).
///
/// `to` must be empty — apart from the default organization its schema set-up made, which the
/// source's replaces — unless `options.resume`: then each table goes on after the greatest
/// key the target has, so an interrupted copy run again with the same source finishes it.
///
/// # Errors
/// [`Error::Validation`] for a target that is not empty (nothing is written) or bad options;
/// [`Error::Unsupported`] for a backend without [`DatabaseAdapter::rows`]; database errors (a
/// copy stopped by one can be resumed).
pub async fn copy(
    from: &dyn DatabaseAdapter,
    to: &dyn DatabaseAdapter,
    options: &CopyOptions,
    progress: &dyn Progress,
) -> Result<CopyReport> {
    options.check()?;
    let (source, target) = (from.rows()?, to.rows()?);
    let made_default = holds_only_the_made_default(target).await?;
    if !options.resume {
        check_empty(target, made_default).await?;
    }
    if let Some(orgs) = Table::named("organization")
        && made_default
    {
        target.delete_row(orgs, DEFAULT_ORGANIZATION_ID).await?;
    }
    let mut reader = source.read().await?;
    let mut report = CopyReport {
        tables: Vec::with_capacity(TABLES.len()),
        snapshot: reader.is_snapshot(),
        verified: None,
    };
    for table in TABLES {
        let total = reader.count_rows(table).await?;
        let (mut after, done) = if options.resume {
            (
                target.last_key(table).await?,
                target.count_rows(table).await?,
            )
        } else {
            (None, 0)
        };
        progress.table_started(Step::Copy, table.name, total, done.min(total));
        let mut written = 0;
        loop {
            let mut rows = reader
                .read_rows(table, after.as_deref(), options.batch_size)
                .await?;
            let Some(last) = rows.last() else { break };
            after = Some(key_of(table, last)?);
            if let Some(column) = table.self_reference {
                // First without the reference; the second pass below writes it.
                for row in &mut rows {
                    row.insert(column.to_owned(), serde_json::Value::Null);
                }
            }
            target.upsert_rows(table, &rows).await?;
            written += rows.len() as u64;
            progress.advanced(Step::Copy, table.name, rows.len() as u64);
        }
        if table.self_reference.is_some() {
            write_self_references(reader.as_mut(), target, table, options.batch_size).await?;
        }
        progress.table_finished(Step::Copy, table.name);
        report.tables.push(TableCopied {
            table: table.name,
            rows: written,
        });
    }
    drop(reader);
    target.finish_copy().await?;
    if options.verify {
        report.verified = Some(verify(from, to, options.batch_size, progress).await?);
    }
    Ok(report)
}

/// The second pass over a table with a self reference: every row that has one, whole, now that
/// every row it can refer to is there.
async fn write_self_references(
    reader: &mut dyn crate::ports::RowReader,
    target: &dyn RowStore,
    table: &Table,
    batch_size: u32,
) -> Result<()> {
    let Some(column) = table.self_reference else {
        return Ok(());
    };
    let mut after = None;
    loop {
        let rows = reader
            .read_rows(table, after.as_deref(), batch_size)
            .await?;
        let Some(last) = rows.last() else { break };
        after = Some(key_of(table, last)?);
        let referring: Vec<Row> = rows
            .into_iter()
            .filter(|r| r.get(column).is_some_and(|v| !v.is_null()))
            .collect();
        if !referring.is_empty() {
            target.upsert_rows(table, &referring).await?;
        }
    }
    Ok(())
}

//! Asset files between two storages: what `aphex copy --files-from … --files-to …` adds to a
//! copy of the rows. Each asset row's `path` is read from one [`StorageAdapter`] and stored at
//! the same path in the other, so the rows — copied unchanged — point at them there.

use sha2::{Digest, Sha256};

use super::row::{Cell, cell};
use super::{Progress, Step, Table};
use crate::error::{Error, Result};
use crate::ports::DatabaseAdapter;
use crate::storage::StorageAdapter;

/// How many paths of each kind of problem a [`FilesReport`] lists (it counts them all).
pub const LISTED_FILES: usize = 20;

/// What [`copy_files`] or [`verify_files`] found.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct FilesReport {
    /// Asset rows seen.
    pub assets: u64,
    /// Files stored on the target by this run.
    pub copied: u64,
    /// Files the target already had with the same bytes (a resumed or repeated run).
    pub present: u64,
    /// Paths the source storage does not have: how many, and the first ones.
    pub missing_on_source: (u64, Vec<String>),
    /// Paths whose bytes differ on the target (or that it lacks, when verifying).
    pub different: (u64, Vec<String>),
}

impl FilesReport {
    /// Whether every asset's file is on the target with the source's bytes.
    pub fn is_exact(&self) -> bool {
        self.missing_on_source.0 == 0 && self.different.0 == 0
    }
}

fn note(list: &mut (u64, Vec<String>), path: &str) {
    list.0 += 1;
    if list.1.len() < LISTED_FILES {
        list.1.push(path.to_owned());
    }
}

/// What to do with each asset's file.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Mode {
    Copy,
    Verify,
}

/// Stores every asset file of `rows`' database from `from` into `to`, at the same path; a file
/// the target already has with the same bytes is left alone, so a repeated run copies only what
/// is missing. A file the source lacks is reported, not fatal.
///
/// # Errors
/// Database and storage errors; [`Error::Conflict`] when the target holds other bytes at an
/// asset's path (nothing is overwritten).
pub async fn copy_files(
    rows: &dyn DatabaseAdapter,
    from: &dyn StorageAdapter,
    to: &dyn StorageAdapter,
    batch_size: u32,
    progress: &dyn Progress,
) -> Result<FilesReport> {
    walk(rows, from, to, batch_size, progress, Mode::Copy).await
}

/// Checks that every asset file of `rows`' database is in `to` with the bytes it has in `from`.
///
/// # Errors
/// Database and storage errors; differences are in the report.
pub async fn verify_files(
    rows: &dyn DatabaseAdapter,
    from: &dyn StorageAdapter,
    to: &dyn StorageAdapter,
    batch_size: u32,
    progress: &dyn Progress,
) -> Result<FilesReport> {
    walk(rows, from, to, batch_size, progress, Mode::Verify).await
}

async fn walk(
    rows: &dyn DatabaseAdapter,
    from: &dyn StorageAdapter,
    to: &dyn StorageAdapter,
    batch_size: u32,
    progress: &dyn Progress,
    mode: Mode,
) -> Result<FilesReport> {
    let assets = Table::named("cms_assets")
        .ok_or_else(|| Error::invalid("cms_assets", "not in the catalog"))?;
    let (path_column, type_column) = match (
        assets.columns.iter().find(|c| c.name == "path"),
        assets.columns.iter().find(|c| c.name == "mime_type"),
    ) {
        (Some(p), Some(t)) => (p, t),
        _ => return Err(Error::invalid("cms_assets", "has no path or mime_type")),
    };
    let step = match mode {
        Mode::Copy => Step::Files,
        Mode::Verify => Step::VerifyFiles,
    };
    let mut reader = rows.rows()?.read().await?;
    let total = reader.count_rows(assets).await?;
    progress.table_started(step, "files", total, 0);
    let mut report = FilesReport::default();
    let mut after = None;
    let limit = batch_size.clamp(1, super::MAX_BATCH_SIZE);
    loop {
        let batch = reader.read_rows(assets, after.as_deref(), limit).await?;
        let Some(last) = batch.last() else { break };
        after = Some(super::key_of(assets, last)?);
        for row in &batch {
            report.assets += 1;
            let (Cell::Text(path), content_type) = (
                cell(assets, path_column, row)?,
                cell(assets, type_column, row)?,
            ) else {
                continue;
            };
            let content_type = match content_type {
                Cell::Text(t) => t,
                _ => "application/octet-stream",
            };
            let bytes = match from.read(path).await {
                Ok(bytes) => bytes,
                Err(Error::NotFound { .. }) => {
                    note(&mut report.missing_on_source, path);
                    continue;
                }
                Err(e) => return Err(e),
            };
            let there = match to.read(path).await {
                Ok(there) => Some(there),
                Err(Error::NotFound { .. }) => None,
                Err(e) => return Err(e),
            };
            match (there, mode) {
                (Some(there), _) if Sha256::digest(&there) == Sha256::digest(&bytes) => {
                    report.present += 1;
                }
                (Some(_), Mode::Copy) => {
                    return Err(Error::Conflict {
                        entity: "asset file",
                        constraint: format!("{path} holds other bytes on the target"),
                    });
                }
                (None, Mode::Copy) => {
                    to.store(path, bytes, content_type).await?;
                    report.copied += 1;
                }
                (_, Mode::Verify) => note(&mut report.different, path),
            }
        }
        progress.advanced(step, "files", batch.len() as u64);
    }
    progress.table_finished(step, "files");
    Ok(report)
}

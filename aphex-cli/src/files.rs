//! `--files-from` / `--files-to`: the asset files, between two storages.

use std::process::ExitCode;
use std::sync::Arc;

use aphex::copy::{self, FilesReport, Progress};
use aphex::ports::DatabaseAdapter;
use aphex::storage::StorageAdapter;
use aphex_storage::{ObjectStoreAdapter, S3Config};

use crate::{Files, fail};

/// A storage of asset files.
type Storage = Arc<dyn StorageAdapter>;

/// The storage a `--files-*` value names.
fn open(spec: &str) -> Result<Storage, aphex::Error> {
    // The public URL does not matter here: files keep their paths, rows keep their URLs.
    Ok(match spec.strip_prefix("s3://") {
        Some(bucket) => Arc::new(ObjectStoreAdapter::s3(S3Config::from_env_for_bucket(
            bucket.trim_end_matches('/'),
        )?)?),
        None => {
            std::fs::create_dir_all(spec)
                .map_err(|e| aphex::Error::invalid("files", format!("{spec}: {e}")))?;
            Arc::new(ObjectStoreAdapter::local(spec, "/media")?)
        }
    })
}

fn print(report: &FilesReport) -> bool {
    println!(
        "files: {} assets, {} copied, {} already there",
        report.assets, report.copied, report.present
    );
    for (what, list) in [
        ("missing in the source storage", &report.missing_on_source),
        ("missing or different on the target", &report.different),
    ] {
        if list.0 > 0 {
            println!("  {} {what}: {}", list.0, list.1.join(", "));
        }
    }
    report.is_exact()
}

/// The source and target storages, when both `--files-*` are given.
fn storages(files: &Files) -> Result<Option<(Storage, Storage)>, ExitCode> {
    let (Some(from), Some(to)) = (&files.files_from, &files.files_to) else {
        return Ok(None);
    };
    match (open(from), open(to)) {
        (Ok(f), Ok(t)) => Ok(Some((f, t))),
        (Err(e), _) => Err(fail("opening the source file storage", e)),
        (_, Err(e)) => Err(fail("opening the target file storage", e)),
    }
}

/// Copies the files of `rows`' assets when asked; `Ok(false)` when one is missing or differs.
pub async fn copy(
    files: &Files,
    rows: &dyn DatabaseAdapter,
    batch_size: u32,
    verify: bool,
    progress: &dyn Progress,
) -> Result<bool, ExitCode> {
    let Some((from, to)) = storages(files)? else {
        return Ok(true);
    };
    let copied = copy::copy_files(rows, from.as_ref(), to.as_ref(), batch_size, progress)
        .await
        .map_err(|e| fail("copying files", e))?;
    let exact = print(&copied);
    if !verify {
        return Ok(exact);
    }
    Ok(compare(rows, &from, &to, batch_size, progress).await? && exact)
}

/// Verifies the files of `rows`' assets when asked.
pub async fn verify(
    files: &Files,
    rows: &dyn DatabaseAdapter,
    batch_size: u32,
    progress: &dyn Progress,
) -> Result<bool, ExitCode> {
    let Some((from, to)) = storages(files)? else {
        return Ok(true);
    };
    compare(rows, &from, &to, batch_size, progress).await
}

/// Compares the files of `rows`' assets in `from` and `to`, and prints what it found.
async fn compare(
    rows: &dyn DatabaseAdapter,
    from: &Storage,
    to: &Storage,
    batch_size: u32,
    progress: &dyn Progress,
) -> Result<bool, ExitCode> {
    let verified = copy::verify_files(rows, from.as_ref(), to.as_ref(), batch_size, progress)
        .await
        .map_err(|e| fail("verifying files", e))?;
    Ok(print(&verified))
}

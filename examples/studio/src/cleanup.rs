//! `aphex-studio cleanup-assets`: lists, and unless `--dry-run` deletes, the stored files no
//! asset row points to — what a studio killed mid-upload (file stored, row not yet written) or
//! mid-delete (row gone, file not yet) leaves behind, and the temporary files of interrupted
//! writes. Files younger than `--older-than` seconds are left alone: they may belong to an
//! upload still in progress on a running studio.

use std::time::Duration;

use crate::backend;
use crate::config::Config;

type BoxError = Box<dyn std::error::Error + Send + Sync>;

/// Runs the cleanup; prints one line per orphaned file and a summary.
pub async fn run(config: &Config, older_than: Duration, dry_run: bool) -> Result<(), BoxError> {
    let (cms, storage) = backend::open(config).await?;
    let assets = cms.assets();
    let files = if dry_run {
        assets.orphaned_files(&*storage, older_than).await?
    } else {
        assets.remove_orphaned_files(&*storage, older_than).await?
    };
    let verb = if dry_run { "orphaned" } else { "removed" };
    for file in &files {
        let partial = if file.partial {
            " (left by an interrupted write)"
        } else {
            ""
        };
        println!("{verb} {} ({} bytes){partial}", file.path, file.size);
    }
    println!(
        "{} file(s) {verb} in {} storage",
        files.len(),
        storage.name()
    );
    Ok(())
}

//! `aphex`: the aphex-rs command line.
//!
//! `aphex copy --from URL --to URL` moves a whole CMS between any two of SQLite, PostgreSQL and
//! MongoDB and verifies it; `aphex copy verify --from URL --to URL` only compares.
//! See `docs/copy.md`. Exit codes: 0 the target is exact, 1 an error, 2 a verification that
//! found differences (each one is reported).

mod files;
mod progress;

use std::process::ExitCode;
use std::sync::Arc;

use aphex::copy::{self, CopyOptions, DEFAULT_BATCH_SIZE, Progress, VerifyReport};
use aphex::ports::DatabaseAdapter;
use clap::{Args, Parser, Subcommand};

/// The aphex-rs command line.
#[derive(Debug, Parser)]
#[command(name = "aphex", version, about)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Copy a whole CMS from one database to another (any of SQLite, PostgreSQL, MongoDB),
    /// then verify it.
    #[command(args_conflicts_with_subcommands = true)]
    Copy {
        #[command(subcommand)]
        verify: Option<VerifyCommand>,
        #[command(flatten)]
        args: Option<CopyArgs>,
    },
}

#[derive(Debug, Subcommand)]
enum VerifyCommand {
    /// Compare two databases table by table, row by row, without copying.
    Verify {
        #[command(flatten)]
        ends: Ends,
        #[command(flatten)]
        files: Files,
        /// Rows per read.
        #[arg(long, default_value_t = DEFAULT_BATCH_SIZE)]
        batch_size: u32,
    },
}

#[derive(Debug, Args)]
struct Ends {
    /// The source: `sqlite://path.db`, `postgres://…`, `mongodb://…/db`. Only read.
    #[arg(long, env = "APHEX_COPY_FROM")]
    from: String,
    /// The target: brought to the current schema, then written.
    #[arg(long, env = "APHEX_COPY_TO")]
    to: String,
}

/// Where the asset files are: a directory, or `s3://bucket` (the server and credentials from
/// `APHEX_S3_ENDPOINT`, `AWS_REGION`, `AWS_ACCESS_KEY_ID`, `AWS_SECRET_ACCESS_KEY`,
/// `APHEX_S3_ALLOW_HTTP`, as for the studio).
#[derive(Debug, Clone, Args)]
struct Files {
    /// The storage holding the source's asset files: also copy (or verify) the files.
    #[arg(long, requires = "files_to")]
    files_from: Option<String>,
    /// The storage to copy the asset files into.
    #[arg(long, requires = "files_from")]
    files_to: Option<String>,
}

#[derive(Debug, Args)]
struct CopyArgs {
    /// The source: `sqlite://path.db`, `postgres://…`, `mongodb://…/db`. Only read.
    #[arg(long, env = "APHEX_COPY_FROM")]
    from: String,
    /// The target: brought to the current schema, then written.
    #[arg(long, env = "APHEX_COPY_TO")]
    to: String,
    /// The storage holding the source's asset files: also copy the files (see `Files`).
    #[arg(long, requires = "files_to")]
    files_from: Option<String>,
    /// The storage to copy the asset files into.
    #[arg(long, requires = "files_from")]
    files_to: Option<String>,
    /// Continue an interrupted copy into a target that is not empty.
    #[arg(long)]
    resume: bool,
    /// Skip the verification after copying.
    #[arg(long)]
    no_verify: bool,
    /// Rows per read and per write.
    #[arg(long, default_value_t = DEFAULT_BATCH_SIZE)]
    batch_size: u32,
}

pub(crate) fn fail(what: &str, err: impl std::fmt::Display) -> ExitCode {
    eprintln!("error: {what}: {err}");
    ExitCode::from(1)
}

/// The exit code of a verification, after printing it.
fn report(verified: &VerifyReport) -> ExitCode {
    print!("{verified}");
    if verified.is_exact() {
        println!("verified: the target is identical to the source");
        ExitCode::SUCCESS
    } else {
        println!("verified: the target DIFFERS from the source (see above)");
        ExitCode::from(2)
    }
}

async fn open(url: &str, migrate: bool) -> Result<Arc<dyn DatabaseAdapter>, aphex::Error> {
    if migrate {
        aphex::connect_and_migrate(url).await
    } else {
        aphex::connect(url).await
    }
}

async fn run(cli: Cli) -> ExitCode {
    let progress = progress::for_stderr();
    let progress: &dyn Progress = progress.as_ref();
    match cli.command {
        Command::Copy {
            verify:
                Some(VerifyCommand::Verify {
                    ends,
                    files,
                    batch_size,
                }),
            ..
        } => {
            let (from, to) = match (open(&ends.from, false).await, open(&ends.to, false).await) {
                (Ok(f), Ok(t)) => (f, t),
                (Err(e), _) => return fail("opening the source", e),
                (_, Err(e)) => return fail("opening the target", e),
            };
            let verified =
                match copy::verify(from.as_ref(), to.as_ref(), batch_size, progress).await {
                    Ok(verified) => verified,
                    Err(e) => return fail("verifying", e),
                };
            let code = report(&verified);
            match files::verify(&files, from.as_ref(), batch_size, progress).await {
                Ok(true) => code,
                Ok(false) => ExitCode::from(2),
                Err(code) => code,
            }
        }
        Command::Copy {
            args: Some(args), ..
        } => {
            let from = match open(&args.from, false).await {
                Ok(db) => db,
                Err(e) => return fail("opening the source", e),
            };
            let to = match open(&args.to, true).await {
                Ok(db) => db,
                Err(e) => return fail("opening the target", e),
            };
            let options = CopyOptions::new()
                .batch_size(args.batch_size)
                .resume(args.resume)
                .verify(!args.no_verify);
            match copy::copy(from.as_ref(), to.as_ref(), &options, progress).await {
                Ok(done) => {
                    println!(
                        "copied {} rows from {} to {}{}",
                        done.rows(),
                        from.backend(),
                        to.backend(),
                        if done.snapshot {
                            " (one consistent snapshot of the source)"
                        } else {
                            " (read batch by batch: not one snapshot)"
                        }
                    );
                    let code = match &done.verified {
                        Some(verified) => report(verified),
                        None => ExitCode::SUCCESS,
                    };
                    let files = Files {
                        files_from: args.files_from.clone(),
                        files_to: args.files_to.clone(),
                    };
                    match files::copy(
                        &files,
                        from.as_ref(),
                        args.batch_size,
                        !args.no_verify,
                        progress,
                    )
                    .await
                    {
                        Ok(true) => code,
                        Ok(false) => ExitCode::from(2),
                        Err(code) => code,
                    }
                }
                Err(e) => fail("copying", e),
            }
        }
        Command::Copy { .. } => fail("copy", "give --from and --to (see `aphex copy --help`)"),
    }
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt.block_on(run(cli)),
        Err(e) => fail("starting the runtime", e),
    }
}

//! `aphex-studio`: an HTTP content API over aphex-rs.
//!
//! ```text
//! cargo run -p aphex-studio                                   # SQLite ./aphex.db on 127.0.0.1:3000
//! DATABASE_URL=postgres://… cargo run -p aphex-studio --features postgres
//! DATABASE_URL=mongodb://…/cms cargo run -p aphex-studio --features mongodb
//! ```
//!
//! `aphex-studio cleanup-assets [--dry-run] [--older-than SECONDS]` removes stored files no
//! asset points to (see `cleanup.rs`). See `docs/studio.md` for the routes and a curl
//! walkthrough.

mod backend;
mod caller;
mod cleanup;
mod config;
mod content;
mod error;
mod routes;
mod state;
mod webhooks;

use std::net::SocketAddr;
use std::process::ExitCode;
use std::time::Duration;

use aphex::service::{DELIVER_WEBHOOK_JOB, SignUp, Worker};
use clap::{Parser, Subcommand};
use tracing_subscriber::EnvFilter;

use crate::config::Config;
use crate::state::AppState;

/// An HTTP content API over aphex-rs; settings come from the environment (docs/studio.md).
#[derive(Parser)]
#[command(version)]
struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Subcommand)]
enum Command {
    /// Serve the API (the default).
    Serve,
    /// Delete stored files that no asset points to (left by a crash mid-upload or mid-delete).
    CleanupAssets {
        /// Only list them.
        #[arg(long)]
        dry_run: bool,
        /// Leave files younger than this many seconds (an upload may be in progress).
        #[arg(long, default_value_t = 3600)]
        older_than: u64,
    },
}

#[tokio::main]
async fn main() -> ExitCode {
    let cli = Cli::parse();
    tracing_subscriber::fmt()
        .with_env_filter(
            EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("warn")),
        )
        .init();
    let outcome = match cli.command.unwrap_or(Command::Serve) {
        Command::Serve => run().await,
        Command::CleanupAssets {
            dry_run,
            older_than,
        } => match Config::from_env() {
            Ok(config) => cleanup::run(&config, Duration::from_secs(older_than), dry_run).await,
            Err(e) => Err(e.into()),
        },
    };
    match outcome {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("aphex-studio: {e}");
            ExitCode::FAILURE
        }
    }
}

async fn run() -> Result<(), Box<dyn std::error::Error + Send + Sync>> {
    let config = Config::from_env()?;
    let (cms, storage) = backend::open(&config).await?;
    let auth = cms
        .auth()
        .cloned()
        .ok_or("authentication is not configured")?;
    let state = AppState {
        cms,
        auth,
        storage,
        max_upload_bytes: config.max_upload_bytes,
        max_body_bytes: config.max_body_bytes,
        public_read: config.public_read,
        cookie_secure: config.cookie_secure,
        open_signup: config.open_signup,
    };
    let listener = tokio::net::TcpListener::bind(config.listen).await?;
    let addr = listener.local_addr()?;
    bootstrap_admin(&state, &config, addr).await?;
    println!(
        "aphex-studio listening on http://{addr} (database: {}, storage: {})",
        state.cms.adapter().backend(),
        state.storage.name()
    );
    // The job worker (scheduled publishes, ...) runs beside the server until it stops.
    let (stop, stopped) = tokio::sync::watch::channel(false);
    let mut background = Vec::new();
    if let Some(poll) = config.job_poll {
        let worker = Worker::new(state.cms.clone())
            .handler(DELIVER_WEBHOOK_JOB, webhooks::Deliver::new()?)
            .backoff(config.job_backoff, Duration::from_secs(3600))
            .poll(poll);
        let mut stop_worker = stopped.clone();
        background.push(tokio::spawn(async move {
            worker
                .run_until(async move {
                    let _ = stop_worker.changed().await;
                })
                .await;
        }));
        let mut stop_dispatcher = stopped.clone();
        let cms = state.cms.clone();
        background.push(tokio::spawn(async move {
            cms.webhooks()
                .dispatch_until(100, poll, async move {
                    let _ = stop_dispatcher.changed().await;
                })
                .await;
        }));
    }
    let app = routes::app(state).into_make_service_with_connect_info::<SocketAddr>();
    let served = axum::serve(listener, app)
        .with_graceful_shutdown(shutdown())
        .await;
    let _ = stop.send(true);
    for task in background {
        let _ = task.await;
    }
    served?;
    Ok(())
}

/// With no users yet: create the admin from `APHEX_ADMIN_EMAIL`/`APHEX_ADMIN_PASSWORD`, or say
/// how to create one (the first user to sign up becomes admin).
async fn bootstrap_admin(
    state: &AppState,
    config: &Config,
    addr: SocketAddr,
) -> Result<(), Box<dyn std::error::Error + Send + Sync>> {
    if state.cms.adapter().count_users().await? > 0 {
        return Ok(());
    }
    match &config.admin {
        Some((email, password, name)) => {
            let signed = state
                .auth
                .sign_up_email(
                    SignUp::new(name.clone(), email.clone(), password.clone())
                        .role(aphex::model::Role::Admin),
                )
                .await?;
            println!("created the first admin: {}", signed.user.email);
        }
        None => println!(
            "no users yet — create the first admin (the first user to sign up is the admin):\n  \
             curl -X POST http://{addr}/api/auth/sign-up/email -H 'content-type: application/json' \\\n  \
             -d '{{\"name\":\"Admin\",\"email\":\"admin@example.com\",\"password\":\"change-me-please\"}}'\n\
             or start with APHEX_ADMIN_EMAIL and APHEX_ADMIN_PASSWORD set"
        ),
    }
    Ok(())
}

async fn shutdown() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        _ = ctrl_c => {},
        _ = terminate => {},
    }
}

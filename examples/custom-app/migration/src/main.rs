//! `cargo run -- up` (or `sea-orm-cli migrate up -d migration`) with `DATABASE_URL` set.

use sea_orm_migration::prelude::*;

#[tokio::main]
async fn main() {
    cli::run_cli(migration::Migrator).await;
}

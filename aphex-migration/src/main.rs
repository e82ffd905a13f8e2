//! `aphex-migration up | down | status | fresh | refresh | reset` against `DATABASE_URL`: the CMS
//! migrations on their own, with their history in `aphex_migrations`.

use sea_orm_migration::prelude::*;

#[tokio::main]
async fn main() {
    cli::run_cli(aphex_migration::Migrator).await;
}

//! The aphex-rs schema as sea-orm-migration migrations: content tables, the Better Auth tables
//! (exactly as Better Auth 1.7 creates them), user profiles and indexes. Runs on PostgreSQL
//! (enum types, `jsonb`, `timestamptz`, GIN indexes) and SQLite.
//!
//! ```text
//! DATABASE_URL=sqlite://./app.db?mode=rwc cargo run -p migration -- up
//! ```

pub use sea_orm_migration::prelude::*;

mod columns;
mod m20261124_000001_create_enum_types;
mod m20261124_000002_create_user;
mod m20261124_000003_create_session;
mod m20261124_000004_create_account;
mod m20261124_000005_create_verification;
mod m20261124_000006_create_apikey;
mod m20261124_000007_create_cms_user_profiles;
mod m20261124_000008_create_cms_schema_types;
mod m20261124_000009_create_cms_documents;
mod m20261124_000010_create_cms_document_versions;
mod m20261124_000011_create_cms_assets;

/// The migrations, in order.
pub struct Migrator;

#[async_trait::async_trait]
impl MigratorTrait for Migrator {
    fn migrations() -> Vec<Box<dyn MigrationTrait>> {
        vec![
            Box::new(m20261124_000001_create_enum_types::Migration),
            Box::new(m20261124_000002_create_user::Migration),
            Box::new(m20261124_000003_create_session::Migration),
            Box::new(m20261124_000004_create_account::Migration),
            Box::new(m20261124_000005_create_verification::Migration),
            Box::new(m20261124_000006_create_apikey::Migration),
            Box::new(m20261124_000007_create_cms_user_profiles::Migration),
            Box::new(m20261124_000008_create_cms_schema_types::Migration),
            Box::new(m20261124_000009_create_cms_documents::Migration),
            Box::new(m20261124_000010_create_cms_document_versions::Migration),
            Box::new(m20261124_000011_create_cms_assets::Migration),
        ]
    }
}

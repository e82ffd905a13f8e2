//! The application's migrator, as `sea-orm-cli migrate init` lays it out, with the CMS
//! migrations composed in front of the application's own: one history (`seaql_migrations`), one
//! `up`, and the app's tables may reference the CMS's (`bookmarks.user_id` → `user.id`).

pub use sea_orm_migration::prelude::*;

mod m20261201_000001_create_bookmarks;

pub struct Migrator;

#[async_trait::async_trait]
impl MigratorTrait for Migrator {
    fn migrations() -> Vec<Box<dyn MigrationTrait>> {
        // The CMS schema first: the app's migrations build on it.
        let mut all = aphex_migration::migrations();
        all.push(Box::new(m20261201_000001_create_bookmarks::Migration));
        all
    }
}

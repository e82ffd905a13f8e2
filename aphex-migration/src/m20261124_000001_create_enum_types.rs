//! PostgreSQL enum types `document_status`, `schema_type`, `user_role`. SQLite has no enum
//! types: its columns are `text` with a CHECK (see `columns.rs`).

use sea_orm_migration::prelude::extension::postgres::Type;
use sea_orm_migration::prelude::*;

use crate::columns::Columns;

#[derive(DeriveMigrationName)]
pub struct Migration;

/// The enum types and their values.
pub(crate) const ENUMS: [(&str, &[&str]); 3] = [
    ("document_status", &["draft", "published", "unpublished"]),
    ("schema_type", &["document", "object"]),
    ("user_role", &["admin", "editor", "viewer"]),
];

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        if !Columns::of(manager).is_postgres() {
            return Ok(());
        }
        for (name, values) in ENUMS {
            manager
                .create_type(
                    Type::create()
                        .as_enum(Alias::new(name))
                        .values(values.iter().map(|v| Alias::new(*v)))
                        .to_owned(),
                )
                .await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        if !Columns::of(manager).is_postgres() {
            return Ok(());
        }
        for (name, _) in ENUMS {
            manager
                .drop_type(Type::drop().if_exists().name(Alias::new(name)).to_owned())
                .await?;
        }
        Ok(())
    }
}

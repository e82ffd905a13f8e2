//! `cms_user_profiles`: CMS role and preferences per Better Auth user.

use sea_orm_migration::prelude::*;

use crate::columns::{Columns, cascade};
use crate::m20261124_000002_create_user::User;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum CmsUserProfiles {
    Table,
    UserId,
    Role,
    Preferences,
    CreatedAt,
    UpdatedAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let c = Columns::of(manager);
        manager
            .create_table(
                Table::create()
                    .table(CmsUserProfiles::Table)
                    .col(c.text(CmsUserProfiles::UserId).not_null().primary_key())
                    .col(
                        c.enumeration(
                            CmsUserProfiles::Role,
                            "user_role",
                            &["admin", "editor", "viewer"],
                        )
                        .not_null()
                        .default("editor"),
                    )
                    .col(c.json(CmsUserProfiles::Preferences))
                    .col(c.timestamp(CmsUserProfiles::CreatedAt).not_null())
                    .col(c.timestamp(CmsUserProfiles::UpdatedAt).not_null())
                    .foreign_key(&mut cascade(
                        "cms_user_profiles_user_id_fkey",
                        (CmsUserProfiles::Table, CmsUserProfiles::UserId),
                        (User::Table, User::Id),
                    ))
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(CmsUserProfiles::Table).to_owned())
            .await
    }
}

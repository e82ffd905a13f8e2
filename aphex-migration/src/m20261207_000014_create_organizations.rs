//! Organizations (multi-tenant content): Better Auth's organization plugin tables —
//! `organization`, `organization_role` (custom roles, dynamic access control), `member`,
//! `invitation` and `session.active_organization_id` — exactly as Better Auth 1.7.5 creates them
//! with our snake_case mapping, plus one column of ours, `organization.parent_id` (nullable, so
//! Better Auth's schema check accepts it), for the hierarchy.
//!
//! Every content table (`cms_documents`, `cms_document_versions`, `cms_assets`) gets an
//! `organization_id`. Existing rows land in the default organization ([`DEFAULT_ORGANIZATION_ID`],
//! created here): the column's default is that id, so adding it to a populated table rewrites
//! nothing on PostgreSQL and SQLite. There is no foreign key from content to `organization`
//! (SQLite cannot add one to an existing table, MongoDB has none): deleting an organization
//! leaves its content in place, on every backend alike. Schema types and user profiles stay
//! global (schema types are code, shared by every organization).

use sea_orm_migration::prelude::*;

use crate::columns::{Columns, cascade, index};
use crate::m20261124_000002_create_user::User;
use crate::m20261124_000009_create_cms_documents::CmsDocuments;

/// The organization every row written before organizations existed belongs to, and where an
/// application that never mentions organizations keeps its content.
pub const DEFAULT_ORGANIZATION_ID: &str = "default";

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
pub(crate) enum Organization {
    Table,
    Id,
    Name,
    Slug,
    Logo,
    CreatedAt,
    Metadata,
    ParentId,
}

#[derive(DeriveIden)]
enum OrganizationRole {
    Table,
    Id,
    OrganizationId,
    Role,
    Permission,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum Member {
    Table,
    Id,
    OrganizationId,
    UserId,
    Role,
    CreatedAt,
}

#[derive(DeriveIden)]
enum Invitation {
    Table,
    Id,
    OrganizationId,
    Email,
    Role,
    Status,
    ExpiresAt,
    CreatedAt,
    InviterId,
}

#[derive(DeriveIden)]
enum Session {
    Table,
    ActiveOrganizationId,
}

#[derive(DeriveIden)]
enum Content {
    OrganizationId,
    Type,
    UpdatedAt,
    DocumentId,
    CreatedAt,
    #[sea_orm(iden = "cms_document_versions")]
    Versions,
    #[sea_orm(iden = "cms_assets")]
    Assets,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let c = Columns::of(manager);
        manager
            .create_table(
                Table::create()
                    .table(Organization::Table)
                    .col(c.text(Organization::Id).not_null().primary_key())
                    .col(c.text(Organization::Name).not_null())
                    .col(c.text(Organization::Slug).not_null().unique_key())
                    .col(c.text(Organization::Logo))
                    .col(c.auth_timestamp(Organization::CreatedAt).not_null())
                    .col(c.text(Organization::Metadata))
                    .col(c.text(Organization::ParentId))
                    .foreign_key(
                        ForeignKey::create()
                            .name("organization_parent_id_fkey")
                            .from(Organization::Table, Organization::ParentId)
                            .to(Organization::Table, Organization::Id)
                            .on_delete(ForeignKeyAction::SetNull),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(OrganizationRole::Table)
                    .col(c.text(OrganizationRole::Id).not_null().primary_key())
                    .col(c.text(OrganizationRole::OrganizationId).not_null())
                    .col(c.text(OrganizationRole::Role).not_null())
                    .col(c.text(OrganizationRole::Permission).not_null())
                    .col(
                        c.now_default_on_pg(
                            c.auth_timestamp(OrganizationRole::CreatedAt)
                                .not_null()
                                .to_owned(),
                        ),
                    )
                    .col(c.auth_timestamp(OrganizationRole::UpdatedAt))
                    .foreign_key(&mut cascade(
                        "organization_role_organization_id_fkey",
                        (OrganizationRole::Table, OrganizationRole::OrganizationId),
                        (Organization::Table, Organization::Id),
                    ))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(Member::Table)
                    .col(c.text(Member::Id).not_null().primary_key())
                    .col(c.text(Member::OrganizationId).not_null())
                    .col(c.text(Member::UserId).not_null())
                    .col(c.text(Member::Role).not_null())
                    .col(c.auth_timestamp(Member::CreatedAt).not_null())
                    .foreign_key(&mut cascade(
                        "member_organization_id_fkey",
                        (Member::Table, Member::OrganizationId),
                        (Organization::Table, Organization::Id),
                    ))
                    .foreign_key(&mut cascade(
                        "member_user_id_fkey",
                        (Member::Table, Member::UserId),
                        (User::Table, User::Id),
                    ))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(Invitation::Table)
                    .col(c.text(Invitation::Id).not_null().primary_key())
                    .col(c.text(Invitation::OrganizationId).not_null())
                    .col(c.text(Invitation::Email).not_null())
                    .col(c.text(Invitation::Role))
                    .col(c.text(Invitation::Status).not_null())
                    .col(c.auth_timestamp(Invitation::ExpiresAt).not_null())
                    .col(
                        c.now_default_on_pg(
                            c.auth_timestamp(Invitation::CreatedAt)
                                .not_null()
                                .to_owned(),
                        ),
                    )
                    .col(c.text(Invitation::InviterId).not_null())
                    .foreign_key(&mut cascade(
                        "invitation_organization_id_fkey",
                        (Invitation::Table, Invitation::OrganizationId),
                        (Organization::Table, Organization::Id),
                    ))
                    .foreign_key(&mut cascade(
                        "invitation_inviter_id_fkey",
                        (Invitation::Table, Invitation::InviterId),
                        (User::Table, User::Id),
                    ))
                    .to_owned(),
            )
            .await?;
        let indexes = [
            index(
                "organization_role_organization_id_idx",
                OrganizationRole::Table,
                [OrganizationRole::OrganizationId.into_iden()],
            ),
            index(
                "organization_role_role_idx",
                OrganizationRole::Table,
                [OrganizationRole::Role.into_iden()],
            ),
            index(
                "member_organization_id_idx",
                Member::Table,
                [Member::OrganizationId.into_iden()],
            ),
            index(
                "member_user_id_idx",
                Member::Table,
                [Member::UserId.into_iden()],
            ),
            index(
                "invitation_organization_id_idx",
                Invitation::Table,
                [Invitation::OrganizationId.into_iden()],
            ),
            index(
                "invitation_email_idx",
                Invitation::Table,
                [Invitation::Email.into_iden()],
            ),
            index(
                "organization_parent_id_idx",
                Organization::Table,
                [Organization::ParentId.into_iden()],
            ),
        ];
        for idx in indexes {
            manager.create_index(idx).await?;
        }
        manager
            .alter_table(
                Table::alter()
                    .table(Session::Table)
                    .add_column(c.text(Session::ActiveOrganizationId))
                    .to_owned(),
            )
            .await?;

        let now = if c.is_postgres() {
            "now()"
        } else {
            "strftime('%Y-%m-%dT%H:%M:%fZ', 'now')"
        };
        manager
            .get_connection()
            .execute_unprepared(&format!(
                r#"INSERT INTO "organization" ("id", "name", "slug", "created_at") VALUES ('{DEFAULT_ORGANIZATION_ID}', 'Default', '{DEFAULT_ORGANIZATION_ID}', {now})"#
            ))
            .await?;

        for table in [
            CmsDocuments::Table.into_iden(),
            Content::Versions.into_iden(),
            Content::Assets.into_iden(),
        ] {
            manager
                .alter_table(
                    Table::alter()
                        .table(table)
                        .add_column(
                            c.text(Content::OrganizationId)
                                .not_null()
                                .default(DEFAULT_ORGANIZATION_ID),
                        )
                        .to_owned(),
                )
                .await?;
        }
        // Lists and counts run per organization and type; versions are reached through their
        // document; assets are listed newest first.
        let content_indexes = [
            index(
                "cms_documents_organization_id_type_updated_at_idx",
                CmsDocuments::Table,
                [
                    Content::OrganizationId.into_iden(),
                    Content::Type.into_iden(),
                    Content::UpdatedAt.into_iden(),
                ],
            ),
            index(
                "cms_document_versions_organization_id_document_id_idx",
                Content::Versions,
                [
                    Content::OrganizationId.into_iden(),
                    Content::DocumentId.into_iden(),
                ],
            ),
            index(
                "cms_assets_organization_id_created_at_idx",
                Content::Assets,
                [
                    Content::OrganizationId.into_iden(),
                    Content::CreatedAt.into_iden(),
                ],
            ),
        ];
        for idx in content_indexes {
            manager.create_index(idx).await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for (table, name) in [
            (
                CmsDocuments::Table.into_iden(),
                "cms_documents_organization_id_type_updated_at_idx",
            ),
            (
                Content::Versions.into_iden(),
                "cms_document_versions_organization_id_document_id_idx",
            ),
            (
                Content::Assets.into_iden(),
                "cms_assets_organization_id_created_at_idx",
            ),
        ] {
            manager
                .drop_index(Index::drop().name(name).table(table.clone()).to_owned())
                .await?;
            manager
                .alter_table(
                    Table::alter()
                        .table(table)
                        .drop_column(Content::OrganizationId)
                        .to_owned(),
                )
                .await?;
        }
        manager
            .alter_table(
                Table::alter()
                    .table(Session::Table)
                    .drop_column(Session::ActiveOrganizationId)
                    .to_owned(),
            )
            .await?;
        for table in [
            Invitation::Table.into_iden(),
            Member::Table.into_iden(),
            OrganizationRole::Table.into_iden(),
            Organization::Table.into_iden(),
        ] {
            manager
                .drop_table(Table::drop().table(table).to_owned())
                .await?;
        }
        Ok(())
    }
}

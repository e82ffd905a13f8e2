use async_trait::async_trait;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder,
    QuerySelect, Set,
};

use aphex_core::model::{Invitation, InvitationStatus, Member, Organization, OrganizationRole};
use aphex_core::ports::OrganizationStore;
use aphex_core::{Error, Result};

use super::SeaStore;
use crate::dialect::Dialect;
use crate::entity::organization::{ActiveModel, Column, Entity, Model};
use crate::entity::{invitation, member, organization_role};

const ENTITY: &str = "organization";

fn to_core(m: Model) -> Organization {
    Organization {
        id: m.id,
        name: m.name,
        slug: m.slug,
        logo: m.logo,
        created_at: m.created_at,
        metadata: m.metadata,
        parent_id: m.parent_id,
    }
}

fn member_to_core(m: member::Model) -> Member {
    Member {
        id: m.id,
        organization_id: m.organization_id,
        user_id: m.user_id,
        role: m.role,
        created_at: m.created_at,
    }
}

fn invitation_to_core(m: invitation::Model) -> Result<Invitation> {
    let status = InvitationStatus::parse(&m.status).ok_or_else(|| {
        Error::backend(
            "sql",
            format!("unknown invitation status {:?} in the database", m.status),
        )
    })?;
    Ok(Invitation {
        id: m.id,
        organization_id: m.organization_id,
        email: m.email,
        role: m.role,
        status,
        expires_at: m.expires_at,
        created_at: m.created_at,
        inviter_id: m.inviter_id,
    })
}

fn role_to_core(m: organization_role::Model) -> OrganizationRole {
    OrganizationRole {
        id: m.id,
        organization_id: m.organization_id,
        role: m.role,
        permission: m.permission,
        created_at: m.created_at,
        updated_at: m.updated_at,
    }
}

#[async_trait]
impl<C: ConnectionTrait + Send + Sync, B: Send + Sync> OrganizationStore for SeaStore<C, B> {
    async fn insert_organization(&self, o: &Organization) -> Result<Organization> {
        let model = ActiveModel {
            id: Set(o.id.clone()),
            name: Set(o.name.clone()),
            slug: Set(o.slug.clone()),
            logo: Set(o.logo.clone()),
            created_at: Set(o.created_at),
            metadata: Set(o.metadata.clone()),
            parent_id: Set(o.parent_id.clone()),
        };
        let row = model.insert(&self.conn).await.map_err(self.err(ENTITY))?;
        Ok(to_core(row))
    }

    async fn find_organization(&self, id: &str) -> Result<Option<Organization>> {
        let row = Entity::find_by_id(id.to_owned())
            .one(&self.conn)
            .await
            .map_err(self.err(ENTITY))?;
        Ok(row.map(to_core))
    }

    async fn find_organization_by_slug(&self, slug: &str) -> Result<Option<Organization>> {
        let row = Entity::find()
            .filter(Column::Slug.eq(slug))
            .one(&self.conn)
            .await
            .map_err(self.err(ENTITY))?;
        Ok(row.map(to_core))
    }

    async fn list_child_organizations(&self, parents: &[String]) -> Result<Vec<Organization>> {
        if parents.is_empty() {
            return Ok(Vec::new());
        }
        let rows = Entity::find()
            .filter(Column::ParentId.is_in(parents.iter().map(String::as_str)))
            .order_by_asc(Column::Id)
            .all(&self.conn)
            .await
            .map_err(self.err(ENTITY))?;
        Ok(rows.into_iter().map(to_core).collect())
    }

    async fn list_organizations(&self) -> Result<Vec<Organization>> {
        let rows = Entity::find()
            .order_by_asc(Column::Id)
            .all(&self.conn)
            .await
            .map_err(self.err(ENTITY))?;
        Ok(rows.into_iter().map(to_core).collect())
    }

    async fn delete_organization(&self, id: &str) -> Result<bool> {
        let res = Entity::delete_by_id(id.to_owned())
            .exec(&self.conn)
            .await
            .map_err(self.err(ENTITY))?;
        Ok(res.rows_affected > 0)
    }

    async fn lock_organization(&self, id: &str) -> Result<()> {
        let mut select = Entity::find_by_id(id.to_owned());
        if self.dialect() == Dialect::Postgres {
            select = select.lock_exclusive();
        }
        match select.one(&self.conn).await.map_err(self.err(ENTITY))? {
            Some(_) => Ok(()),
            None => Err(Error::not_found(ENTITY, id)),
        }
    }

    async fn insert_member(&self, m: &Member) -> Result<Member> {
        let model = member::ActiveModel {
            id: Set(m.id.clone()),
            organization_id: Set(m.organization_id.clone()),
            user_id: Set(m.user_id.clone()),
            role: Set(m.role.clone()),
            created_at: Set(m.created_at),
        };
        let row = model.insert(&self.conn).await.map_err(self.err("member"))?;
        Ok(member_to_core(row))
    }

    async fn find_member(&self, organization_id: &str, user_id: &str) -> Result<Option<Member>> {
        let row = member::Entity::find()
            .filter(member::Column::OrganizationId.eq(organization_id))
            .filter(member::Column::UserId.eq(user_id))
            .order_by_asc(member::Column::CreatedAt)
            .one(&self.conn)
            .await
            .map_err(self.err("member"))?;
        Ok(row.map(member_to_core))
    }

    async fn list_members(&self, organization_id: &str) -> Result<Vec<Member>> {
        self.members(member::Column::OrganizationId.eq(organization_id))
            .await
    }

    async fn list_memberships(&self, user_id: &str) -> Result<Vec<Member>> {
        self.members(member::Column::UserId.eq(user_id)).await
    }

    async fn update_member_role(&self, member_id: &str, role: &str) -> Result<Member> {
        let values = member::ActiveModel {
            role: Set(role.to_owned()),
            ..Default::default()
        };
        let mut rows = member::Entity::update_many()
            .set(values)
            .filter(member::Column::Id.eq(member_id))
            .exec_with_returning(&self.conn)
            .await
            .map_err(self.err("member"))?;
        rows.pop()
            .map(member_to_core)
            .ok_or_else(|| Error::not_found("member", member_id))
    }

    async fn delete_member(&self, member_id: &str) -> Result<bool> {
        let res = member::Entity::delete_by_id(member_id.to_owned())
            .exec(&self.conn)
            .await
            .map_err(self.err("member"))?;
        Ok(res.rows_affected > 0)
    }

    async fn insert_invitation(&self, i: &Invitation) -> Result<Invitation> {
        let model = invitation::ActiveModel {
            id: Set(i.id.clone()),
            organization_id: Set(i.organization_id.clone()),
            email: Set(i.email.clone()),
            role: Set(i.role.clone()),
            status: Set(i.status.as_str().to_owned()),
            expires_at: Set(i.expires_at),
            created_at: Set(i.created_at),
            inviter_id: Set(i.inviter_id.clone()),
        };
        let row = model
            .insert(&self.conn)
            .await
            .map_err(self.err("invitation"))?;
        invitation_to_core(row)
    }

    async fn find_invitation(&self, id: &str) -> Result<Option<Invitation>> {
        invitation::Entity::find_by_id(id.to_owned())
            .one(&self.conn)
            .await
            .map_err(self.err("invitation"))?
            .map(invitation_to_core)
            .transpose()
    }

    async fn list_invitations(&self, organization_id: &str) -> Result<Vec<Invitation>> {
        invitation::Entity::find()
            .filter(invitation::Column::OrganizationId.eq(organization_id))
            .order_by_desc(invitation::Column::CreatedAt)
            .order_by_asc(invitation::Column::Id)
            .all(&self.conn)
            .await
            .map_err(self.err("invitation"))?
            .into_iter()
            .map(invitation_to_core)
            .collect()
    }

    async fn set_invitation_status(
        &self,
        id: &str,
        from: InvitationStatus,
        to: InvitationStatus,
    ) -> Result<bool> {
        let values = invitation::ActiveModel {
            status: Set(to.as_str().to_owned()),
            ..Default::default()
        };
        let res = invitation::Entity::update_many()
            .set(values)
            .filter(invitation::Column::Id.eq(id))
            .filter(invitation::Column::Status.eq(from.as_str()))
            .exec(&self.conn)
            .await
            .map_err(self.err("invitation"))?;
        Ok(res.rows_affected > 0)
    }

    async fn insert_organization_role(&self, r: &OrganizationRole) -> Result<OrganizationRole> {
        let model = organization_role::ActiveModel {
            id: Set(r.id.clone()),
            organization_id: Set(r.organization_id.clone()),
            role: Set(r.role.clone()),
            permission: Set(r.permission.clone()),
            created_at: Set(r.created_at),
            updated_at: Set(r.updated_at),
        };
        let row = model
            .insert(&self.conn)
            .await
            .map_err(self.err("organization role"))?;
        Ok(role_to_core(row))
    }

    async fn list_organization_roles(
        &self,
        organization_id: &str,
    ) -> Result<Vec<OrganizationRole>> {
        let rows = organization_role::Entity::find()
            .filter(organization_role::Column::OrganizationId.eq(organization_id))
            .order_by_asc(organization_role::Column::Role)
            .all(&self.conn)
            .await
            .map_err(self.err("organization role"))?;
        Ok(rows.into_iter().map(role_to_core).collect())
    }

    async fn delete_organization_role(&self, organization_id: &str, role: &str) -> Result<bool> {
        let res = organization_role::Entity::delete_many()
            .filter(organization_role::Column::OrganizationId.eq(organization_id))
            .filter(organization_role::Column::Role.eq(role))
            .exec(&self.conn)
            .await
            .map_err(self.err("organization role"))?;
        Ok(res.rows_affected > 0)
    }
}

impl<C: ConnectionTrait + Send + Sync, B> SeaStore<C, B> {
    async fn members(&self, condition: sea_orm::sea_query::SimpleExpr) -> Result<Vec<Member>> {
        let rows = member::Entity::find()
            .filter(condition)
            .order_by_asc(member::Column::CreatedAt)
            .order_by_asc(member::Column::Id)
            .all(&self.conn)
            .await
            .map_err(self.err("member"))?;
        Ok(rows.into_iter().map(member_to_core).collect())
    }
}

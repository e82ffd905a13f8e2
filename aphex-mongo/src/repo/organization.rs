//! Better Auth's organization plugin collections — `organization` (plus `parentId`, ours),
//! `member`, `invitation`, `organization_role` — with camelCase fields and string `_id`s.
//! Deleting an organization deletes its members, invitations and roles, as the SQL schema's
//! cascades do, and makes its children top-level; its content stays. Inserting a member or an
//! invitation checks that the organization and the user exist (the SQL foreign keys).

use async_trait::async_trait;
use mongodb::bson::{Bson, Document, doc};

use aphex_core::model::{Invitation, InvitationStatus, Member, Organization, OrganizationRole};
use aphex_core::ports::OrganizationStore;
use aphex_core::{Error, Result};

use super::auth::require_user;
use super::collections::{INVITATIONS, MEMBERS, ORGANIZATION_ROLES, ORGANIZATIONS};
use super::{MongoStore, SessionMode, exec};
use crate::error::{malformed, map_err};
use crate::value::{Fields, date, opt, opt_date};

const ENTITY: &str = "organization";

fn to_core(d: &Document) -> Result<Organization> {
    let f = Fields::new(d, ORGANIZATIONS);
    Ok(Organization {
        id: f.str("_id")?,
        name: f.str("name")?,
        slug: f.str("slug")?,
        logo: f.opt_str("logo")?,
        created_at: f.date("createdAt")?,
        metadata: f.opt_str("metadata")?,
        parent_id: f.opt_str("parentId")?,
    })
}

fn member_to_core(d: &Document) -> Result<Member> {
    let f = Fields::new(d, MEMBERS);
    Ok(Member {
        id: f.str("_id")?,
        organization_id: f.str("organizationId")?,
        user_id: f.str("userId")?,
        role: f.str("role")?,
        created_at: f.date("createdAt")?,
    })
}

fn invitation_to_core(d: &Document) -> Result<Invitation> {
    let f = Fields::new(d, INVITATIONS);
    let status = f.str("status")?;
    Ok(Invitation {
        id: f.str("_id")?,
        organization_id: f.str("organizationId")?,
        email: f.str("email")?,
        role: f.opt_str("role")?,
        status: InvitationStatus::parse(&status)
            .ok_or_else(|| malformed(INVITATIONS, format!("unknown status {status:?}")))?,
        expires_at: f.date("expiresAt")?,
        created_at: f.date("createdAt")?,
        inviter_id: f.str("inviterId")?,
    })
}

fn role_to_core(d: &Document) -> Result<OrganizationRole> {
    let f = Fields::new(d, ORGANIZATION_ROLES);
    Ok(OrganizationRole {
        id: f.str("_id")?,
        organization_id: f.str("organizationId")?,
        role: f.str("role")?,
        permission: f.str("permission")?,
        created_at: f.date("createdAt")?,
        updated_at: f.opt_date("updatedAt")?,
    })
}

impl<S: SessionMode> MongoStore<S> {
    /// The organization must exist (what the SQL foreign keys check).
    async fn require_organization(&self, id: &str) -> Result<()> {
        match self.find_organization(id).await? {
            Some(_) => Ok(()),
            None => Err(Error::not_found(ENTITY, id)),
        }
    }

    async fn members(&self, filter: Document) -> Result<Vec<Member>> {
        self.find_all(
            MEMBERS,
            filter,
            Some(doc! { "createdAt": 1, "_id": 1 }),
            None,
            None,
        )
        .await?
        .iter()
        .map(member_to_core)
        .collect()
    }

    async fn organizations(&self, filter: Document) -> Result<Vec<Organization>> {
        self.find_all(ORGANIZATIONS, filter, Some(doc! { "_id": 1 }), None, None)
            .await?
            .iter()
            .map(to_core)
            .collect()
    }
}

#[async_trait]
impl<S: SessionMode> OrganizationStore for MongoStore<S> {
    async fn insert_organization(&self, o: &Organization) -> Result<Organization> {
        let record = doc! {
            "_id": &o.id,
            "name": &o.name,
            "slug": &o.slug,
            "logo": opt(o.logo.clone()),
            "createdAt": date(o.created_at),
            "metadata": opt(o.metadata.clone()),
            "parentId": opt(o.parent_id.clone()),
        };
        let coll = self.coll(ORGANIZATIONS);
        exec!(self, coll.insert_one(&record)).map_err(map_err(ENTITY))?;
        to_core(&record)
    }

    async fn find_organization(&self, id: &str) -> Result<Option<Organization>> {
        let coll = self.coll(ORGANIZATIONS);
        exec!(self, coll.find_one(doc! { "_id": id }))
            .map_err(map_err(ENTITY))?
            .as_ref()
            .map(to_core)
            .transpose()
    }

    async fn find_organization_by_slug(&self, slug: &str) -> Result<Option<Organization>> {
        let coll = self.coll(ORGANIZATIONS);
        exec!(self, coll.find_one(doc! { "slug": slug }))
            .map_err(map_err(ENTITY))?
            .as_ref()
            .map(to_core)
            .transpose()
    }

    async fn list_child_organizations(&self, parents: &[String]) -> Result<Vec<Organization>> {
        if parents.is_empty() {
            return Ok(Vec::new());
        }
        self.organizations(doc! { "parentId": { "$in": parents } })
            .await
    }

    async fn list_organizations(&self) -> Result<Vec<Organization>> {
        self.organizations(Document::new()).await
    }

    async fn delete_organization(&self, id: &str) -> Result<bool> {
        let coll = self.coll(ORGANIZATIONS);
        let deleted = exec!(self, coll.delete_one(doc! { "_id": id })).map_err(map_err(ENTITY))?;
        if deleted.deleted_count == 0 {
            return Ok(false);
        }
        for collection in [MEMBERS, INVITATIONS, ORGANIZATION_ROLES] {
            let coll = self.coll(collection);
            exec!(self, coll.delete_many(doc! { "organizationId": id }))
                .map_err(map_err(collection))?;
        }
        exec!(
            self,
            coll.update_many(
                doc! { "parentId": id },
                doc! { "$set": { "parentId": Bson::Null } }
            )
        )
        .map_err(map_err(ENTITY))?;
        Ok(true)
    }

    async fn lock_organization(&self, id: &str) -> Result<()> {
        // MongoDB has no row locks: this only checks that the organization exists (see
        // docs/organizations.md for what the last-owner rule guarantees here).
        self.require_organization(id).await
    }

    async fn insert_member(&self, m: &Member) -> Result<Member> {
        self.require_organization(&m.organization_id).await?;
        require_user(self, &m.user_id).await?;
        let record = doc! {
            "_id": &m.id,
            "organizationId": &m.organization_id,
            "userId": &m.user_id,
            "role": &m.role,
            "createdAt": date(m.created_at),
        };
        let coll = self.coll(MEMBERS);
        exec!(self, coll.insert_one(&record)).map_err(map_err("member"))?;
        member_to_core(&record)
    }

    async fn find_member(&self, organization_id: &str, user_id: &str) -> Result<Option<Member>> {
        Ok(self
            .members(doc! { "organizationId": organization_id, "userId": user_id })
            .await?
            .into_iter()
            .next())
    }

    async fn list_members(&self, organization_id: &str) -> Result<Vec<Member>> {
        self.members(doc! { "organizationId": organization_id })
            .await
    }

    async fn list_memberships(&self, user_id: &str) -> Result<Vec<Member>> {
        self.members(doc! { "userId": user_id }).await
    }

    async fn update_member_role(&self, member_id: &str, role: &str) -> Result<Member> {
        let coll = self.coll(MEMBERS);
        exec!(
            self,
            coll.find_one_and_update(doc! { "_id": member_id }, doc! { "$set": { "role": role } })
                .return_document(mongodb::options::ReturnDocument::After)
        )
        .map_err(map_err("member"))?
        .as_ref()
        .map(member_to_core)
        .transpose()?
        .ok_or_else(|| Error::not_found("member", member_id))
    }

    async fn delete_member(&self, member_id: &str) -> Result<bool> {
        let coll = self.coll(MEMBERS);
        let res =
            exec!(self, coll.delete_one(doc! { "_id": member_id })).map_err(map_err("member"))?;
        Ok(res.deleted_count > 0)
    }

    async fn insert_invitation(&self, i: &Invitation) -> Result<Invitation> {
        self.require_organization(&i.organization_id).await?;
        require_user(self, &i.inviter_id).await?;
        let record = doc! {
            "_id": &i.id,
            "organizationId": &i.organization_id,
            "email": &i.email,
            "role": opt(i.role.clone()),
            "status": i.status.as_str(),
            "expiresAt": date(i.expires_at),
            "createdAt": date(i.created_at),
            "inviterId": &i.inviter_id,
        };
        let coll = self.coll(INVITATIONS);
        exec!(self, coll.insert_one(&record)).map_err(map_err("invitation"))?;
        invitation_to_core(&record)
    }

    async fn find_invitation(&self, id: &str) -> Result<Option<Invitation>> {
        let coll = self.coll(INVITATIONS);
        exec!(self, coll.find_one(doc! { "_id": id }))
            .map_err(map_err("invitation"))?
            .as_ref()
            .map(invitation_to_core)
            .transpose()
    }

    async fn list_invitations(&self, organization_id: &str) -> Result<Vec<Invitation>> {
        self.find_all(
            INVITATIONS,
            doc! { "organizationId": organization_id },
            Some(doc! { "createdAt": -1, "_id": 1 }),
            None,
            None,
        )
        .await?
        .iter()
        .map(invitation_to_core)
        .collect()
    }

    async fn set_invitation_status(
        &self,
        id: &str,
        from: InvitationStatus,
        to: InvitationStatus,
    ) -> Result<bool> {
        let coll = self.coll(INVITATIONS);
        let res = exec!(
            self,
            coll.update_one(
                doc! { "_id": id, "status": from.as_str() },
                doc! { "$set": { "status": to.as_str() } }
            )
        )
        .map_err(map_err("invitation"))?;
        Ok(res.modified_count > 0)
    }

    async fn insert_organization_role(&self, r: &OrganizationRole) -> Result<OrganizationRole> {
        self.require_organization(&r.organization_id).await?;
        let record = doc! {
            "_id": &r.id,
            "organizationId": &r.organization_id,
            "role": &r.role,
            "permission": &r.permission,
            "createdAt": date(r.created_at),
            "updatedAt": opt_date(r.updated_at),
        };
        let coll = self.coll(ORGANIZATION_ROLES);
        exec!(self, coll.insert_one(&record)).map_err(map_err("organization role"))?;
        role_to_core(&record)
    }

    async fn list_organization_roles(
        &self,
        organization_id: &str,
    ) -> Result<Vec<OrganizationRole>> {
        self.find_all(
            ORGANIZATION_ROLES,
            doc! { "organizationId": organization_id },
            Some(doc! { "role": 1 }),
            None,
            None,
        )
        .await?
        .iter()
        .map(role_to_core)
        .collect()
    }

    async fn delete_organization_role(&self, organization_id: &str, role: &str) -> Result<bool> {
        let coll = self.coll(ORGANIZATION_ROLES);
        let res = exec!(
            self,
            coll.delete_many(doc! { "organizationId": organization_id, "role": role })
        )
        .map_err(map_err("organization role"))?;
        Ok(res.deleted_count > 0)
    }
}

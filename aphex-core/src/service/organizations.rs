//! The organization service: organizations and their hierarchy, and the [`Scope`]s content is
//! reached through ([`Cms::org`](crate::Cms::org)).

use std::collections::HashSet;
use std::sync::Arc;

use super::work::unit_of_work;
use super::{limits, members, values};
use crate::auth::random;
use crate::error::{Error, Result, ValidationErrors};
use crate::model::{EventKind, Member, OWNER_ROLE, Organization, now};
use crate::ports::DatabaseAdapter;
use crate::scope::Scope;

/// Longest organization name or slug accepted.
pub const ORGANIZATION_NAME: usize = 255;

/// An organization to create.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct CreateOrganization {
    /// Display name.
    pub name: String,
    /// Unique, URL-safe name: lowercase letters, digits and `-`.
    pub slug: String,
    /// Logo URL.
    pub logo: Option<String>,
    /// Free-form metadata (JSON text, as Better Auth stores it).
    pub metadata: Option<String>,
    /// The parent organization (which may then read this one's content).
    pub parent_id: Option<String>,
    /// The user who becomes its first owner (as Better Auth makes the creator), in the same
    /// unit of work.
    pub owner: Option<String>,
}

impl CreateOrganization {
    /// An organization named `name` with `slug`.
    pub fn new(name: impl Into<String>, slug: impl Into<String>) -> Self {
        CreateOrganization {
            name: name.into(),
            slug: slug.into(),
            logo: None,
            metadata: None,
            parent_id: None,
            owner: None,
        }
    }

    /// With `user_id` as its first owner.
    pub fn owner(mut self, user_id: impl Into<String>) -> Self {
        self.owner = Some(user_id.into());
        self
    }

    /// Under `parent_id`.
    pub fn parent(mut self, parent_id: impl Into<String>) -> Self {
        self.parent_id = Some(parent_id.into());
        self
    }

    /// With a logo URL.
    pub fn logo(mut self, logo: impl Into<String>) -> Self {
        self.logo = Some(logo.into());
        self
    }

    /// With metadata (JSON text).
    pub fn metadata(mut self, metadata: impl Into<String>) -> Self {
        self.metadata = Some(metadata.into());
        self
    }
}

/// Organizations. Get it from [`Cms::organizations`](crate::Cms::organizations).
#[derive(Debug, Clone)]
pub struct OrganizationService {
    pub(super) db: Arc<dyn DatabaseAdapter>,
}

impl OrganizationService {
    pub(crate) fn new(db: Arc<dyn DatabaseAdapter>) -> Self {
        OrganizationService { db }
    }

    /// Creates an organization (with a Better Auth style 32-character id).
    ///
    /// # Errors
    /// [`Error::Validation`] for an empty or oversize name or slug, a slug with other than
    /// lowercase letters, digits and `-`, or an unknown parent; [`Error::Conflict`]
    /// (`organization.slug`) when the slug is taken; [`Error::NotFound`] for an unknown owner
    /// (nothing is created then, where the backend has transactions).
    pub async fn create(&self, input: CreateOrganization) -> Result<Organization> {
        let mut errors = ValidationErrors::default();
        limits::check_required(&mut errors, "name", &input.name, ORGANIZATION_NAME);
        limits::check_required(&mut errors, "slug", &input.slug, ORGANIZATION_NAME);
        if !input
            .slug
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        {
            errors.push("slug", "only lowercase letters, digits and `-`");
        }
        values::check_text(&mut errors, "name", &input.name);
        values::check_opt_text(&mut errors, "logo", input.logo.as_deref());
        values::check_opt_text(&mut errors, "metadata", input.metadata.as_deref());
        errors.into_result()?;
        if let Some(parent) = &input.parent_id
            && self.get(parent).await?.is_none()
        {
            return Err(Error::invalid(
                "parentId",
                format!("no organization {parent}"),
            ));
        }
        let at = now();
        let organization = Organization {
            id: random::id(),
            name: input.name,
            slug: input.slug,
            logo: input.logo,
            created_at: at,
            metadata: input.metadata,
            parent_id: input.parent_id,
        };
        let owner = input.owner.map(|user_id| Member {
            id: random::id(),
            organization_id: organization.id.clone(),
            user_id,
            role: OWNER_ROLE.to_owned(),
            created_at: at,
        });
        unit_of_work!(&*self.db, |stores| {
            let created = stores.insert_organization(&organization).await?;
            if let Some(owner) = &owner {
                let owner = stores.insert_member(owner).await?;
                members::record_member(stores, EventKind::MemberAdded, &owner).await?;
            }
            Ok(created)
        })
    }

    /// The organization with this id.
    pub async fn get(&self, id: &str) -> Result<Option<Organization>> {
        if !values::storable(id) {
            return Ok(None);
        }
        self.db.find_organization(id).await
    }

    /// The organization with this slug.
    pub async fn get_by_slug(&self, slug: &str) -> Result<Option<Organization>> {
        if !values::storable(slug) {
            return Ok(None);
        }
        self.db.find_organization_by_slug(slug).await
    }

    /// The organizations below `id` — children, their children, ... — one query per level
    /// (an organization met twice, in a hierarchy edited into a cycle, is taken once).
    pub async fn descendants(&self, id: &str) -> Result<Vec<Organization>> {
        let mut seen: HashSet<String> = HashSet::from([id.to_owned()]);
        let mut level = vec![id.to_owned()];
        let mut out = Vec::new();
        while !level.is_empty() {
            let children = self.db.list_child_organizations(&level).await?;
            level = Vec::new();
            for child in children {
                if seen.insert(child.id.clone()) {
                    level.push(child.id.clone());
                    out.push(child);
                }
            }
        }
        Ok(out)
    }

    /// Deletes an organization: its members, invitations and roles go with it; its content
    /// stays where it is (reachable again through a scope of the same id). Its children become
    /// top-level organizations.
    ///
    /// # Errors
    /// [`Error::NotFound`]; [`Error::Validation`] for the default organization.
    pub async fn delete(&self, id: &str) -> Result<()> {
        if id == crate::DEFAULT_ORGANIZATION_ID {
            return Err(Error::invalid(
                "id",
                "the default organization cannot be deleted",
            ));
        }
        if values::storable(id) && self.db.delete_organization(id).await? {
            Ok(())
        } else {
            Err(Error::not_found("organization", id))
        }
    }

    /// The scope of the organization `id`: it must exist.
    ///
    /// # Errors
    /// [`Error::NotFound`] for an unknown organization.
    pub async fn scope(&self, id: &str) -> Result<Scope> {
        self.existing(id).await?;
        Ok(Scope::new(id))
    }

    /// The scope of the organization `id` that also reads its descendants' content.
    ///
    /// # Errors
    /// [`Error::NotFound`] for an unknown organization.
    pub async fn scope_with_descendants(&self, id: &str) -> Result<Scope> {
        self.existing(id).await?;
        let below = self.descendants(id).await?;
        Ok(Scope::with_descendants(id, below.into_iter().map(|o| o.id)))
    }

    async fn existing(&self, id: &str) -> Result<Organization> {
        self.get(id)
            .await?
            .ok_or_else(|| Error::not_found("organization", id))
    }
}

//! `organization`: Better Auth's organization plugin collection (camelCase fields, string
//! `_id`), plus `parentId`, ours. Deleting one deletes its members, invitations and roles, as
//! the SQL schema's cascades do, and makes its children top-level; its content stays.

use async_trait::async_trait;
use mongodb::bson::{Bson, Document, doc};

use aphex_core::Result;
use aphex_core::model::Organization;
use aphex_core::ports::OrganizationStore;

use super::collections::{INVITATIONS, MEMBERS, ORGANIZATION_ROLES, ORGANIZATIONS};
use super::{MongoStore, SessionMode, exec};
use crate::error::map_err;
use crate::value::{Fields, date, opt};

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

impl<S: SessionMode> MongoStore<S> {
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
}

use async_trait::async_trait;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, Set,
};

use aphex_core::Result;
use aphex_core::model::Organization;
use aphex_core::ports::OrganizationStore;

use super::SeaStore;
use crate::entity::organization::{ActiveModel, Column, Entity, Model};

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
}

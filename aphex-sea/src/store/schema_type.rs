use async_trait::async_trait;
use sea_orm::sea_query::OnConflict;
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, Set};

use aphex_core::Result;
use aphex_core::model::{SchemaKind, SchemaType};
use aphex_core::ports::SchemaTypeStore;

use super::SeaStore;
use crate::entity::enums;
use crate::entity::schema_type::{ActiveModel, Column, Entity, Model};
use crate::value::DbUuid;

const ENTITY: &str = "schema type";

fn to_core(m: Model) -> SchemaType {
    SchemaType {
        id: m.id.0,
        name: m.name,
        title: m.title,
        kind: m.kind.into(),
        description: m.description,
        schema: m.schema,
        created_at: m.created_at,
        updated_at: m.updated_at,
    }
}

#[async_trait]
impl<C: ConnectionTrait + Send + Sync, B: Send + Sync> SchemaTypeStore for SeaStore<C, B> {
    async fn upsert_schema_type(&self, t: &SchemaType) -> Result<SchemaType> {
        let model = ActiveModel {
            id: Set(DbUuid(t.id)),
            name: Set(t.name.clone()),
            title: Set(t.title.clone()),
            kind: Set(t.kind.into()),
            description: Set(t.description.clone()),
            schema: Set(t.schema.clone()),
            created_at: Set(t.created_at),
            updated_at: Set(t.updated_at),
        };
        let on_conflict = OnConflict::column(Column::Name)
            .update_columns([
                Column::Title,
                Column::Kind,
                Column::Description,
                Column::Schema,
                Column::UpdatedAt,
            ])
            .to_owned();
        let row = Entity::insert(model)
            .on_conflict(on_conflict)
            .exec_with_returning(&self.conn)
            .await
            .map_err(self.err(ENTITY))?;
        Ok(to_core(row))
    }

    async fn find_schema_type(&self, name: &str) -> Result<Option<SchemaType>> {
        let row = Entity::find()
            .filter(Column::Name.eq(name))
            .one(&self.conn)
            .await
            .map_err(self.err(ENTITY))?;
        Ok(row.map(to_core))
    }

    async fn list_schema_types(&self, kind: Option<SchemaKind>) -> Result<Vec<SchemaType>> {
        let mut select = Entity::find().order_by_asc(Column::Name);
        if let Some(k) = kind {
            select = select.filter(Column::Kind.eq(enums::SchemaKind::from(k)));
        }
        let rows = select.all(&self.conn).await.map_err(self.err(ENTITY))?;
        Ok(rows.into_iter().map(to_core).collect())
    }

    async fn delete_schema_type(&self, name: &str) -> Result<bool> {
        let res = Entity::delete_many()
            .filter(Column::Name.eq(name))
            .exec(&self.conn)
            .await
            .map_err(self.err(ENTITY))?;
        Ok(res.rows_affected > 0)
    }
}

use async_trait::async_trait;
use sea_orm::sea_query::OnConflict;
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, Set, Statement};

use aphex_core::model::{SchemaKind, SchemaType};
use aphex_core::ports::SchemaTypeStore;
use aphex_core::schema::FieldIndex;
use aphex_core::{Error, Result};

use super::SeaStore;
use crate::dialect::Dialect;
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

const INDEX: &str = "index";

impl<C: ConnectionTrait + Send + Sync, B> SeaStore<C, B> {
    /// The names of the indexes on `cms_documents` the catalog lists (`usable`: valid ones
    /// only; else also, on PostgreSQL, one left invalid by a failed concurrent build).
    async fn document_indexes(&self, usable: bool, name: Option<&str>) -> Result<Vec<String>> {
        let dialect = self.dialect();
        let backend = self.conn.get_database_backend();
        let stmt = match name {
            Some(name) if !usable => {
                Statement::from_sql_and_values(backend, dialect.index_exists(), [name.into()])
            }
            _ => Statement::from_string(backend, dialect.list_document_indexes()),
        };
        let rows = self
            .conn
            .query_all_raw(stmt)
            .await
            .map_err(self.err(INDEX))?;
        rows.iter()
            .map(|r| r.try_get::<String>("", "name"))
            .collect::<std::result::Result<Vec<_>, _>>()
            .map_err(|e| Error::backend(dialect.name(), e))
    }

    /// PostgreSQL builds indexes `CONCURRENTLY` (without blocking writes), which it cannot do
    /// inside a transaction.
    fn concurrently(&self) -> bool {
        self.dialect() == Dialect::Postgres && !self.conn.in_transaction
    }

    async fn execute_ddl(&self, sql: &str) -> Result<()> {
        self.conn
            .execute_unprepared(sql)
            .await
            .map(drop)
            .map_err(self.err("document"))
    }

    /// Runs `statements` in order, stopping at the first error.
    async fn execute_all(&self, statements: &[String]) -> Result<()> {
        for sql in statements {
            self.execute_ddl(sql).await?;
        }
        Ok(())
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

    async fn list_field_indexes(&self) -> Result<Vec<String>> {
        let mut names = self.document_indexes(true, None).await?;
        names.retain(|n| FieldIndex::is_managed(n));
        Ok(names)
    }

    async fn create_field_index(&self, index: &FieldIndex) -> Result<()> {
        let dialect = self.dialect();
        let concurrently = self.concurrently();
        // A concurrent build that failed leaves an invalid index of that name behind; `IF NOT
        // EXISTS` would take it for done.
        if !self
            .document_indexes(false, Some(&index.name))
            .await?
            .is_empty()
        {
            if self.list_field_indexes().await?.contains(&index.name) {
                return Ok(());
            }
            self.execute_all(&dialect.drop_field_index(&index.name, concurrently))
                .await?;
        }
        let Err(error) = self
            .execute_all(&dialect.create_field_index(index, concurrently))
            .await
        else {
            return Ok(());
        };
        // Another process may have built it meanwhile (two instances starting at once).
        if self.list_field_indexes().await?.contains(&index.name) {
            return Ok(());
        }
        if concurrently || dialect == Dialect::Sqlite {
            // Leave nothing half-built behind (an invalid index, a companion without its
            // unique index).
            let cleanup = dialect.drop_field_index(&index.name, concurrently);
            if let Err(e) = self.execute_all(&cleanup).await {
                tracing::warn!(index = %index.name, error = %e, "could not drop a failed index build");
            }
        }
        Err(match error {
            // Stored documents already share a value: name the index (the service names the
            // field).
            Error::Conflict { entity, .. } => Error::Conflict {
                entity,
                constraint: index.name.clone(),
            },
            other => other,
        })
    }

    async fn drop_field_index(&self, name: &str) -> Result<bool> {
        if self.document_indexes(false, Some(name)).await?.is_empty() {
            return Ok(false);
        }
        self.execute_all(&self.dialect().drop_field_index(name, self.concurrently()))
            .await?;
        Ok(true)
    }
}

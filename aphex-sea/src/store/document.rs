use std::collections::BTreeMap;

use async_trait::async_trait;
use sea_orm::sea_query::{Expr, ExprTrait, Query};
use sea_orm::{
    ActiveEnum, ColumnTrait, ConnectionTrait, EntityTrait, FromQueryResult, Iterable, QueryFilter,
    QuerySelect, Set, Statement,
};
use uuid::Uuid;

use aphex_core::model::{Document, NewDocument, NewVersion};
use aphex_core::ports::{DocumentStore, DraftUpdate, PublishChange, PublishUpdate};
use aphex_core::query::{Filter, ListQuery, Page};
use aphex_core::{Error, Result};

use super::SeaStore;
use crate::dialect::Dialect;
use crate::entity::document::{ActiveModel, Column, Entity, Model};
use crate::entity::enums::DocumentStatus;
use crate::value::DbUuid;
use crate::where_sql::Documents;

const ENTITY: &str = "document";

pub(crate) fn to_core(m: Model) -> Document {
    Document {
        id: m.id.0,
        doc_type: m.doc_type,
        status: m.status.into(),
        draft_data: m.draft_data,
        published_data: m.published_data,
        published_hash: m.published_hash,
        revision: m.revision,
        created_by: m.created_by,
        updated_by: m.updated_by,
        published_at: m.published_at,
        created_at: m.created_at,
        updated_at: m.updated_at,
    }
}

/// The columns a new document is inserted with (the others take their defaults).
const INSERT_COLUMNS: [Column; 9] = [
    Column::Id,
    Column::DocType,
    Column::Status,
    Column::DraftData,
    Column::Revision,
    Column::CreatedBy,
    Column::UpdatedBy,
    Column::CreatedAt,
    Column::UpdatedAt,
];

/// PostgreSQL: a new document and its first snapshot in ONE statement (a data-modifying
/// `WITH`), atomic on its own, so `create` needs no transaction: the snapshot reads the row the
/// same statement inserts (its draft, creator and time; number 1, event `draft`), and the
/// foreign key is checked at the end of the statement. A taken id fails the whole statement.
const PG_CREATE_WITH_FIRST_VERSION: &str = concat!(
    r#"WITH "doc" AS (INSERT INTO "cms_documents" ("id", "type", "status", "draft_data", "revision", "created_by", "updated_by", "created_at", "updated_at") "#,
    r#"VALUES ($1, $2, CAST('draft' AS "document_status"), CAST($3 AS jsonb), 1, $4, $4, $5, $5) "#,
    r#"RETURNING "id", "type", CAST("status" AS "text") AS "status", "draft_data", "published_data", "published_hash", "revision", "created_by", "updated_by", "published_at", "created_at", "updated_at"), "#,
    r#""first_version" AS (INSERT INTO "cms_document_versions" ("id", "document_id", "version_number", "event_type", "data", "created_by", "created_at") "#,
    r#"SELECT $6, "id", 1, 'draft', "draft_data", "created_by", "created_at" FROM "doc") "#,
    r#"SELECT * FROM "doc""#,
);

impl<C: ConnectionTrait + Send + Sync, B> SeaStore<C, B> {
    /// The values of [`INSERT_COLUMNS`] for `doc`: a draft at revision 1.
    fn document_row(&self, doc: &NewDocument) -> [Expr; 9] {
        [
            Expr::val(DbUuid(doc.id)),
            Expr::val(doc.doc_type.as_str()),
            Column::Status.save_as(Expr::val(DocumentStatus::Draft.to_value())),
            self.dialect().json_param(&doc.draft_data),
            Expr::val(1_i64),
            Expr::val(doc.created_by.clone()),
            Expr::val(doc.created_by.clone()),
            Expr::val(doc.created_at),
            Expr::val(doc.created_at),
        ]
    }

    /// The document an `INSERT … RETURNING` statement inserted.
    async fn inserted(&self, stmt: Statement) -> Result<Document> {
        Model::find_by_statement(stmt)
            .one(&self.conn)
            .await
            .map_err(self.err(ENTITY))?
            .map(to_core)
            .ok_or_else(|| Error::backend("sql", "INSERT … RETURNING returned no row"))
    }

    /// After a guarded write matched nothing: why.
    async fn revision_failure(&self, id: Uuid) -> Error {
        match Entity::find_by_id(DbUuid(id))
            .select_only()
            .column(Column::Revision)
            .into_tuple::<i64>()
            .one(&self.conn)
            .await
        {
            Ok(Some(current)) => Error::RevisionConflict { current },
            Ok(None) => Error::not_found(ENTITY, id),
            Err(e) => self.err(ENTITY)(e),
        }
    }

    async fn guarded_update(
        &self,
        id: Uuid,
        expected_revision: Option<i64>,
        update: sea_orm::UpdateMany<Entity>,
    ) -> Result<Document> {
        let mut update = update.filter(Column::Id.eq(DbUuid(id)));
        if let Some(rev) = expected_revision {
            update = update.filter(Column::Revision.eq(rev));
        }
        let mut rows = update
            .exec_with_returning(&self.conn)
            .await
            .map_err(self.err(ENTITY))?;
        match rows.pop() {
            Some(row) => Ok(to_core(row)),
            None => Err(self.revision_failure(id).await),
        }
    }
}

#[async_trait]
impl<C: ConnectionTrait + Send + Sync, B: Send + Sync> DocumentStore for SeaStore<C, B> {
    async fn insert_document(&self, doc: &NewDocument) -> Result<Document> {
        // Built with sea-query rather than an ActiveModel so the draft goes in as text
        // (`Dialect::json_param`) instead of as a JSON tree that SeaORM would copy twice.
        let mut insert = Query::insert();
        insert
            .into_table(Entity)
            .columns(INSERT_COLUMNS)
            .values(self.document_row(doc))
            .map_err(|e| Error::backend("sql", e))?
            .returning(Query::returning().exprs(Column::iter().map(|c| c.select_as(Expr::col(c)))));
        let stmt = self.conn.get_database_backend().build(&insert);
        self.inserted(stmt).await
    }

    async fn insert_document_with_first_version(
        &self,
        doc: &NewDocument,
        version: &NewVersion,
    ) -> Result<Document> {
        if self.dialect() != Dialect::Postgres {
            return Err(Error::Unsupported {
                backend: "sqlite",
                operation: "a document and its first snapshot in one statement",
            });
        }
        let values: [sea_orm::Value; 6] = [
            DbUuid(doc.id).into(),
            doc.doc_type.as_str().into(),
            crate::dialect::json_text(&doc.draft_data).into(),
            doc.created_by.clone().into(),
            doc.created_at.into(),
            DbUuid(version.id).into(),
        ];
        let stmt = Statement::from_sql_and_values(
            self.conn.get_database_backend(),
            PG_CREATE_WITH_FIRST_VERSION,
            values,
        );
        self.inserted(stmt).await
    }

    async fn insert_documents(&self, docs: &[NewDocument]) -> Result<()> {
        let rows = docs.iter().map(|doc| self.document_row(doc)).collect();
        self.insert_rows(Entity, INSERT_COLUMNS, rows, ENTITY).await
    }

    async fn find_document(&self, id: Uuid) -> Result<Option<Document>> {
        let row = Entity::find_by_id(DbUuid(id))
            .one(&self.conn)
            .await
            .map_err(self.err(ENTITY))?;
        Ok(row.map(to_core))
    }

    async fn find_documents_by_ids(&self, ids: &[Uuid]) -> Result<Vec<Document>> {
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        let rows = Entity::find()
            .filter(Column::Id.is_in(ids.iter().map(|id| DbUuid(*id))))
            .all(&self.conn)
            .await
            .map_err(self.err(ENTITY))?;
        Ok(rows.into_iter().map(to_core).collect())
    }

    async fn find_documents(&self, query: &ListQuery) -> Result<Page<Document>> {
        Ok(self.page::<Documents>(query, ENTITY).await?.map(to_core))
    }

    async fn count_documents(&self, filter: &Filter) -> Result<u64> {
        self.count_where::<Documents>(filter, ENTITY).await
    }

    async fn count_documents_by_type(&self) -> Result<BTreeMap<String, u64>> {
        self.counts_by::<Entity>(Column::DocType, ENTITY).await
    }

    async fn update_draft(&self, update: &DraftUpdate) -> Result<Document> {
        let values = ActiveModel {
            updated_by: Set(update.updated_by.clone()),
            updated_at: Set(update.updated_at),
            ..Default::default()
        };
        // The JSON goes in as text (`Dialect::json_param`), not as a tree to be copied.
        let write = Entity::update_many()
            .col_expr(Column::DraftData, self.dialect().json_param(&update.data))
            .set(values)
            .col_expr(Column::Revision, Expr::col(Column::Revision).add(1));
        self.guarded_update(update.id, update.expected_revision, write)
            .await
    }

    async fn update_publish_state(&self, update: PublishUpdate) -> Result<Document> {
        let (values, published_data) = match update.change {
            PublishChange::Publish { data, hash } => (
                ActiveModel {
                    status: Set(DocumentStatus::Published),
                    published_hash: Set(Some(hash)),
                    published_at: Set(Some(update.at)),
                    ..Default::default()
                },
                Some(data),
            ),
            PublishChange::Unpublish => (
                ActiveModel {
                    status: Set(DocumentStatus::Unpublished),
                    published_hash: Set(None),
                    published_at: Set(None),
                    ..Default::default()
                },
                None,
            ),
        };
        let values = ActiveModel {
            updated_by: Set(update.updated_by),
            updated_at: Set(update.at),
            ..values
        };
        // As in `update_draft`: the JSON goes in as text.
        let published_data = match published_data {
            Some(data) => self.dialect().json_param(&data),
            None => Expr::val(Option::<serde_json::Value>::None),
        };
        let write = Entity::update_many()
            .set(values)
            .col_expr(Column::PublishedData, published_data);
        self.guarded_update(update.id, Some(update.expected_revision), write)
            .await
    }

    async fn delete_document(&self, id: Uuid) -> Result<bool> {
        let res = Entity::delete_by_id(DbUuid(id))
            .exec(&self.conn)
            .await
            .map_err(self.err(ENTITY))?;
        Ok(res.rows_affected > 0)
    }
}

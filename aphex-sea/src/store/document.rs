use std::collections::BTreeMap;

use async_trait::async_trait;
use sea_orm::sea_query::{DynIden, Expr, ExprTrait, IntoIden, Query};
use sea_orm::{
    ActiveEnum, ColumnTrait, ConnectionTrait, EntityTrait, FromQueryResult, Iterable, QueryFilter,
    QuerySelect, Set, Statement,
};
use uuid::Uuid;

use aphex_core::model::{Document, NewDocument, NewVersion};
use aphex_core::ports::{
    DocumentEvent, DocumentStore, DraftUpdate, PublishChange, PublishUpdate, ReferenceClosure,
    Snapshot,
};
use aphex_core::query::{Filter, ListQuery, Page, Perspective};
use aphex_core::service::reference_ids;
use aphex_core::{Error, Result, Scope};

use super::rls::{in_rls_scope, pg_text_array};
use super::{SeaStore, owned, visible};
use crate::dialect::{Dialect, pg_uuid_array, references_column};
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
        organization_id: m.organization_id,
    }
}

/// The columns a new document is inserted with (the others take their defaults). A new
/// document's `version_count` is 1: the services always write its first snapshot with it.
fn insert_columns() -> [DynIden; 12] {
    [
        Column::Id.into_iden(),
        Column::DocType.into_iden(),
        Column::Status.into_iden(),
        Column::DraftData.into_iden(),
        Column::Revision.into_iden(),
        Column::CreatedBy.into_iden(),
        Column::UpdatedBy.into_iden(),
        Column::CreatedAt.into_iden(),
        Column::UpdatedAt.into_iden(),
        Column::VersionCount.into_iden(),
        Column::OrganizationId.into_iden(),
        references_column(Perspective::Draft).into_iden(),
    ]
}

/// Every document column (the enum as text), as the PostgreSQL statements below return them.
macro_rules! pg_document_columns {
    () => {
        r#""id", "type", CAST("status" AS "text") AS "status", "draft_data", "published_data", "published_hash", "revision", "created_by", "updated_by", "published_at", "created_at", "updated_at", "version_count", "organization_id""#
    };
}

/// `RETURNING` every document column.
macro_rules! pg_returning_document {
    () => {
        concat!("RETURNING ", pg_document_columns!())
    };
}

/// The next snapshot number of document `$doc` inside a PostgreSQL `UPDATE` of its row: one
/// past its counter, which the row lock serialises (a `MAX(version_number)` inside the same
/// statement would be read from the statement's snapshot, taken before the lock was granted).
/// `GREATEST` with the stored maximum keeps numbers unique should a snapshot have been written
/// without the counter (through `VersionStore::insert_version` directly).
macro_rules! pg_next_version {
    ($doc:literal) => {
        concat!(
            r#""version_count" = GREATEST("version_count", (SELECT COALESCE(MAX("version_number"), 0) FROM "cms_document_versions" WHERE "document_id" = "#,
            $doc,
            r#")) + 1"#
        )
    };
}

/// The snapshot and retention after the `"doc"` CTE of a PostgreSQL write: the snapshot is
/// numbered by the written row's counter, and retention deletes the document's snapshots more
/// than `$keep` numbers older (numbers are consecutive, so that keeps the newest `$keep`).
macro_rules! pg_snapshot_and_prune {
    ($version_id:literal, $event:literal, $data:literal, $doc:literal, $keep:literal) => {
        concat!(
            r#", "snapshot" AS (INSERT INTO "cms_document_versions" ("id", "document_id", "version_number", "event_type", "data", "created_by", "created_at", "organization_id") "#,
            r#"SELECT "#, $version_id, r#", "id", "version_count", '"#, $event, r#"', "#, $data, r#", "updated_by", "updated_at", "organization_id" FROM "doc")"#,
            r#", "pruned" AS (DELETE FROM "cms_document_versions" WHERE "document_id" = "#, $doc,
            r#" AND "version_number" <= (SELECT "version_count" FROM "doc") - "#, $keep, r#")"#
        )
    };
}

/// The event after the `"doc"` CTE of a PostgreSQL write, when `$id` (its id) is not NULL: the
/// document's stream counter is incremented (`ON CONFLICT … DO UPDATE` works on the row's
/// latest version and locks it, so racing writes of one document are numbered in commit
/// order), the event built from the written row (`document_event_data`'s object, the row's
/// organization, writer and time) and its outbox entry inserted — what `append_event` does,
/// inside the write's own statement. Then the statement returns the row.
macro_rules! pg_document_event_and_row {
    ($id:literal, $kind:literal) => {
        concat!(
            r#", "event_stream" AS (INSERT INTO "cms_event_streams" ("stream", "last_seq") SELECT 'document:' || "id", 1 FROM "doc" WHERE CAST("#, $id,
            r#" AS uuid) IS NOT NULL ON CONFLICT ("stream") DO UPDATE SET "last_seq" = "cms_event_streams"."last_seq" + 1 RETURNING "stream", "last_seq")"#,
            r#", "event" AS (INSERT INTO "cms_events" ("id", "organization_id", "stream", "stream_seq", "kind", "subject_id", "actor", "data", "created_at") "#,
            r#"SELECT CAST("#, $id, r#" AS uuid), "doc"."organization_id", "event_stream"."stream", "event_stream"."last_seq", "#, $kind,
            r#", CAST("doc"."id" AS text), "doc"."updated_by", jsonb_build_object('id', "doc"."id", 'type', "doc"."type", 'revision', "doc"."revision", 'status', "doc"."status", 'publishedHash', "doc"."published_hash"), "doc"."updated_at" FROM "doc", "event_stream" "#,
            r#"RETURNING "id", "stream", "stream_seq", "created_at")"#,
            r#", "event_outbox" AS (INSERT INTO "cms_outbox" ("event_id", "stream", "stream_seq", "created_at", "available_at") SELECT "id", "stream", "stream_seq", "created_at", "created_at" FROM "event")"#,
            r#" SELECT * FROM "doc""#
        )
    };
}

/// PostgreSQL: a new document and its first snapshot in ONE statement (a data-modifying
/// `WITH`), atomic on its own, so `create` needs no transaction: the snapshot reads the row the
/// same statement inserts (its draft, creator and time; number 1, event `draft`), and the
/// foreign key is checked at the end of the statement. A taken id fails the whole statement.
const PG_CREATE_WITH_FIRST_VERSION: &str = concat!(
    r#"WITH "doc" AS (INSERT INTO "cms_documents" ("id", "type", "status", "draft_data", "revision", "created_by", "updated_by", "created_at", "updated_at", "version_count", "organization_id", "draft_references") "#,
    r#"VALUES ($1, $2, CAST('draft' AS "document_status"), CAST($3 AS jsonb), 1, $4, $4, $5, $5, 1, $7, CAST($8 AS uuid[])) "#,
    pg_returning_document!(),
    r#"), "#,
    r#""first_version" AS (INSERT INTO "cms_document_versions" ("id", "document_id", "version_number", "event_type", "data", "created_by", "created_at", "organization_id") "#,
    r#"SELECT $6, "id", 1, 'draft', "draft_data", "created_by", "created_at", "organization_id" FROM "doc")"#,
    pg_document_event_and_row!("$9", "$10"),
);

/// PostgreSQL: a draft save, its snapshot (event `draft`) and retention in ONE statement. The
/// compare-and-swap is the `UPDATE`'s guard (`$5`, NULL for an unguarded save); when it matches
/// nothing, neither CTE below it writes anything.
const PG_SAVE_DRAFT_WITH_SNAPSHOT: &str = concat!(
    r#"WITH "doc" AS (UPDATE "cms_documents" SET "draft_data" = CAST($1 AS jsonb), "draft_references" = CAST($9 AS uuid[]), "updated_by" = $2, "updated_at" = $3, "revision" = "revision" + 1, "#,
    pg_next_version!("$4"),
    r#" WHERE "id" = $4 AND "organization_id" = $8 AND (CAST($5 AS bigint) IS NULL OR "revision" = $5) "#,
    pg_returning_document!(),
    r#")"#,
    pg_snapshot_and_prune!("$6", "draft", r#""draft_data""#, "$4", "$7"),
    pg_document_event_and_row!("$10", "$11"),
);

/// PostgreSQL: a publish (guarded by the revision the service read and validated), its snapshot
/// (event `publish`) and retention in ONE statement.
const PG_PUBLISH_WITH_SNAPSHOT: &str = concat!(
    r#"WITH "doc" AS (UPDATE "cms_documents" SET "status" = CAST('published' AS "document_status"), "published_data" = CAST($1 AS jsonb), "published_references" = CAST($10 AS uuid[]), "published_hash" = $2, "published_at" = $3, "updated_by" = $4, "updated_at" = $3, "#,
    pg_next_version!("$5"),
    r#" WHERE "id" = $5 AND "organization_id" = $9 AND "revision" = $6 "#,
    pg_returning_document!(),
    r#")"#,
    pg_snapshot_and_prune!("$7", "publish", r#""published_data""#, "$5", "$8"),
    pg_document_event_and_row!("$11", "$12"),
);

/// PostgreSQL: the ids a level's documents refer to, read from their `$data` column by a JSON
/// path (every object at any depth with `"_type": "reference"` and a string `_ref`; unlike the
/// service's walk it also looks inside reference objects, which can only fetch more). The
/// `_ref` is lowercased and stripped of `urn:uuid:`, braces and hyphens before it is cast, so
/// every spelling `Uuid::parse_str` accepts is found, and a string that is no id is skipped
/// rather than failing the cast.
fn pg_referenced_ids(level: &str, data: &str) -> String {
    format!(
        r#"SELECT CASE WHEN "n"."k" ~ '^[0-9a-f]{{32}}$' THEN CAST("n"."k" AS uuid) END FROM "{level}", jsonb_path_query("{level}"."{data}", 'strict $.**?(@._type == "reference" && @._ref.type() == "string")._ref', '{{}}', true) AS "r"("ref"), regexp_replace(lower("r"."ref" #>> '{{}}'), '^urn:uuid:|[{{}}-]', '', 'g') AS "n"("k")"#
    )
}

/// PostgreSQL: every level of a reference closure in ONE statement. Level 1 is `$1` (an
/// `uuid[]`); level `k + 1` is what level `k` refers to, minus earlier levels; `$2` (the page)
/// is never fetched; only documents of the organizations `$4` (a `text[]`) are; each level and
/// the whole answer stop at `$3` rows (the service's cap + 1),
/// so a huge graph is never read in full. The `WITH` sits inside a `SELECT … FROM (…)`, where it
/// cannot write, so the statement stays a plain read that a replica may serve.
fn pg_reference_closure(perspective: Perspective, depth: u32) -> String {
    let (data, visible) = match perspective {
        Perspective::Published => (
            "published_data",
            r#" AND "status" = CAST('published' AS "document_status")"#,
        ),
        _ => ("draft_data", ""),
    };
    let depth = Ord::max(depth, 1);
    let mut levels = Vec::new();
    let mut earlier = String::new();
    for level in 1..=depth {
        let ids = if level == 1 {
            r#""id" = ANY(CAST($1 AS uuid[]))"#.to_owned()
        } else {
            let parent = format!("l{}", level - 1);
            earlier.push_str(&format!(
                r#" AND "id" NOT IN (SELECT "id" FROM "{parent}")"#
            ));
            format!(r#""id" IN ({})"#, pg_referenced_ids(&parent, data))
        };
        levels.push(format!(
            r#""l{level}" AS (SELECT * FROM "cms_documents" WHERE {ids} AND "organization_id" = ANY(CAST($4 AS text[])) AND NOT ("id" = ANY(CAST($2 AS uuid[]))){earlier}{visible} LIMIT $3)"#
        ));
    }
    let union = (1..=depth)
        .map(|level| format!(r#"SELECT * FROM "l{level}""#))
        .collect::<Vec<_>>()
        .join(" UNION ALL ");
    format!(
        r#"SELECT {} FROM (WITH {} {union} LIMIT $3) AS "closure""#,
        pg_document_columns!(),
        levels.join(", ")
    )
}

/// Retention as the PostgreSQL statements take it: keep the newest `keep`, or (no retention)
/// a count no document reaches.
fn keep_param(snapshot: Snapshot) -> i64 {
    snapshot.keep.map_or(i64::MAX, |k| i64::from(k.get()))
}

/// The event id and kind parameters of [`pg_document_event_and_row`]: NULLs for no event.
fn event_params(event: Option<DocumentEvent>) -> [sea_orm::Value; 2] {
    [
        event.map(|e| DbUuid(e.id)).into(),
        event.map(|e| e.kind.as_str()).into(),
    ]
}

impl<C: ConnectionTrait + Send + Sync, B> SeaStore<C, B> {
    /// The values of [`INSERT_COLUMNS`] for `doc`: a draft at revision 1 with its first
    /// snapshot counted.
    fn document_row(&self, scope: &Scope, doc: &NewDocument) -> [Expr; 12] {
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
            Expr::val(1_i64),
            Expr::val(scope.organization()),
            self.dialect()
                .references_param(&reference_ids(&doc.draft_data)),
        ]
    }

    /// Refuses a one-statement write on a backend without data-modifying `WITH`.
    fn postgres_only(&self, operation: &'static str) -> Result<()> {
        if self.dialect() == Dialect::Postgres {
            Ok(())
        } else {
            Err(Error::Unsupported {
                backend: "sqlite",
                operation,
            })
        }
    }

    /// Runs a one-statement write whose `"doc"` CTE is guarded; when it wrote nothing, a read
    /// tells `NotFound` from `RevisionConflict`.
    async fn guarded_statement(
        &self,
        scope: &Scope,
        id: Uuid,
        stmt: Statement,
    ) -> Result<Document> {
        let row = Model::find_by_statement(stmt)
            .one(&self.conn)
            .await
            .map_err(self.err(ENTITY))?;
        match row {
            Some(row) => Ok(to_core(row)),
            None => Err(self.revision_failure(scope, id).await),
        }
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

    /// After a guarded write matched nothing: why (a document of another organization is not
    /// found).
    async fn revision_failure(&self, scope: &Scope, id: Uuid) -> Error {
        match Entity::find_by_id(DbUuid(id))
            .filter(owned(Expr::col(Column::OrganizationId), scope))
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
        scope: &Scope,
        id: Uuid,
        expected_revision: Option<i64>,
        update: sea_orm::UpdateMany<Entity>,
    ) -> Result<Document> {
        let mut update = update
            .filter(Column::Id.eq(DbUuid(id)))
            .filter(owned(Expr::col(Column::OrganizationId), scope));
        if let Some(rev) = expected_revision {
            update = update.filter(Column::Revision.eq(rev));
        }
        let mut rows = update
            .exec_with_returning(&self.conn)
            .await
            .map_err(self.err(ENTITY))?;
        match rows.pop() {
            Some(row) => Ok(to_core(row)),
            None => Err(self.revision_failure(scope, id).await),
        }
    }
}

/// `version_count + 1`: a write the services snapshot counts its snapshot (see
/// `PG_SAVE_DRAFT_WITH_SNAPSHOT`; on SQLite, whose transactions hold the write lock, the
/// snapshot itself is numbered `MAX + 1`, which this keeps equal to the counter).
fn next_version_count() -> Expr {
    Expr::col(Column::VersionCount).add(1)
}

#[async_trait]
impl<C: ConnectionTrait + Send + Sync, B: Send + Sync> DocumentStore for SeaStore<C, B>
where
    crate::conn::SeaConnection<C>: crate::conn::Begin,
{
    async fn insert_document(&self, scope: &Scope, doc: &NewDocument) -> Result<Document> {
        in_rls_scope!(self, scope, insert_document(doc));
        // Built with sea-query rather than an ActiveModel so the draft goes in as text
        // (`Dialect::json_param`) instead of as a JSON tree that SeaORM would copy twice.
        let mut insert = Query::insert();
        insert
            .into_table(Entity)
            .columns(insert_columns())
            .values(self.document_row(scope, doc))
            .map_err(|e| Error::backend("sql", e))?
            .returning(Query::returning().exprs(Column::iter().map(|c| c.select_as(Expr::col(c)))));
        let stmt = self.conn.get_database_backend().build(&insert);
        self.inserted(stmt).await
    }

    async fn insert_document_with_first_version(
        &self,
        scope: &Scope,
        doc: &NewDocument,
        version: &NewVersion,
        event: Option<DocumentEvent>,
    ) -> Result<Document> {
        in_rls_scope!(
            self,
            scope,
            insert_document_with_first_version(doc, version, event)
        );
        self.postgres_only("a document and its first snapshot in one statement")?;
        let [event_id, event_kind] = event_params(event);
        let values: [sea_orm::Value; 10] = [
            DbUuid(doc.id).into(),
            doc.doc_type.as_str().into(),
            crate::dialect::json_text(&doc.draft_data).into(),
            doc.created_by.clone().into(),
            doc.created_at.into(),
            DbUuid(version.id).into(),
            scope.organization().into(),
            pg_uuid_array(&reference_ids(&doc.draft_data)).into(),
            event_id,
            event_kind,
        ];
        let stmt = Statement::from_sql_and_values(
            self.conn.get_database_backend(),
            PG_CREATE_WITH_FIRST_VERSION,
            values,
        );
        self.inserted(stmt).await
    }

    async fn insert_documents(&self, scope: &Scope, docs: &[NewDocument]) -> Result<()> {
        in_rls_scope!(self, scope, insert_documents(docs));
        let rows = docs
            .iter()
            .map(|doc| self.document_row(scope, doc))
            .collect();
        self.insert_rows(Entity, insert_columns(), rows, ENTITY)
            .await
    }

    async fn find_document(&self, scope: &Scope, id: Uuid) -> Result<Option<Document>> {
        in_rls_scope!(self, scope, find_document(id));
        let row = Entity::find_by_id(DbUuid(id))
            .filter(visible(Expr::col(Column::OrganizationId), scope))
            .one(&self.conn)
            .await
            .map_err(self.err(ENTITY))?;
        Ok(row.map(to_core))
    }

    async fn find_documents_by_ids(&self, scope: &Scope, ids: &[Uuid]) -> Result<Vec<Document>> {
        in_rls_scope!(self, scope, find_documents_by_ids(ids));
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        let rows = Entity::find()
            .filter(visible(Expr::col(Column::OrganizationId), scope))
            .filter(Column::Id.is_in(ids.iter().map(|id| DbUuid(*id))))
            .all(&self.conn)
            .await
            .map_err(self.err(ENTITY))?;
        Ok(rows.into_iter().map(to_core).collect())
    }

    async fn find_reference_closure(
        &self,
        scope: &Scope,
        closure: &ReferenceClosure,
    ) -> Result<Vec<Document>> {
        in_rls_scope!(self, scope, find_reference_closure(closure));
        self.postgres_only("reference resolution in one statement")?;
        if closure.ids.is_empty() {
            return Ok(Vec::new());
        }
        let values: [sea_orm::Value; 4] = [
            pg_uuid_array(&closure.ids).into(),
            pg_uuid_array(&closure.exclude).into(),
            (i64::from(closure.limit) + 1).into(),
            pg_text_array(scope.visible()).into(),
        ];
        let stmt = Statement::from_sql_and_values(
            self.conn.get_database_backend(),
            pg_reference_closure(closure.perspective, closure.depth),
            values,
        );
        let rows = Model::find_by_statement(stmt)
            .all(&self.conn)
            .await
            .map_err(self.err(ENTITY))?;
        Ok(rows.into_iter().map(to_core).collect())
    }

    async fn find_documents(&self, scope: &Scope, query: &ListQuery) -> Result<Page<Document>> {
        in_rls_scope!(self, scope, find_documents(query));
        Ok(self
            .page::<Documents>(scope, query, ENTITY)
            .await?
            .map(to_core))
    }

    async fn count_documents(&self, scope: &Scope, filter: &Filter) -> Result<u64> {
        in_rls_scope!(self, scope, count_documents(filter));
        self.count_where::<Documents>(scope, filter, ENTITY).await
    }

    async fn count_documents_by_type(&self, scope: &Scope) -> Result<BTreeMap<String, u64>> {
        in_rls_scope!(self, scope, count_documents_by_type());
        self.counts_by::<Entity>(scope, Column::OrganizationId, Column::DocType, ENTITY)
            .await
    }

    async fn update_draft(&self, scope: &Scope, update: &DraftUpdate) -> Result<Document> {
        in_rls_scope!(self, scope, update_draft(update));
        let values = ActiveModel {
            updated_by: Set(update.updated_by.clone()),
            updated_at: Set(update.updated_at),
            ..Default::default()
        };
        // The JSON goes in as text (`Dialect::json_param`), not as a tree to be copied.
        let write = Entity::update_many()
            .col_expr(Column::DraftData, self.dialect().json_param(&update.data))
            .col_expr(
                references_column(Perspective::Draft),
                self.dialect()
                    .references_param(&reference_ids(&update.data)),
            )
            .set(values)
            .col_expr(Column::Revision, Expr::col(Column::Revision).add(1))
            .col_expr(Column::VersionCount, next_version_count());
        self.guarded_update(scope, update.id, update.expected_revision, write)
            .await
    }

    async fn update_publish_state(&self, scope: &Scope, update: PublishUpdate) -> Result<Document> {
        in_rls_scope!(self, scope, update_publish_state(update));
        let snapshotted = matches!(update.change, PublishChange::Publish { .. });
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
        let references = published_data
            .as_ref()
            .map(reference_ids)
            .unwrap_or_default();
        let published_data = match published_data {
            Some(data) => self.dialect().json_param(&data),
            None => Expr::val(Option::<serde_json::Value>::None),
        };
        let mut write = Entity::update_many()
            .set(values)
            .col_expr(Column::PublishedData, published_data)
            .col_expr(
                references_column(Perspective::Published),
                self.dialect().references_param(&references),
            );
        if snapshotted {
            write = write.col_expr(Column::VersionCount, next_version_count());
        }
        self.guarded_update(scope, update.id, Some(update.expected_revision), write)
            .await
    }

    async fn update_draft_with_snapshot(
        &self,
        scope: &Scope,
        update: &DraftUpdate,
        snapshot: Snapshot,
    ) -> Result<Document> {
        in_rls_scope!(self, scope, update_draft_with_snapshot(update, snapshot));
        self.postgres_only("a draft save and its snapshot in one statement")?;
        let [event_id, event_kind] = event_params(snapshot.event);
        let values: [sea_orm::Value; 11] = [
            crate::dialect::json_text(&update.data).into(),
            update.updated_by.clone().into(),
            update.updated_at.into(),
            DbUuid(update.id).into(),
            update.expected_revision.into(),
            DbUuid(snapshot.version_id).into(),
            keep_param(snapshot).into(),
            scope.organization().into(),
            pg_uuid_array(&reference_ids(&update.data)).into(),
            event_id,
            event_kind,
        ];
        let stmt = Statement::from_sql_and_values(
            self.conn.get_database_backend(),
            PG_SAVE_DRAFT_WITH_SNAPSHOT,
            values,
        );
        self.guarded_statement(scope, update.id, stmt).await
    }

    async fn publish_with_snapshot(
        &self,
        scope: &Scope,
        update: &PublishUpdate,
        snapshot: Snapshot,
    ) -> Result<Document> {
        in_rls_scope!(self, scope, publish_with_snapshot(update, snapshot));
        self.postgres_only("a publish and its snapshot in one statement")?;
        let PublishChange::Publish { data, hash } = &update.change else {
            return Err(Error::invalid("change", "an unpublish takes no snapshot"));
        };
        let [event_id, event_kind] = event_params(snapshot.event);
        let values: [sea_orm::Value; 12] = [
            crate::dialect::json_text(data).into(),
            hash.clone().into(),
            update.at.into(),
            update.updated_by.clone().into(),
            DbUuid(update.id).into(),
            update.expected_revision.into(),
            DbUuid(snapshot.version_id).into(),
            keep_param(snapshot).into(),
            scope.organization().into(),
            pg_uuid_array(&reference_ids(data)).into(),
            event_id,
            event_kind,
        ];
        let stmt = Statement::from_sql_and_values(
            self.conn.get_database_backend(),
            PG_PUBLISH_WITH_SNAPSHOT,
            values,
        );
        self.guarded_statement(scope, update.id, stmt).await
    }

    async fn delete_document(&self, scope: &Scope, id: Uuid) -> Result<bool> {
        in_rls_scope!(self, scope, delete_document(id));
        let res = Entity::delete_by_id(DbUuid(id))
            .filter(owned(Expr::col(Column::OrganizationId), scope))
            .exec(&self.conn)
            .await
            .map_err(self.err(ENTITY))?;
        Ok(res.rows_affected > 0)
    }

    async fn set_references(
        &self,
        scope: &Scope,
        id: Uuid,
        perspective: Perspective,
        targets: &[Uuid],
    ) -> Result<bool> {
        in_rls_scope!(self, scope, set_references(id, perspective, targets));
        let res = Entity::update_many()
            .col_expr(
                references_column(perspective),
                self.dialect().references_param(targets),
            )
            .filter(Column::Id.eq(DbUuid(id)))
            .filter(owned(Expr::col(Column::OrganizationId), scope))
            .exec(&self.conn)
            .await
            .map_err(self.err(ENTITY))?;
        Ok(res.rows_affected > 0)
    }
}

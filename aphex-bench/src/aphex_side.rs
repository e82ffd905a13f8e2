//! The measured side: every operation through `Cms` (service + adapter), as an application
//! calls it.

use std::sync::Arc;

use async_trait::async_trait;
use futures::future::BoxFuture;
use serde_json::Value;
use uuid::Uuid;

use aphex_core::Cms;
use aphex_core::model::Document;
use aphex_core::ports::DatabaseAdapter;
use aphex_core::query::{FindOptions, Perspective, Where};
use aphex_core::schema::{FieldDef, FieldType, SchemaTypeDef};
use aphex_core::service::{CreateDocument, WriteOptions};

use crate::corpus::{QUERY_TAG, QUERY_VIEWS_ABOVE, SeedDoc};
use crate::lists::{ListAnswer, ListSpec};
use crate::target::{BenchResult, Loaded, Target};

/// The schema types the corpus is valid against (publish validates).
pub fn schema_types() -> [SchemaTypeDef; 2] {
    [
        SchemaTypeDef::document("author", "Author")
            .field(FieldDef::string("name").required())
            .field(FieldDef::text("bio")),
        SchemaTypeDef::document("post", "Post")
            .field(FieldDef::string("title").required().max(200.0))
            // Looked up and listed by slug (unique, as a CMS slug is, so indexed). `views`
            // stays unindexed: the findMany phase is the Drizzle workload's query, on the same
            // indexes (the GIN ones) on both sides.
            .field(FieldDef::slug("slug").required().unique())
            .field(FieldDef::array("tags", [FieldType::String]))
            .field(FieldDef::number("views").integer().min(0.0))
            .field(FieldDef::reference("author", ["author"]).required())
            .field(FieldDef::array(
                "related",
                [FieldType::Reference {
                    to: vec!["post".into()],
                }],
            ))
            .field(FieldDef::array("body", [FieldType::Block])),
    ]
}

/// The findMany phase's options.
pub fn find_many_options() -> FindOptions {
    FindOptions::new()
        .doc_type("post")
        .filter(Where::and([
            Where::path("views").greater_than(QUERY_VIEWS_ABOVE),
            Where::path("tags").all([QUERY_TAG]),
        ]))
        .sort("-updatedAt")
        .limit(20)
}

/// A side running through `Cms`; `settle` runs on the adapter's own connection.
pub struct AphexSide {
    cms: Cms,
    db: Arc<dyn DatabaseAdapter>,
    settle: Option<Settle>,
    /// What the report calls this side (`aphex`; `rls on` / `rls off` under `--rls`).
    label: &'static str,
}

/// Backend-specific post-load maintenance (`ANALYZE`, checkpoint).
pub type Settle = Box<dyn Fn() -> BoxFuture<'static, BenchResult<()>> + Send + Sync>;

impl AphexSide {
    /// A `Cms` over `db` with the corpus's schema types.
    pub async fn new(db: Arc<dyn DatabaseAdapter>, settle: Option<Settle>) -> BenchResult<Self> {
        let cms = Cms::builder()
            .database(db.clone())
            .schema_types(schema_types())
            .build()
            .await?;
        Ok(AphexSide {
            cms,
            db,
            settle,
            label: "aphex",
        })
    }

    /// The same side under another name (`--rls` runs two adapter sides).
    pub fn labelled(mut self, label: &'static str) -> Self {
        self.label = label;
        self
    }
}

fn loaded(doc: Document) -> Loaded {
    Loaded {
        id: doc.id,
        doc_type: doc.doc_type,
        revision: doc.revision,
        data: doc.draft_data.unwrap_or(Value::Null),
    }
}

#[async_trait]
impl Target for AphexSide {
    fn side(&self) -> &'static str {
        self.label
    }

    async fn create(&self, doc: SeedDoc) -> BenchResult<i64> {
        let created = self
            .cms
            .documents()
            .create(CreateDocument::new(doc.doc_type, doc.data).id(doc.id))
            .await?;
        Ok(created.revision)
    }

    async fn find_by_id(&self, id: Uuid) -> BenchResult<Option<Loaded>> {
        let doc = self
            .cms
            .documents()
            .find_by_id(id, Perspective::Draft, 0)
            .await?;
        Ok(doc.map(loaded))
    }

    async fn find_depth2(&self, id: Uuid) -> BenchResult<Option<Loaded>> {
        let doc = self
            .cms
            .documents()
            .find_by_id(id, Perspective::Draft, 2)
            .await?;
        Ok(doc.map(loaded))
    }

    async fn find_many(&self) -> BenchResult<(Vec<Loaded>, u64)> {
        let found = self.cms.documents().find(&find_many_options()).await?;
        Ok((
            found.docs.into_iter().map(loaded).collect(),
            found.total_docs,
        ))
    }

    async fn list(&self, spec: &ListSpec) -> BenchResult<ListAnswer> {
        let found = self.cms.documents().find(&spec.options).await?;
        Ok(ListAnswer {
            ids: found.docs.iter().map(|d| d.id).collect(),
            total: found.counted.then_some(found.total_docs),
        })
    }

    async fn update_draft(&self, id: Uuid, expected: i64, data: Value) -> BenchResult<i64> {
        let doc = self
            .cms
            .documents()
            .update_draft(id, data, WriteOptions::default().expect_revision(expected))
            .await?;
        Ok(doc.revision)
    }

    async fn publish(&self, id: Uuid) -> BenchResult<i64> {
        let doc = self
            .cms
            .documents()
            .publish(id, WriteOptions::default())
            .await?;
        Ok(doc.revision)
    }

    async fn settle(&self) -> BenchResult<()> {
        match &self.settle {
            Some(settle) => settle().await,
            None => Ok(()),
        }
    }

    fn statements(&self) -> u64 {
        self.db.statement_count()
    }
}

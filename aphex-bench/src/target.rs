//! What a benchmarked side can do — one method per timed operation. The adapter side
//! ([`crate::aphex_side`]) goes through `Cms`; the raw sides ([`crate::raw_sql`],
//! [`crate::raw_mongo`]) issue the same statements straight through the driver.

use async_trait::async_trait;
use serde_json::Value;
use uuid::Uuid;

use crate::corpus::SeedDoc;

/// Errors of a bench run.
pub type BoxError = Box<dyn std::error::Error + Send + Sync>;
/// Results of a bench run.
pub type BenchResult<T> = Result<T, BoxError>;

/// A document as a side read it back: enough to check the answer.
#[derive(Debug, Clone)]
pub struct Loaded {
    /// Its id.
    pub id: Uuid,
    /// Its document type.
    pub doc_type: String,
    /// Its revision.
    pub revision: i64,
    /// Its draft data (references resolved when asked).
    pub data: Value,
}

/// One side of the comparison.
#[async_trait]
pub trait Target: Send + Sync {
    /// `aphex` or `raw` (`rls on` / `rls off` under `--rls`).
    fn side(&self) -> &'static str;
    /// Creates a draft document (with its first version snapshot); returns its revision.
    async fn create(&self, doc: SeedDoc) -> BenchResult<i64>;
    /// Reads a document by id (draft perspective).
    async fn find_by_id(&self, id: Uuid) -> BenchResult<Option<Loaded>>;
    /// Reads a document by id with references resolved two levels deep.
    async fn find_depth2(&self, id: Uuid) -> BenchResult<Option<Loaded>>;
    /// `post`s with `views > 5000` and `tag-3` among their tags, newest `updatedAt` first,
    /// 20 of them, plus how many match.
    async fn find_many(&self) -> BenchResult<(Vec<Loaded>, u64)>;
    /// Replaces the draft if the document is at `expected`; returns the new revision.
    async fn update_draft(&self, id: Uuid, expected: i64, data: Value) -> BenchResult<i64>;
    /// Publishes the current draft; returns the revision.
    async fn publish(&self, id: Uuid) -> BenchResult<i64>;
    /// One list operation (a list phase): the page's ids and, when counted, the count.
    async fn list(&self, spec: &crate::lists::ListSpec) -> BenchResult<crate::lists::ListAnswer>;
    /// Refreshes planner statistics and checkpoints after loading (`ANALYZE`, WAL checkpoint).
    async fn settle(&self) -> BenchResult<()>;
    /// Statements (or MongoDB commands) sent so far.
    fn statements(&self) -> u64;
}

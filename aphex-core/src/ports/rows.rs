use async_trait::async_trait;

use crate::copy::{Row, Table};
use crate::error::Result;

/// Whole tables in their canonical form ([`crate::copy`]): what moving a CMS between backends
/// reads on the source and writes on the target. Not scoped to an organization: it is the
/// database's owner's tool.
///
/// # Contract
/// - Rows are read in the byte order of their key's text (UUIDs as lowercase hyphenated text),
///   the same order on every backend, so two databases can be compared by merging.
/// - [`upsert_rows`](Self::upsert_rows) replaces a row whose key exists, so writing a batch
///   again changes nothing; it writes the storage bookkeeping a backend derives from the row
///   (the reference index) with it.
#[async_trait]
pub trait RowStore: Send + Sync {
    /// A reader over one consistent snapshot where the backend has one (PostgreSQL
    /// `REPEATABLE READ`, a SQLite read transaction); on MongoDB each batch reads what is
    /// committed when it runs ([`RowReader::is_snapshot`] says which).
    ///
    /// # Errors
    /// The database error.
    async fn read(&self) -> Result<Box<dyn RowReader>>;

    /// Writes `rows` of `table`, replacing rows with the same key.
    ///
    /// # Errors
    /// [`Error::Validation`](crate::Error::Validation) naming `table.column` for a value not of
    /// its column's kind (nothing of the batch is written); the database error.
    async fn upsert_rows(&self, table: &Table, rows: &[Row]) -> Result<()>;

    /// The rows of `table`.
    ///
    /// # Errors
    /// The database error.
    async fn count_rows(&self, table: &Table) -> Result<u64>;

    /// The greatest key of `table` (in the read order), `None` when it is empty.
    ///
    /// # Errors
    /// The database error.
    async fn last_key(&self, table: &Table) -> Result<Option<String>>;

    /// Deletes the row of `table` with key `key` (what its foreign keys cascade to goes too).
    ///
    /// # Errors
    /// The database error.
    async fn delete_row(&self, table: &Table, key: &str) -> Result<()>;

    /// Brings storage bookkeeping derived from several tables up to date after a copy (SQL:
    /// each document's `version_count` from its versions).
    ///
    /// # Errors
    /// The database error.
    async fn finish_copy(&self) -> Result<()>;
}

/// Reads whole tables, batch by batch, from one snapshot ([`RowStore::read`]).
#[async_trait]
pub trait RowReader: Send {
    /// Whether every read sees the same snapshot.
    fn is_snapshot(&self) -> bool;

    /// The rows of `table`.
    ///
    /// # Errors
    /// The database error.
    async fn count_rows(&mut self, table: &Table) -> Result<u64>;

    /// Up to `limit` rows of `table` whose key comes after `after` (from the first when
    /// `None`), in key order.
    ///
    /// # Errors
    /// The database error; [`Error::Backend`](crate::Error::Backend) for a stored value that
    /// is not of its column's kind.
    async fn read_rows(
        &mut self,
        table: &Table,
        after: Option<&str>,
        limit: u32,
    ) -> Result<Vec<Row>>;
}

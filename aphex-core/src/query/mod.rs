//! The `where` language (Aphex/Payload style) and find options.
//!
//! Three layers, each in its own file:
//! - [`where_clause`]: the JSON shape users write, parsed into a [`Where`] tree (structure only);
//! - [`resolve`]: a [`Where`] checked against a target (documents or assets) into a [`Filter`]:
//!   paths become columns or JSON paths, operands are coerced to the column's type, negations
//!   become [`Filter::Not`];
//! - [`filter`]: the resolved tree that the SQL and BSON compilers translate. Compilers never see
//!   raw user input, and every check that can fail happens before the database is contacted.

pub(crate) mod cursor;
pub mod filter;
mod find;
mod paging;
pub mod resolve;
pub mod where_clause;

pub use cursor::{KeyValue, Keyset};
pub use filter::{
    Column, ColumnKind, Field, Filter, IndexKind, JsonColumn, JsonField, JsonType, Op, Operand,
    SortKey,
};
pub(crate) use find::check_depth;
pub use find::{FindOptions, Perspective};
pub use paging::{FindResult, MAX_OFFSET, Page, Paging};
pub use resolve::{ListQuery, REFERENCES_PATH, Target};
pub use where_clause::{Operator, Scalar, Where};

/// Most `in`/`not_in`/`all` values accepted in one condition.
pub const MAX_IN_VALUES: usize = 1000;
/// Deepest `and`/`or` nesting accepted.
pub const MAX_NESTING: usize = 16;
/// Default page size.
pub const DEFAULT_LIMIT: u64 = 50;
/// Largest page size.
pub const MAX_LIMIT: u64 = 1000;
/// Longest accepted path, in bytes.
pub const MAX_PATH_LEN: usize = 256;
/// Most sort keys accepted.
pub const MAX_SORT_KEYS: usize = 8;
/// Deepest reference resolution accepted.
pub const MAX_DEPTH: u32 = 10;

//! Pages: the validated page request every listing takes ([`Paging`]), the rows a store returns
//! ([`Page`]) and the page a caller gets back ([`FindResult`]).
//!
//! A page size and offset reach a store only as a [`Paging`], which can only hold a limit of
//! `1..=MAX_LIMIT` and an offset of at most [`MAX_OFFSET`] (what a SQL `OFFSET` or a MongoDB
//! `skip` takes): numbers from callers are checked once, here, and a driver never sees one it
//! would reject (or panic on).

use std::num::NonZeroU32;

use serde::{Deserialize, Serialize};

use super::{DEFAULT_LIMIT, MAX_LIMIT};
use crate::error::{Error, Result};

/// Largest accepted offset (rows to skip): `i64::MAX`, what SQL and MongoDB take.
pub const MAX_OFFSET: u64 = i64::MAX as u64;

/// A page request: `limit` rows (1 to [`MAX_LIMIT`]) after skipping `offset` rows (at most
/// [`MAX_OFFSET`]). Built only through the checking constructors.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Paging {
    limit: NonZeroU32,
    offset: u64,
}

impl Default for Paging {
    /// The first page of [`DEFAULT_LIMIT`] rows.
    fn default() -> Self {
        Paging {
            limit: NonZeroU32::new(DEFAULT_LIMIT as u32).unwrap_or(NonZeroU32::MIN),
            offset: 0,
        }
    }
}

impl Paging {
    /// `limit` rows after `offset` rows.
    ///
    /// # Errors
    /// [`Error::InvalidQuery`] naming `limit` (outside `1..=MAX_LIMIT`) or `offset` (above
    /// [`MAX_OFFSET`]).
    pub fn new(limit: u64, offset: u64) -> Result<Paging> {
        let limit = checked_limit(limit)?;
        if offset > MAX_OFFSET {
            return Err(Error::invalid_query(
                "offset",
                format!("must be at most {MAX_OFFSET}"),
            ));
        }
        Ok(Paging { limit, offset })
    }

    /// Page `page` (from 1) of `limit` rows: `offset = (page - 1) * limit`.
    ///
    /// # Errors
    /// [`Error::InvalidQuery`] naming `limit`, or `page` when it is 0 or so large that the
    /// offset would pass [`MAX_OFFSET`].
    pub fn page(limit: u64, page: u64) -> Result<Paging> {
        let checked = checked_limit(limit)?;
        let offset = page
            .checked_sub(1)
            .ok_or_else(|| Error::invalid_query("page", "pages start at 1"))?
            .checked_mul(limit)
            .filter(|o| *o <= MAX_OFFSET)
            .ok_or_else(|| Error::invalid_query("page", "too large"))?;
        Ok(Paging {
            limit: checked,
            offset,
        })
    }

    /// Rows per page (1 to [`MAX_LIMIT`]).
    pub fn limit(self) -> u64 {
        u64::from(self.limit.get())
    }

    /// Rows skipped (at most [`MAX_OFFSET`]).
    pub fn offset(self) -> u64 {
        self.offset
    }

    /// The 1-based page number this offset falls on.
    pub fn page_number(self) -> u64 {
        self.offset / self.limit() + 1
    }
}

fn checked_limit(limit: u64) -> Result<NonZeroU32> {
    u32::try_from(limit)
        .ok()
        .filter(|l| u64::from(*l) <= MAX_LIMIT)
        .and_then(NonZeroU32::new)
        .ok_or_else(|| Error::invalid_query("limit", format!("must be between 1 and {MAX_LIMIT}")))
}

/// Rows of one page plus the total, as the stores return them.
#[derive(Debug, Clone, PartialEq)]
pub struct Page<T> {
    /// The rows.
    pub rows: Vec<T>,
    /// Rows matching the filter, ignoring limit and offset.
    pub total: u64,
}

impl<T> Page<T> {
    /// Maps the rows.
    pub fn map<U>(self, f: impl FnMut(T) -> U) -> Page<U> {
        Page {
            rows: self.rows.into_iter().map(f).collect(),
            total: self.total,
        }
    }
}

/// One page of results with Payload-style pagination metadata.
///
/// A page found with [`FindOptions::count`](super::FindOptions::count) off has
/// `counted == false`: `total_docs` and `total_pages` are then 0 and mean nothing (JSON:
/// `"totalDocs": null, "totalPages": null`). A keyset page
/// ([`FindOptions::after`](super::FindOptions::after)) has `offset` 0 and `page` 0 (it has no
/// number), and `has_prev_page` true.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(from = "FindResultJson<T>", into = "FindResultJson<T>")]
#[serde(bound(
    serialize = "T: Serialize + Clone",
    deserialize = "T: Deserialize<'de>"
))]
#[non_exhaustive]
pub struct FindResult<T> {
    /// The page.
    pub docs: Vec<T>,
    /// Matching rows in total (0 when not [`counted`](Self::counted)).
    pub total_docs: u64,
    /// Page size.
    pub limit: u64,
    /// Rows skipped (0 on a keyset page).
    pub offset: u64,
    /// 1-based page number (`offset / limit + 1`; 0 on a keyset page).
    pub page: u64,
    /// `ceil(total_docs / limit)` (0 when not counted).
    pub total_pages: u64,
    /// More rows after this page.
    pub has_next_page: bool,
    /// Rows before this page.
    pub has_prev_page: bool,
    /// Whether `total_docs` and `total_pages` were counted.
    pub counted: bool,
    /// When there are more rows: the cursor of this page's last row, for
    /// [`FindOptions::after`](super::FindOptions::after) — the next page, read from where this
    /// one ended.
    pub next_cursor: Option<String>,
}

/// The JSON form: `totalDocs` / `totalPages` are `null` when not counted.
#[derive(Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
struct FindResultJson<T> {
    docs: Vec<T>,
    total_docs: Option<u64>,
    limit: u64,
    offset: u64,
    page: u64,
    total_pages: Option<u64>,
    has_next_page: bool,
    has_prev_page: bool,
    #[serde(default)]
    next_cursor: Option<String>,
}

impl<T> From<FindResult<T>> for FindResultJson<T> {
    fn from(r: FindResult<T>) -> Self {
        let counted = |n: u64| r.counted.then_some(n);
        FindResultJson {
            total_docs: counted(r.total_docs),
            total_pages: counted(r.total_pages),
            docs: r.docs,
            limit: r.limit,
            offset: r.offset,
            page: r.page,
            has_next_page: r.has_next_page,
            has_prev_page: r.has_prev_page,
            next_cursor: r.next_cursor,
        }
    }
}

impl<T> From<FindResultJson<T>> for FindResult<T> {
    fn from(j: FindResultJson<T>) -> Self {
        FindResult {
            counted: j.total_docs.is_some(),
            total_docs: j.total_docs.unwrap_or(0),
            total_pages: j.total_pages.unwrap_or(0),
            docs: j.docs,
            limit: j.limit,
            offset: j.offset,
            page: j.page,
            has_next_page: j.has_next_page,
            has_prev_page: j.has_prev_page,
            next_cursor: j.next_cursor,
        }
    }
}

impl<T> FindResult<T> {
    /// Builds the metadata of the page `paging` asked for, holding `docs` of `total_docs`.
    pub fn new(docs: Vec<T>, total_docs: u64, paging: Paging) -> Self {
        let shown = docs.len() as u64;
        let (limit, offset) = (paging.limit(), paging.offset());
        FindResult {
            docs,
            total_docs,
            limit,
            offset,
            page: paging.page_number(),
            total_pages: total_docs.div_ceil(limit),
            has_next_page: offset.saturating_add(shown) < total_docs,
            has_prev_page: offset > 0,
            counted: true,
            next_cursor: None,
        }
    }

    /// The result of `query`, from the rows and total its store returned: when the store
    /// fetched one row more than the page ([`ListQuery::peeks`](super::ListQuery::peeks)), that
    /// row only tells that a next page exists, and is dropped.
    pub fn from_page(mut page: Page<T>, query: &super::ListQuery) -> Self {
        if !query.peeks() {
            return FindResult::new(page.rows, page.total, query.paging);
        }
        let limit = usize::try_from(query.paging.limit()).unwrap_or(usize::MAX);
        let has_next_page = page.rows.len() > limit;
        page.rows.truncate(limit);
        let keyset = query.after.is_some();
        let total = query.count.then_some(page.total);
        let (limit, offset) = (
            query.paging.limit(),
            if keyset { 0 } else { query.paging.offset() },
        );
        FindResult {
            docs: page.rows,
            total_docs: total.unwrap_or(0),
            limit,
            offset,
            page: if keyset {
                0
            } else {
                query.paging.page_number()
            },
            total_pages: total.map_or(0, |t| t.div_ceil(limit)),
            has_next_page,
            has_prev_page: keyset || offset > 0,
            counted: total.is_some(),
            next_cursor: None,
        }
    }

    /// Maps the rows.
    pub fn map<U>(self, f: impl FnMut(T) -> U) -> FindResult<U> {
        FindResult {
            docs: self.docs.into_iter().map(f).collect(),
            total_docs: self.total_docs,
            limit: self.limit,
            offset: self.offset,
            page: self.page,
            total_pages: self.total_pages,
            has_next_page: self.has_next_page,
            has_prev_page: self.has_prev_page,
            counted: self.counted,
            next_cursor: self.next_cursor,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn out_of_range_numbers_are_refused_by_name() {
        let path = |r: Result<Paging>| match r {
            Err(Error::InvalidQuery { path, .. }) => path,
            other => panic!("expected InvalidQuery, got {other:?}"),
        };
        assert_eq!(path(Paging::new(0, 0)), "limit");
        assert_eq!(path(Paging::new(MAX_LIMIT + 1, 0)), "limit");
        assert_eq!(path(Paging::new(u64::MAX, 0)), "limit");
        assert_eq!(path(Paging::new(10, MAX_OFFSET + 1)), "offset");
        assert_eq!(path(Paging::page(10, 0)), "page");
        assert_eq!(path(Paging::page(10, u64::MAX)), "page");
        assert_eq!(path(Paging::page(2, MAX_OFFSET / 2 + 2)), "page");
        let p = Paging::new(MAX_LIMIT, MAX_OFFSET).expect("the largest page is fine");
        assert_eq!((p.limit(), p.offset()), (MAX_LIMIT, MAX_OFFSET));
        assert_eq!(Paging::page(20, 3).expect("page 3").offset(), 40);
    }

    #[test]
    fn results_describe_their_page() {
        let r = FindResult::new(vec![1, 2], 5, Paging::page(2, 2).expect("page 2"));
        assert_eq!(
            (r.page, r.total_pages, r.has_next_page, r.has_prev_page),
            (2, 3, true, true)
        );
        let last = FindResult::new(vec![1], 1, Paging::new(1, MAX_OFFSET).expect("paging"));
        assert!(!last.has_next_page, "no overflow at the largest offset");
    }
}

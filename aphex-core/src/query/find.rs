//! Find options (the query a caller sends) and find results (the page it gets back).

use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::resolve::{ListQuery, Target};
use super::where_clause::Where;
use super::{DEFAULT_LIMIT, MAX_DEPTH, MAX_LIMIT};
use crate::error::{Error, Result};
use crate::query::Filter;

/// Which copy of a document a read sees.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Perspective {
    /// The working copy (`draft_data`); every document is visible.
    #[default]
    Draft,
    /// The live copy (`published_data`); only published documents are visible.
    Published,
}

impl Perspective {
    /// Parses `draft` or `published`.
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "draft" => Some(Perspective::Draft),
            "published" => Some(Perspective::Published),
            _ => None,
        }
    }
}

/// What to find: filter, order, page, perspective and reference depth.
///
/// Build it in code (`FindOptions::new().filter(w).sort("-views").limit(20)`) or parse the JSON
/// body form with [`FindOptions::from_json`]:
/// `{"where": {...}, "sort": "-views" | ["-views", "title"], "limit": 20, "offset": 0 | "page": 1,
///   "perspective": "draft" | "published", "depth": 0}`.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct FindOptions {
    /// Filter; `None` matches everything.
    pub where_clause: Option<Where>,
    /// Sort keys, `-` prefix for descending. Empty means `-updatedAt`.
    pub sort: Vec<String>,
    /// Page size, 1..=1000 (default 50).
    pub limit: Option<u64>,
    /// Rows to skip. Not together with `page`.
    pub offset: Option<u64>,
    /// 1-based page number; `offset = (page - 1) * limit`. Not together with `offset`.
    pub page: Option<u64>,
    /// Draft or published.
    pub perspective: Perspective,
    /// How many levels of references to resolve (0..=10).
    pub depth: u32,
}

impl FindOptions {
    /// Everything, default order and page size.
    pub fn new() -> Self {
        Self::default()
    }

    /// Sets the filter.
    pub fn filter(mut self, w: Where) -> Self {
        self.where_clause = Some(w);
        self
    }

    /// Appends a sort key (`"-views"`).
    pub fn sort(mut self, key: impl Into<String>) -> Self {
        self.sort.push(key.into());
        self
    }

    /// Sets the page size.
    pub fn limit(mut self, limit: u64) -> Self {
        self.limit = Some(limit);
        self
    }

    /// Sets the offset.
    pub fn offset(mut self, offset: u64) -> Self {
        self.offset = Some(offset);
        self
    }

    /// Sets the 1-based page.
    pub fn page(mut self, page: u64) -> Self {
        self.page = Some(page);
        self
    }

    /// Sets the perspective.
    pub fn perspective(mut self, perspective: Perspective) -> Self {
        self.perspective = perspective;
        self
    }

    /// Sets the reference depth.
    pub fn depth(mut self, depth: u32) -> Self {
        self.depth = depth;
        self
    }

    /// Parses the JSON form. Unknown keys are refused.
    ///
    /// # Errors
    /// [`Error::InvalidQuery`] naming the bad key or path.
    pub fn from_json(value: &Value) -> Result<FindOptions> {
        let Value::Object(map) = value else {
            return Err(Error::invalid_query(
                "",
                "find options must be a JSON object",
            ));
        };
        let mut opts = FindOptions::new();
        for (key, v) in map {
            let uint = || {
                v.as_u64()
                    .ok_or_else(|| Error::invalid_query(key, "expected a non-negative integer"))
            };
            match key.as_str() {
                "where" => opts.where_clause = Some(Where::from_json(v)?),
                "sort" => {
                    opts.sort = match v {
                        Value::String(s) => s
                            .split(',')
                            .map(str::trim)
                            .filter(|s| !s.is_empty())
                            .map(String::from)
                            .collect(),
                        Value::Array(items) => items
                            .iter()
                            .map(|i| {
                                i.as_str()
                                    .map(String::from)
                                    .ok_or_else(|| Error::invalid_query("sort", "expected strings"))
                            })
                            .collect::<Result<_>>()?,
                        _ => {
                            return Err(Error::invalid_query("sort", "expected a string or array"));
                        }
                    }
                }
                "limit" => opts.limit = Some(uint()?),
                "offset" => opts.offset = Some(uint()?),
                "page" => opts.page = Some(uint()?),
                "depth" => {
                    opts.depth = u32::try_from(uint()?)
                        .map_err(|_| Error::invalid_query("depth", "too large"))?
                }
                "perspective" => {
                    opts.perspective = v.as_str().and_then(Perspective::parse).ok_or_else(|| {
                        Error::invalid_query("perspective", "expected `draft` or `published`")
                    })?
                }
                other => {
                    return Err(Error::invalid_query(other, "unknown find option"));
                }
            }
        }
        Ok(opts)
    }

    /// Checks the options and resolves them against `target`, ANDing `extra` (a type or status
    /// condition added by the service) into the filter.
    ///
    /// # Errors
    /// [`Error::InvalidQuery`] for bad paths, operators, sort keys, limit, offset, page or depth.
    pub fn resolve(&self, target: Target, extra: Vec<Filter>) -> Result<ListQuery> {
        let limit = self.limit.unwrap_or(DEFAULT_LIMIT);
        if !(1..=MAX_LIMIT).contains(&limit) {
            return Err(Error::invalid_query(
                "limit",
                format!("must be between 1 and {MAX_LIMIT}"),
            ));
        }
        let offset = match (self.offset, self.page) {
            (Some(_), Some(_)) => {
                return Err(Error::invalid_query(
                    "page",
                    "give either `page` or `offset`",
                ));
            }
            (Some(o), None) => o,
            (None, Some(0)) => return Err(Error::invalid_query("page", "pages start at 1")),
            (None, Some(p)) => (p - 1)
                .checked_mul(limit)
                .ok_or_else(|| Error::invalid_query("page", "too large"))?,
            (None, None) => 0,
        };
        if offset > i64::MAX as u64 {
            return Err(Error::invalid_query("offset", "too large"));
        }
        if self.depth > MAX_DEPTH {
            return Err(Error::invalid_query(
                "depth",
                format!("must be at most {MAX_DEPTH}"),
            ));
        }
        let mut filters = extra;
        if let Some(w) = &self.where_clause {
            filters.push(target.resolve(w)?);
        }
        Ok(ListQuery {
            filter: Filter::and(filters),
            sort: target.sort(&self.sort)?,
            limit,
            offset,
        })
    }
}

impl<'de> Deserialize<'de> for FindOptions {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
        let value = Value::deserialize(d)?;
        FindOptions::from_json(&value).map_err(serde::de::Error::custom)
    }
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
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct FindResult<T> {
    /// The page.
    pub docs: Vec<T>,
    /// Matching rows in total.
    pub total_docs: u64,
    /// Page size.
    pub limit: u64,
    /// Rows skipped.
    pub offset: u64,
    /// 1-based page number (`offset / limit + 1`).
    pub page: u64,
    /// `ceil(total_docs / limit)`.
    pub total_pages: u64,
    /// More rows after this page.
    pub has_next_page: bool,
    /// Rows before this page.
    pub has_prev_page: bool,
}

impl<T> FindResult<T> {
    /// Builds the metadata for a page.
    pub fn new(docs: Vec<T>, total_docs: u64, limit: u64, offset: u64) -> Self {
        let shown = docs.len() as u64;
        FindResult {
            docs,
            total_docs,
            limit,
            offset,
            page: offset / limit + 1,
            total_pages: total_docs.div_ceil(limit),
            has_next_page: offset.saturating_add(shown) < total_docs,
            has_prev_page: offset > 0,
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
        }
    }
}

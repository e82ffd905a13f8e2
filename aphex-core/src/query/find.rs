//! Find options (the query a caller sends) and find results (the page it gets back).

use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::paging::Paging;
use super::resolve::{ListQuery, Target};
use super::where_clause::Where;
use super::{DEFAULT_LIMIT, MAX_DEPTH};
use crate::error::{Error, Result};
use crate::query::Filter;

/// Which copy of a document a read sees.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
#[non_exhaustive]
pub enum Perspective {
    /// The working copy (`draft_data`); every document is visible.
    #[default]
    Draft,
    /// The live copy (`published_data`); only published documents are visible.
    Published,
}

impl Perspective {
    /// `draft` or `published`.
    pub fn as_str(self) -> &'static str {
        match self {
            Perspective::Draft => "draft",
            Perspective::Published => "published",
        }
    }

    /// Parses `draft` or `published`.
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "draft" => Some(Perspective::Draft),
            "published" => Some(Perspective::Published),
            _ => None,
        }
    }
}

/// What to find (and count): document type, filter, order, page, perspective and reference
/// depth. Finding and counting take the same options; counting ignores sort, page and depth.
///
/// Build it in code (`FindOptions::new().doc_type("post").filter(w).sort("-views").limit(20)`)
/// or parse the JSON body form with [`FindOptions::from_json`]:
/// `{"type": "post", "where": {...}, "sort": "-views" | ["-views", "title"], "limit": 20,
///   "offset": 0 | "page": 1, "perspective": "draft" | "published", "depth": 0}`.
/// Nothing is checked until the options are used ([`FindOptions::paging`],
/// [`FindOptions::resolve`]); then every bad value is an [`Error::InvalidQuery`] naming it.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct FindOptions {
    /// Only documents of this type; `None` means every type (ignored for assets).
    pub doc_type: Option<String>,
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
    /// A keyset page: the documents after the position this cursor (a page's
    /// [`next_cursor`](super::FindResult::next_cursor)) names, in the same sort and
    /// perspective. Not together with `offset` or `page`.
    pub after: Option<String>,
    /// Whether the result counts every matching document (`total_docs`, `total_pages`;
    /// default `true`). A list page that does not show a total skips the count, which costs as
    /// much as reading every match.
    pub count: bool,
}

impl Default for FindOptions {
    fn default() -> Self {
        FindOptions {
            doc_type: None,
            where_clause: None,
            sort: Vec::new(),
            limit: None,
            offset: None,
            page: None,
            perspective: Perspective::default(),
            depth: 0,
            after: None,
            count: true,
        }
    }
}

impl FindOptions {
    /// Everything, default order and page size.
    pub fn new() -> Self {
        Self::default()
    }

    /// Only documents of this type.
    pub fn doc_type(mut self, doc_type: impl Into<String>) -> Self {
        self.doc_type = Some(doc_type.into());
        self
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

    /// Continues after a page: the cursor is that page's
    /// [`next_cursor`](super::FindResult::next_cursor).
    pub fn after(mut self, cursor: impl Into<String>) -> Self {
        self.after = Some(cursor.into());
        self
    }

    /// Whether to count every matching document (default `true`).
    pub fn count(mut self, count: bool) -> Self {
        self.count = count;
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
                "type" => {
                    opts.doc_type = match v {
                        Value::Null => None,
                        Value::String(t) => Some(t.clone()),
                        _ => return Err(Error::invalid_query("type", "expected a string")),
                    }
                }
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
                "after" => {
                    opts.after = match v {
                        Value::Null => None,
                        Value::String(c) => Some(c.clone()),
                        _ => return Err(Error::invalid_query("after", "expected a cursor string")),
                    }
                }
                "count" => {
                    opts.count = v
                        .as_bool()
                        .ok_or_else(|| Error::invalid_query("count", "expected true or false"))?
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

    /// The page asked for: `limit` (default 50) with `offset` or `page`.
    ///
    /// # Errors
    /// [`Error::InvalidQuery`] naming `limit`, `offset` or `page`.
    pub fn paging(&self) -> Result<Paging> {
        let limit = self.limit.unwrap_or(DEFAULT_LIMIT);
        if self.after.is_some() && (self.offset.is_some() || self.page.is_some()) {
            return Err(Error::invalid_query(
                "after",
                "a keyset page (`after`) takes no `offset` or `page`",
            ));
        }
        match (self.offset, self.page) {
            (Some(_), Some(_)) => Err(Error::invalid_query(
                "page",
                "give either `page` or `offset`",
            )),
            (Some(o), None) => Paging::new(limit, o),
            (None, Some(p)) => Paging::page(limit, p),
            (None, None) => Paging::new(limit, 0),
        }
    }

    /// The reference depth, checked.
    ///
    /// # Errors
    /// [`Error::InvalidQuery`] naming `depth` when it is above [`MAX_DEPTH`].
    pub fn checked_depth(&self) -> Result<u32> {
        check_depth(self.depth)
    }

    /// The filter alone (what counting uses): the options' `where` resolved against `target`,
    /// ANDed with `extra`.
    ///
    /// # Errors
    /// [`Error::InvalidQuery`] for bad paths or operators.
    pub fn resolve_filter(&self, target: Target, mut extra: Vec<Filter>) -> Result<Filter> {
        if let Some(w) = &self.where_clause {
            extra.push(target.resolve(w)?);
        }
        Ok(Filter::and(extra))
    }

    /// Checks the options and resolves them against `target`, ANDing `extra` (a type or status
    /// condition added by the service) into the filter.
    ///
    /// # Errors
    /// [`Error::InvalidQuery`] for bad paths, operators, sort keys, limit, offset, page or depth.
    pub fn resolve(&self, target: Target, extra: Vec<Filter>) -> Result<ListQuery> {
        let paging = self.paging()?;
        self.checked_depth()?;
        let sort = target.sort(&self.sort)?;
        let after = match (&self.after, target) {
            (None, _) => None,
            (Some(cursor), Target::Documents(perspective)) => {
                Some(super::cursor::decode(cursor, &sort, perspective)?)
            }
            (Some(_), _) => {
                return Err(Error::invalid_query(
                    "after",
                    "keyset pages are for documents; page assets with `offset` or `page`",
                ));
            }
        };
        Ok(ListQuery {
            filter: self.resolve_filter(target, extra)?,
            sort,
            paging,
            after,
            count: self.count,
        })
    }
}

/// `Ok(depth)` when it is at most [`MAX_DEPTH`].
///
/// # Errors
/// [`Error::InvalidQuery`] naming `depth`.
pub(crate) fn check_depth(depth: u32) -> Result<u32> {
    if depth > MAX_DEPTH {
        return Err(Error::invalid_query(
            "depth",
            format!("must be at most {MAX_DEPTH}"),
        ));
    }
    Ok(depth)
}

impl<'de> Deserialize<'de> for FindOptions {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
        let value = Value::deserialize(d)?;
        FindOptions::from_json(&value).map_err(serde::de::Error::custom)
    }
}

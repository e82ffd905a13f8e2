//! The `where` compiler for MongoDB: a resolved [`Filter`] becomes one BSON filter document,
//! sort keys a sort document. Operands are always values in a field's operator document, never
//! keys, so data (even `{"$gt": ""}` or `"$where"`) can never become an operator.
//!
//! MongoDB's own matching differs from the `where` language in three ways, each neutralised here
//! so every backend returns the same rows:
//! - it looks through arrays (`{tags: "x"}` matches `["x"]`, `{"a.b": 1}` matches
//!   `{a: [{b: 1}]}`): every path prefix is guarded with `$not: {$type: "array"}`, and scalar
//!   operators guard the value itself too;
//! - equality and ranges are type-bracketed on a real server but not on every implementation
//!   (`true == 1` in some): every comparison carries an explicit `$type`;
//! - `$ne`/`$nin` are not exact complements on arrays: negation is `$nor` of the positive form.

use mongodb::bson::{Bson, Document, doc};

use aphex_core::query::{Column, Field, Filter, JsonColumn, JsonType, Op, Operand, SortKey};
use aphex_core::{Error, Result};

use crate::value::date;

/// Field names of a collection the `where` language queries.
pub(crate) trait MongoTable {
    /// The document field of a core column.
    fn column(column: Column) -> Option<&'static str>;
    /// The document field of a JSON column.
    fn json_column(column: JsonColumn) -> Option<&'static str>;
}

/// `cms_documents`.
pub(crate) struct Documents;

impl MongoTable for Documents {
    fn column(column: Column) -> Option<&'static str> {
        Some(match column {
            Column::Id => "_id",
            Column::Type => "type",
            Column::Status => "status",
            Column::Revision => "revision",
            Column::CreatedAt => "createdAt",
            Column::UpdatedAt => "updatedAt",
            Column::PublishedAt => "publishedAt",
            Column::CreatedBy => "createdBy",
            Column::UpdatedBy => "updatedBy",
            Column::DraftReferences => "draftReferences",
            Column::PublishedReferences => "publishedReferences",
            _ => return None,
        })
    }

    fn json_column(column: JsonColumn) -> Option<&'static str> {
        match column {
            JsonColumn::DraftData => Some("draftData"),
            JsonColumn::PublishedData => Some("publishedData"),
            JsonColumn::Metadata => None,
        }
    }
}

/// `cms_assets`.
pub(crate) struct Assets;

impl MongoTable for Assets {
    fn column(column: Column) -> Option<&'static str> {
        Some(match column {
            Column::Id => "_id",
            Column::AssetType => "assetType",
            Column::Filename => "filename",
            Column::OriginalFilename => "originalFilename",
            Column::MimeType => "mimeType",
            Column::Size => "size",
            Column::Url => "url",
            Column::Path => "path",
            Column::StorageAdapter => "storageAdapter",
            Column::Width => "width",
            Column::Height => "height",
            Column::Title => "title",
            Column::Description => "description",
            Column::Alt => "alt",
            Column::CreditLine => "creditLine",
            Column::CreatedBy => "createdBy",
            Column::CreatedAt => "createdAt",
            Column::UpdatedAt => "updatedAt",
            _ => return None,
        })
    }

    fn json_column(column: JsonColumn) -> Option<&'static str> {
        match column {
            JsonColumn::Metadata => Some("metadata"),
            _ => None,
        }
    }
}

/// A field as MongoDB addresses it, with the prefixes that must not be arrays.
struct Path {
    /// Dotted path, e.g. `draftData.seo.title`.
    full: String,
    /// Every proper prefix below the column (`draftData.seo`), each guarded against arrays.
    prefixes: Vec<String>,
}

fn path<T: MongoTable>(field: &Field) -> Result<Path> {
    let unknown = |what: String| Error::invalid_query(what, "not a field of this collection");
    match field {
        Field::Column(c) => {
            let name = T::column(*c).ok_or_else(|| unknown(format!("{c:?}")))?;
            Ok(Path {
                full: name.to_owned(),
                prefixes: Vec::new(),
            })
        }
        Field::Json(j) => {
            let root =
                T::json_column(j.column).ok_or_else(|| unknown(format!("{:?}", j.column)))?;
            let mut full = root.to_owned();
            let mut prefixes = Vec::with_capacity(j.path.len());
            for (i, key) in j.path.iter().enumerate() {
                if i > 0 {
                    prefixes.push(full.clone());
                }
                full.push('.');
                full.push_str(key);
            }
            Ok(Path { full, prefixes })
        }
    }
}

/// The BSON value and `$type` alias of an operand.
fn operand(o: &Operand) -> (Bson, &'static str) {
    match o {
        Operand::Bool(b) => (Bson::Boolean(*b), "bool"),
        Operand::Int(i) => (Bson::Int64(*i), "number"),
        Operand::Float(f) => (Bson::Double(*f), "number"),
        Operand::String(s) => (Bson::String(s.clone()), "string"),
        Operand::Timestamp(t) => (date(*t), "date"),
        Operand::Uuid(u) => (Bson::String(u.to_string()), "string"),
    }
}

/// Escapes regex metacharacters: ASCII punctuation gets a backslash (literal in PCRE and in
/// Python's `re` alike); letters, digits and non-ASCII stay as they are.
fn regex_literal(s: &str) -> String {
    let mut out = String::with_capacity(s.len() * 2);
    for c in s.chars() {
        if c.is_ascii_punctuation() || c == ' ' {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

/// The end of the string. `$` would also match before a final newline; the negative lookahead
/// means "nothing follows" in every regex dialect MongoDB servers use.
const END: &str = "(?![\\s\\S])";

/// A LIKE pattern (`%`, `_`, `\` escapes) as an anchored regex over the whole value.
fn like_regex(pattern: &str) -> String {
    let mut out = String::from("^");
    let mut chars = pattern.chars();
    while let Some(c) = chars.next() {
        match c {
            '%' => out.push_str("[\\s\\S]*"),
            '_' => out.push_str("[\\s\\S]"),
            '\\' => out.push_str(&regex_literal(&chars.next().unwrap_or('\\').to_string())),
            c => out.push_str(&regex_literal(&c.to_string())),
        }
    }
    out.push_str(END);
    out
}

fn regex(pattern: String, case_insensitive: bool) -> Document {
    let mut d = doc! { "$regex": pattern };
    if case_insensitive {
        d.insert("$options", "i");
    }
    d
}

fn not_array() -> Document {
    doc! { "$not": { "$type": "array" } }
}

/// "The array has an element equal to `o`": an element that is itself an array never is —
/// MongoDB's `$eq` and `$type` would look inside it (`[[10]]` would hold `10`).
fn element_equal(o: &Operand) -> Document {
    let (value, ty) = operand(o);
    doc! { "$elemMatch": { "$eq": value, "$type": ty, "$not": { "$type": "array" } } }
}

/// Compiles filters and sorts for one collection.
pub(crate) struct BsonCompiler<T>(std::marker::PhantomData<T>);

impl<T: MongoTable> BsonCompiler<T> {
    /// The filter document (`{}` matches everything).
    pub(crate) fn filter(filter: &Filter) -> Result<Document> {
        Ok(match filter {
            Filter::True => Document::new(),
            Filter::False => doc! { "_id": { "$exists": false } },
            Filter::And(items) => doc! { "$and": Self::list(items)? },
            Filter::Or(items) => doc! { "$or": Self::list(items)? },
            Filter::Not(inner) => doc! { "$nor": [Self::filter(inner)?] },
            Filter::Cond(field @ Field::Column(c), op) if c.is_references() => {
                Self::references_cond(&path::<T>(field)?, op)?
            }
            Filter::Cond(field, op) => Self::cond(&path::<T>(field)?, op)?,
        })
    }

    /// A condition on the reference index (an array of id strings, multikey-indexed): the
    /// array holds the id, or one of the ids.
    fn references_cond(p: &Path, op: &Op) -> Result<Document> {
        let id = |o: &Operand| match o {
            Operand::Uuid(id) => Some(Bson::String(id.to_string())),
            _ => None,
        };
        let ids: Vec<Bson> = match op {
            Op::Eq(o) => id(o).into_iter().collect(),
            Op::In(list) => list.iter().filter_map(id).collect(),
            _ => {
                return Err(Error::Unsupported {
                    backend: "mongodb",
                    operation: "this `where` operator on `_references`",
                });
            }
        };
        Ok(doc! { p.full.clone(): { "$in": ids } })
    }

    fn list(items: &[Filter]) -> Result<Vec<Document>> {
        items.iter().map(Self::filter).collect()
    }

    fn cond(p: &Path, op: &Op) -> Result<Document> {
        let field = |spec: Document| doc! { p.full.clone(): spec };
        // Scalar comparisons: the value itself must not be an array either.
        let scalar = |spec: Document| Self::guarded(p, vec![field(not_array()), field(spec)]);
        let typed = |op_name: &str, o: &Operand| {
            let (value, ty) = operand(o);
            scalar(doc! { op_name: value, "$type": ty })
        };
        Ok(match op {
            Op::Eq(o) => typed("$eq", o),
            Op::In(list) => {
                // One typed `$in` per operand type, ORed.
                let mut groups: Vec<(&'static str, Vec<Bson>)> = Vec::new();
                for o in list {
                    let (value, ty) = operand(o);
                    match groups.iter_mut().find(|(t, _)| *t == ty) {
                        Some((_, values)) => values.push(value),
                        None => groups.push((ty, vec![value])),
                    }
                }
                let mut alternatives: Vec<Document> = groups
                    .into_iter()
                    .map(|(ty, values)| field(doc! { "$in": values, "$type": ty }))
                    .collect();
                let any = match alternatives.len() {
                    1 => alternatives.remove(0),
                    _ => doc! { "$or": alternatives },
                };
                Self::guarded(p, vec![field(not_array()), any])
            }
            Op::Exists => Self::guarded(
                p,
                vec![doc! { "$or": [
                    field(doc! { "$type": "array" }),
                    field(doc! { "$exists": true, "$ne": Bson::Null }),
                ] }],
            ),
            Op::Gt(o) => typed("$gt", o),
            Op::Gte(o) => typed("$gte", o),
            Op::Lt(o) => typed("$lt", o),
            Op::Lte(o) => typed("$lte", o),
            Op::Like(pattern) => scalar(regex(like_regex(pattern), false)),
            Op::StartsWith(s) => scalar(regex(format!("^{}", regex_literal(s)), true)),
            Op::EndsWith(s) => scalar(regex(format!("{}{END}", regex_literal(s)), true)),
            // A string value containing it, or an array with such a string element: exactly
            // what `$regex` matches on its own (it looks into arrays).
            Op::Contains(Operand::String(s)) => {
                Self::guarded(p, vec![field(regex(regex_literal(s), true))])
            }
            Op::Contains(o) => Self::guarded(p, vec![field(element_equal(o))]),
            // Scalar types exclude arrays (MongoDB's `$type` would match an array holding one).
            Op::TypeIn(types) => {
                let alternatives: Vec<Document> = types
                    .iter()
                    .map(|t| match t {
                        JsonType::Array => field(doc! { "$type": "array" }),
                        other => {
                            let alias = match other {
                                JsonType::Number => "number",
                                JsonType::String => "string",
                                JsonType::Object => "object",
                                _ => "bool",
                            };
                            doc! { "$and": [field(not_array()), field(doc! { "$type": alias })] }
                        }
                    })
                    .collect();
                Self::guarded(p, vec![doc! { "$or": alternatives }])
            }
            Op::All(list) => {
                let each: Vec<Document> = list.iter().map(|o| field(element_equal(o))).collect();
                Self::guarded(p, each)
            }
            _ => {
                return Err(Error::Unsupported {
                    backend: "mongodb",
                    operation: "this `where` operator",
                });
            }
        })
    }

    /// `conditions` ANDed with "no prefix of the path is an array".
    fn guarded(p: &Path, conditions: Vec<Document>) -> Document {
        let mut all: Vec<Document> = p
            .prefixes
            .iter()
            .map(|prefix| doc! { prefix.clone(): not_array() })
            .collect();
        all.extend(conditions);
        if all.len() == 1 {
            all.remove(0)
        } else {
            doc! { "$and": all }
        }
    }

    /// The sort document: each key, then `_id`. MongoDB orders missing and null first ascending
    /// (last descending) and mixed types null < numbers < strings < objects < arrays < booleans,
    /// which is the `where` language's definition.
    pub(crate) fn sort(keys: &[SortKey]) -> Result<Document> {
        let mut sort = Document::new();
        for key in keys {
            let p = path::<T>(&key.field)?;
            // A key given again (`"n,-n"`, `revision` and `_meta.revision`) orders nothing
            // more, as in SQL: its ties are equal values. Inserting it again would instead
            // give the first key the later direction.
            if !sort.contains_key(&p.full) {
                sort.insert(p.full, if key.descending { -1 } else { 1 });
            }
        }
        if !sort.contains_key("_id") {
            sort.insert("_id", 1);
        }
        Ok(sort)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn like_translates_to_an_anchored_regex() {
        assert_eq!(like_regex("a%b_c"), "^a[\\s\\S]*b[\\s\\S]c(?![\\s\\S])");
        assert_eq!(like_regex(r"50\%"), "^50\\%(?![\\s\\S])");
        assert_eq!(like_regex("a.c"), "^a\\.c(?![\\s\\S])");
    }

    #[test]
    fn a_repeated_sort_key_keeps_its_first_direction() {
        let key = |descending| SortKey {
            field: Field::Column(Column::Revision),
            descending,
        };
        let sort = BsonCompiler::<Documents>::sort(&[key(false), key(true)]).expect("a sort");
        assert_eq!(sort, doc! { "revision": 1, "_id": 1 });
    }

    #[test]
    fn regex_metacharacters_are_literal() {
        assert_eq!(
            regex_literal("a.*+?()[]{}^$|\\d"),
            "a\\.\\*\\+\\?\\(\\)\\[\\]\\{\\}\\^\\$\\|\\\\d"
        );
        assert_eq!(regex_literal("héllo"), "héllo");
    }
}

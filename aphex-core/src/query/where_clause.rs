//! The `where` tree as users write it, and its JSON form.
//!
//! ```json
//! { "and": [ {"views": {"greater_than": 5000}}, {"or": [{"tags": {"contains": "rust"}}, {"featured": true}]} ],
//!   "title": {"starts_with": "Hello"} }
//! ```
//! Several keys in one object are ANDed; a bare value means `equals`, an array means `in`.

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use serde_json::{Map, Value};

use super::{MAX_IN_VALUES, MAX_NESTING};
use crate::error::{Error, Result};

/// A JSON scalar used as an operand.
#[derive(Debug, Clone, PartialEq)]
pub enum Scalar {
    /// `null` (only in `equals`, `not_equals`, `in`, `not_in`).
    Null,
    /// `true` / `false`.
    Bool(bool),
    /// An integer that fits in `i64`.
    Int(i64),
    /// Any other number.
    Float(f64),
    /// A string.
    String(String),
}

impl Scalar {
    fn from_json(v: &Value) -> Option<Scalar> {
        Some(match v {
            Value::Null => Scalar::Null,
            Value::Bool(b) => Scalar::Bool(*b),
            Value::Number(n) => match n.as_i64() {
                Some(i) => Scalar::Int(i),
                None => Scalar::Float(n.as_f64()?),
            },
            Value::String(s) => Scalar::String(s.clone()),
            Value::Array(_) | Value::Object(_) => return None,
        })
    }

    fn to_json(&self) -> Value {
        match self {
            Scalar::Null => Value::Null,
            Scalar::Bool(b) => Value::Bool(*b),
            Scalar::Int(i) => Value::from(*i),
            Scalar::Float(f) => serde_json::Number::from_f64(*f).map_or(Value::Null, Value::Number),
            Scalar::String(s) => Value::String(s.clone()),
        }
    }
}

macro_rules! scalar_from {
    ($($t:ty => $variant:ident as $conv:ty),* $(,)?) => {
        $(impl From<$t> for Scalar {
            fn from(v: $t) -> Self {
                Scalar::$variant(<$conv>::from(v))
            }
        })*
    };
}
scalar_from!(bool => Bool as bool, i32 => Int as i64, i64 => Int as i64, u32 => Int as i64,
    f64 => Float as f64, String => String as String, &str => String as String);

/// One operator and its operand.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum Operator {
    /// Same type and equal. `equals: null` means "missing or null".
    Equals(Scalar),
    /// Everything `equals` does not match (missing values included).
    NotEquals(Scalar),
    /// Equal to one of the values; `in: []` matches nothing.
    In(Vec<Scalar>),
    /// Everything `in` does not match; `not_in: []` matches everything.
    NotIn(Vec<Scalar>),
    /// `true`: present and not null. `false`: missing or null.
    Exists(bool),
    /// `>`; numbers numerically, strings by code point.
    GreaterThan(Scalar),
    /// `>=`.
    GreaterThanEqual(Scalar),
    /// `<`.
    LessThan(Scalar),
    /// `<=`.
    LessThanEqual(Scalar),
    /// SQL LIKE pattern (`%`, `_`, `\` escapes), case-sensitive, whole string.
    Like(String),
    /// Case-insensitive literal substring; on an array, any string element containing it (or, for a
    /// number or boolean operand, any element equal to it).
    Contains(Scalar),
    /// Case-insensitive literal prefix.
    StartsWith(String),
    /// Case-insensitive literal suffix.
    EndsWith(String),
    /// The value is an array holding every one of these values; `all: []` matches nothing.
    All(Vec<Scalar>),
}

impl Operator {
    /// The operator's name in the JSON form.
    pub fn name(&self) -> &'static str {
        match self {
            Operator::Equals(_) => "equals",
            Operator::NotEquals(_) => "not_equals",
            Operator::In(_) => "in",
            Operator::NotIn(_) => "not_in",
            Operator::Exists(_) => "exists",
            Operator::GreaterThan(_) => "greater_than",
            Operator::GreaterThanEqual(_) => "greater_than_equal",
            Operator::LessThan(_) => "less_than",
            Operator::LessThanEqual(_) => "less_than_equal",
            Operator::Like(_) => "like",
            Operator::Contains(_) => "contains",
            Operator::StartsWith(_) => "starts_with",
            Operator::EndsWith(_) => "ends_with",
            Operator::All(_) => "all",
        }
    }

    fn parse(path: &str, name: &str, operand: &Value) -> Result<Operator> {
        let bad = |what: &str| Error::invalid_query(path, format!("`{name}` expects {what}"));
        let scalar = |allow_null: bool| match Scalar::from_json(operand) {
            Some(Scalar::Null) if !allow_null => Err(bad("a non-null value")),
            Some(s) => Ok(s),
            None => Err(bad("a string, number, boolean or null")),
        };
        let list = |allow_null: bool| -> Result<Vec<Scalar>> {
            let Value::Array(items) = operand else {
                return Err(bad("an array"));
            };
            if items.len() > MAX_IN_VALUES {
                return Err(bad(&format!("at most {MAX_IN_VALUES} values")));
            }
            items
                .iter()
                .map(|v| match Scalar::from_json(v) {
                    Some(Scalar::Null) if !allow_null => Err(bad("non-null values")),
                    Some(s) => Ok(s),
                    None => Err(bad("an array of strings, numbers or booleans")),
                })
                .collect()
        };
        let ordered = || match scalar(false)? {
            s @ (Scalar::Int(_) | Scalar::Float(_) | Scalar::String(_)) => Ok(s),
            _ => Err(bad("a number or a string")),
        };
        let string = || match operand {
            Value::String(s) => Ok(s.clone()),
            _ => Err(bad("a string")),
        };
        Ok(match name {
            "equals" => Operator::Equals(scalar(true)?),
            "not_equals" => Operator::NotEquals(scalar(true)?),
            "in" => Operator::In(list(true)?),
            "not_in" => Operator::NotIn(list(true)?),
            "exists" => match operand {
                Value::Bool(b) => Operator::Exists(*b),
                _ => return Err(bad("true or false")),
            },
            "greater_than" => Operator::GreaterThan(ordered()?),
            "greater_than_equal" => Operator::GreaterThanEqual(ordered()?),
            "less_than" => Operator::LessThan(ordered()?),
            "less_than_equal" => Operator::LessThanEqual(ordered()?),
            "like" => Operator::Like(string()?),
            "contains" => Operator::Contains(scalar(false)?),
            "starts_with" => Operator::StartsWith(string()?),
            "ends_with" => Operator::EndsWith(string()?),
            "all" => Operator::All(list(false)?),
            other => {
                return Err(Error::invalid_query(
                    path,
                    format!("unknown operator `{other}`"),
                ));
            }
        })
    }

    fn operand_json(&self) -> Value {
        let list = |l: &[Scalar]| Value::Array(l.iter().map(Scalar::to_json).collect());
        match self {
            Operator::Equals(s)
            | Operator::NotEquals(s)
            | Operator::GreaterThan(s)
            | Operator::GreaterThanEqual(s)
            | Operator::LessThan(s)
            | Operator::LessThanEqual(s)
            | Operator::Contains(s) => s.to_json(),
            Operator::In(l) | Operator::NotIn(l) | Operator::All(l) => list(l),
            Operator::Exists(b) => Value::Bool(*b),
            Operator::Like(s) | Operator::StartsWith(s) | Operator::EndsWith(s) => {
                Value::String(s.clone())
            }
        }
    }
}

/// A `where` tree. Build it from JSON with [`Where::from_json`] (or serde), or in code:
///
/// ```
/// use aphex_core::query::Where;
/// let w = Where::and([
///     Where::path("views").greater_than(5000),
///     Where::path("tags").contains("tag-3"),
/// ]);
/// assert_eq!(Where::from_json(&w.to_json()).unwrap(), w);
/// ```
#[derive(Debug, Clone, PartialEq)]
pub enum Where {
    /// Every child matches (`and: []` matches everything).
    And(Vec<Where>),
    /// At least one child matches (`or: []` matches nothing).
    Or(Vec<Where>),
    /// One operator applied to the value at `path`.
    Condition {
        /// Dot path, e.g. `author._ref` or `_meta.createdAt`.
        path: String,
        /// The operator.
        op: Operator,
    },
}

/// Builds conditions on one path: `Where::path("views").greater_than(10)`.
#[derive(Debug, Clone)]
pub struct PathBuilder(String);

macro_rules! builder_ops {
    ($($fn:ident => $variant:ident),* $(,)?) => {
        $(#[doc = concat!("`", stringify!($fn), "` on this path.")]
        pub fn $fn(self, value: impl Into<Scalar>) -> Where {
            Where::Condition { path: self.0, op: Operator::$variant(value.into()) }
        })*
    };
}

impl PathBuilder {
    builder_ops!(equals => Equals, not_equals => NotEquals, greater_than => GreaterThan,
        greater_than_equal => GreaterThanEqual, less_than => LessThan,
        less_than_equal => LessThanEqual, contains => Contains);

    /// `in` on this path.
    pub fn in_list<S: Into<Scalar>>(self, values: impl IntoIterator<Item = S>) -> Where {
        let op = Operator::In(values.into_iter().map(Into::into).collect());
        Where::Condition { path: self.0, op }
    }
    /// `not_in` on this path.
    pub fn not_in<S: Into<Scalar>>(self, values: impl IntoIterator<Item = S>) -> Where {
        let op = Operator::NotIn(values.into_iter().map(Into::into).collect());
        Where::Condition { path: self.0, op }
    }
    /// `all` on this path.
    pub fn all<S: Into<Scalar>>(self, values: impl IntoIterator<Item = S>) -> Where {
        let op = Operator::All(values.into_iter().map(Into::into).collect());
        Where::Condition { path: self.0, op }
    }
    /// `exists` on this path.
    pub fn exists(self, exists: bool) -> Where {
        Where::Condition {
            path: self.0,
            op: Operator::Exists(exists),
        }
    }
    /// `like` on this path.
    pub fn like(self, pattern: impl Into<String>) -> Where {
        Where::Condition {
            path: self.0,
            op: Operator::Like(pattern.into()),
        }
    }
    /// `starts_with` on this path.
    pub fn starts_with(self, prefix: impl Into<String>) -> Where {
        Where::Condition {
            path: self.0,
            op: Operator::StartsWith(prefix.into()),
        }
    }
    /// `ends_with` on this path.
    pub fn ends_with(self, suffix: impl Into<String>) -> Where {
        Where::Condition {
            path: self.0,
            op: Operator::EndsWith(suffix.into()),
        }
    }
}

impl Where {
    /// Starts a condition on `path`.
    pub fn path(path: impl Into<String>) -> PathBuilder {
        PathBuilder(path.into())
    }

    /// All of `items`.
    pub fn and(items: impl IntoIterator<Item = Where>) -> Where {
        Where::And(items.into_iter().collect())
    }

    /// Any of `items`.
    pub fn or(items: impl IntoIterator<Item = Where>) -> Where {
        Where::Or(items.into_iter().collect())
    }

    /// Parses the JSON form. Checks the structure (operators, operand shapes, nesting, list sizes);
    /// paths are checked when the tree is resolved against a target.
    ///
    /// # Errors
    /// [`Error::InvalidQuery`] naming the offending path.
    pub fn from_json(value: &Value) -> Result<Where> {
        match value {
            Value::Object(map) => parse_object(map, 0),
            _ => Err(Error::invalid_query("where", "expected a JSON object")),
        }
    }

    /// The JSON form (inverse of [`Where::from_json`]).
    pub fn to_json(&self) -> Value {
        match self {
            Where::And(items) => {
                serde_json::json!({ "and": items.iter().map(Where::to_json).collect::<Vec<_>>() })
            }
            Where::Or(items) => {
                serde_json::json!({ "or": items.iter().map(Where::to_json).collect::<Vec<_>>() })
            }
            Where::Condition { path, op } => {
                let mut inner = Map::new();
                inner.insert(op.name().to_string(), op.operand_json());
                let mut outer = Map::new();
                outer.insert(path.clone(), Value::Object(inner));
                Value::Object(outer)
            }
        }
    }
}

fn parse_object(map: &Map<String, Value>, nesting: usize) -> Result<Where> {
    let mut clauses = Vec::with_capacity(map.len());
    for (key, value) in map {
        match key.as_str() {
            "and" | "or" => {
                if nesting >= MAX_NESTING {
                    return Err(Error::invalid_query(
                        key,
                        format!("nesting deeper than {MAX_NESTING} levels"),
                    ));
                }
                let Value::Array(items) = value else {
                    return Err(Error::invalid_query(key, "expected an array of objects"));
                };
                let children = items
                    .iter()
                    .map(|item| match item {
                        Value::Object(m) => parse_object(m, nesting + 1),
                        _ => Err(Error::invalid_query(key, "expected an array of objects")),
                    })
                    .collect::<Result<Vec<_>>>()?;
                clauses.push(if key == "and" {
                    Where::And(children)
                } else {
                    Where::Or(children)
                });
            }
            path => parse_conditions(path, value, &mut clauses)?,
        }
    }
    Ok(if clauses.len() == 1 {
        clauses.remove(0)
    } else {
        Where::And(clauses)
    })
}

fn parse_conditions(path: &str, value: &Value, out: &mut Vec<Where>) -> Result<()> {
    let condition = |op| Where::Condition {
        path: path.to_string(),
        op,
    };
    match value {
        Value::Object(ops) => {
            if ops.is_empty() {
                return Err(Error::invalid_query(path, "no operator given"));
            }
            for (name, operand) in ops {
                out.push(condition(Operator::parse(path, name, operand)?));
            }
        }
        Value::Array(_) => out.push(condition(Operator::parse(path, "in", value)?)),
        scalar => out.push(condition(Operator::parse(path, "equals", scalar)?)),
    }
    Ok(())
}

impl Serialize for Where {
    fn serialize<S: Serializer>(&self, serializer: S) -> std::result::Result<S::Ok, S::Error> {
        self.to_json().serialize(serializer)
    }
}

impl<'de> Deserialize<'de> for Where {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> std::result::Result<Self, D::Error> {
        let value = Value::deserialize(deserializer)?;
        Where::from_json(&value).map_err(serde::de::Error::custom)
    }
}

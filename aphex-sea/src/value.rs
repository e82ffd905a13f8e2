//! Value types shared by the entities.

use sea_orm::sea_query::{ArrayType, ColumnType, Nullable, ValueType, ValueTypeErr};
use sea_orm::{ColIdx, DbErr, QueryResult, TryFromU64, TryGetError, TryGetable, Value};
use uuid::Uuid;

/// A content id: PostgreSQL `uuid`, SQLite lowercase hyphenated `TEXT`.
///
/// It is written as a `Value::Uuid`, which the SQLite dialect turns into text (see
/// [`crate::dialect`]), and read from either form.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct DbUuid(pub Uuid);

impl From<Uuid> for DbUuid {
    fn from(u: Uuid) -> Self {
        DbUuid(u)
    }
}

impl From<DbUuid> for Uuid {
    fn from(u: DbUuid) -> Self {
        u.0
    }
}

impl From<DbUuid> for Value {
    fn from(u: DbUuid) -> Self {
        Value::Uuid(Some(u.0))
    }
}

impl TryGetable for DbUuid {
    fn try_get_by<I: ColIdx>(res: &QueryResult, index: I) -> Result<Self, TryGetError> {
        // Native uuid first (PostgreSQL); SQLite stores text, which fails that decode cheaply.
        match <Uuid as TryGetable>::try_get_by(res, index) {
            Ok(u) => Ok(DbUuid(u)),
            Err(TryGetError::Null(col)) => Err(TryGetError::Null(col)),
            Err(TryGetError::DbErr(_)) => {
                let text = <String as TryGetable>::try_get_by(res, index)?;
                Uuid::parse_str(&text).map(DbUuid).map_err(|e| {
                    TryGetError::DbErr(DbErr::Type(format!("invalid UUID {text:?}: {e}")))
                })
            }
        }
    }
}

impl ValueType for DbUuid {
    fn try_from(v: Value) -> Result<Self, ValueTypeErr> {
        match v {
            Value::Uuid(Some(u)) => Ok(DbUuid(u)),
            Value::String(Some(s)) => Uuid::parse_str(&s).map(DbUuid).map_err(|_| ValueTypeErr),
            _ => Err(ValueTypeErr),
        }
    }

    fn type_name() -> String {
        "DbUuid".to_owned()
    }

    fn array_type() -> ArrayType {
        <Uuid as ValueType>::array_type()
    }

    fn column_type() -> ColumnType {
        ColumnType::Uuid
    }
}

impl Nullable for DbUuid {
    fn null() -> Value {
        Value::Uuid(None)
    }
}

impl TryFromU64 for DbUuid {
    fn try_from_u64(_: u64) -> Result<Self, DbErr> {
        Err(DbErr::ConvertFromU64("DbUuid"))
    }
}

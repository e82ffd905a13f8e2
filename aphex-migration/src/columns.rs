//! Column types per backend. The migrations describe each table once; this module decides how a
//! logical type is spelled on PostgreSQL and on SQLite. The Better Auth tables use exactly the
//! types Better Auth 1.7 itself creates (`date` and `integer` on SQLite, `timestamptz` and
//! `boolean` on PostgreSQL) so a Better Auth app accepts the schema as its own.

use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::DbBackend;

/// Builds column definitions for one backend.
pub(crate) struct Columns {
    pg: bool,
}

impl Columns {
    pub(crate) fn of(manager: &SchemaManager) -> Columns {
        Columns {
            pg: manager.get_database_backend() == DbBackend::Postgres,
        }
    }

    pub(crate) fn is_postgres(&self) -> bool {
        self.pg
    }

    /// `text`.
    pub(crate) fn text<T: IntoIden>(&self, c: T) -> ColumnDef {
        ColumnDef::new(c).custom(Alias::new("text")).to_owned()
    }

    /// Content id: `uuid` / lowercase hyphenated `text`.
    pub(crate) fn uuid<T: IntoIden>(&self, c: T) -> ColumnDef {
        self.typed(c, "uuid", "text")
    }

    /// `varchar(n)`.
    pub(crate) fn varchar<T: IntoIden>(&self, c: T, n: u32) -> ColumnDef {
        ColumnDef::new(c).string_len(n).to_owned()
    }

    /// JSON: `jsonb` / `text`.
    pub(crate) fn json<T: IntoIden>(&self, c: T) -> ColumnDef {
        self.typed(c, "jsonb", "text")
    }

    /// 64-bit integer: `bigint` / `integer`.
    pub(crate) fn bigint<T: IntoIden>(&self, c: T) -> ColumnDef {
        self.typed(c, "bigint", "integer")
    }

    /// `integer`.
    pub(crate) fn integer<T: IntoIden>(&self, c: T) -> ColumnDef {
        ColumnDef::new(c).custom(Alias::new("integer")).to_owned()
    }

    /// Content timestamp: `timestamptz` / ISO-8601 `text` (`2026-11-24T19:13:38.694Z`).
    pub(crate) fn timestamp<T: IntoIden>(&self, c: T) -> ColumnDef {
        self.typed(c, "timestamp with time zone", "text")
    }

    /// Better Auth timestamp: `timestamptz` / `date` (what Better Auth declares on SQLite).
    pub(crate) fn auth_timestamp<T: IntoIden>(&self, c: T) -> ColumnDef {
        self.typed(c, "timestamp with time zone", "date")
    }

    /// Better Auth boolean: `boolean` / `integer` (0/1).
    pub(crate) fn auth_bool<T: IntoIden>(&self, c: T) -> ColumnDef {
        self.typed(c, "boolean", "integer")
    }

    /// A PostgreSQL enum type column; on SQLite `text` with a CHECK on the allowed values.
    pub(crate) fn enumeration<T: IntoIden>(
        &self,
        c: T,
        type_name: &'static str,
        values: &[&'static str],
    ) -> ColumnDef {
        let c = c.into_iden();
        if self.pg {
            ColumnDef::new(c).custom(Alias::new(type_name)).to_owned()
        } else {
            ColumnDef::new(c.clone())
                .custom(Alias::new("text"))
                .check(Expr::col(c).is_in(values.iter().copied()))
                .to_owned()
        }
    }

    /// `DEFAULT CURRENT_TIMESTAMP`, on PostgreSQL only (Better Auth's SQLite tables have none).
    pub(crate) fn now_default_on_pg(&self, mut col: ColumnDef) -> ColumnDef {
        if self.pg {
            col.default(Expr::current_timestamp());
        }
        col
    }

    fn typed<T: IntoIden>(&self, c: T, pg: &'static str, sqlite: &'static str) -> ColumnDef {
        ColumnDef::new(c)
            .custom(Alias::new(if self.pg { pg } else { sqlite }))
            .to_owned()
    }
}

/// A named FOREIGN KEY ... ON DELETE CASCADE.
pub(crate) fn cascade(
    name: &'static str,
    from: (impl IntoIden, impl IntoIden),
    to: (impl IntoIden, impl IntoIden),
) -> ForeignKeyCreateStatement {
    ForeignKey::create()
        .name(name)
        .from(from.0, from.1)
        .to(to.0, to.1)
        .on_delete(ForeignKeyAction::Cascade)
        .to_owned()
}

/// A plain index.
pub(crate) fn index(
    name: &'static str,
    table: impl IntoIden,
    columns: impl IntoIterator<Item = DynIden>,
) -> IndexCreateStatement {
    let mut idx = Index::create();
    idx.name(name).table(table);
    for c in columns {
        idx.col(c);
    }
    idx.to_owned()
}

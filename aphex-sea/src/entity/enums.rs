//! The PostgreSQL enum types (`document_status`, `schema_type`, `user_role`); TEXT on SQLite.

use sea_orm::entity::prelude::*;

/// `document_status`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, EnumIter, DeriveActiveEnum)]
#[sea_orm(rs_type = "String", db_type = "Enum", enum_name = "document_status")]
pub enum DocumentStatus {
    /// Never published.
    #[sea_orm(string_value = "draft")]
    Draft,
    /// Live.
    #[sea_orm(string_value = "published")]
    Published,
    /// Taken down.
    #[sea_orm(string_value = "unpublished")]
    Unpublished,
}

/// `schema_type`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, EnumIter, DeriveActiveEnum)]
#[sea_orm(rs_type = "String", db_type = "Enum", enum_name = "schema_type")]
pub enum SchemaKind {
    /// Document type.
    #[sea_orm(string_value = "document")]
    Document,
    /// Object type.
    #[sea_orm(string_value = "object")]
    Object,
}

/// `user_role`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, EnumIter, DeriveActiveEnum)]
#[sea_orm(rs_type = "String", db_type = "Enum", enum_name = "user_role")]
pub enum UserRole {
    /// Everything.
    #[sea_orm(string_value = "admin")]
    Admin,
    /// Content.
    #[sea_orm(string_value = "editor")]
    Editor,
    /// Read only.
    #[sea_orm(string_value = "viewer")]
    Viewer,
}

macro_rules! same_enum {
    ($sea:ident <=> $core:path { $($v:ident),* }) => {
        impl From<$sea> for $core {
            fn from(v: $sea) -> Self {
                match v { $($sea::$v => <$core>::$v),* }
            }
        }
        impl From<$core> for $sea {
            fn from(v: $core) -> Self {
                match v { $(<$core>::$v => $sea::$v),* }
            }
        }
    };
}

same_enum!(DocumentStatus <=> aphex_core::model::DocumentStatus { Draft, Published, Unpublished });
same_enum!(SchemaKind <=> aphex_core::model::SchemaKind { Document, Object });
same_enum!(UserRole <=> aphex_core::model::Role { Admin, Editor, Viewer });

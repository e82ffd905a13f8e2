use std::sync::Arc;

use async_trait::async_trait;

use crate::error::Result;
use crate::model::{SchemaKind, SchemaType};

/// Storage of `cms_schema_types`.
#[async_trait]
pub trait SchemaTypeStore: Send + Sync {
    /// Inserts, or updates the row with the same name (keeping its `id` and `created_at`).
    async fn upsert_schema_type(&self, schema_type: &SchemaType) -> Result<SchemaType>;

    /// The type with this name.
    async fn find_schema_type(&self, name: &str) -> Result<Option<SchemaType>>;

    /// All types (or those of one kind), ordered by name.
    async fn list_schema_types(&self, kind: Option<SchemaKind>) -> Result<Vec<SchemaType>>;

    /// Deletes a type. `false` when it did not exist.
    async fn delete_schema_type(&self, name: &str) -> Result<bool>;
}

/// Forwards to the store inside, so an `Arc` or a `Box` of a store is a store (as
/// `object_store` does).
macro_rules! forward {
    ($($wrapper:ident),*) => {$(
        #[async_trait]
        #[deny(clippy::missing_trait_methods)]
        impl<T: SchemaTypeStore + ?Sized> SchemaTypeStore for $wrapper<T> {
    async fn upsert_schema_type(&self, schema_type: &SchemaType) -> Result<SchemaType> {
        (**self).upsert_schema_type(schema_type).await
    }

    async fn find_schema_type(&self, name: &str) -> Result<Option<SchemaType>> {
        (**self).find_schema_type(name).await
    }

    async fn list_schema_types(&self, kind: Option<SchemaKind>) -> Result<Vec<SchemaType>> {
        (**self).list_schema_types(kind).await
    }

    async fn delete_schema_type(&self, name: &str) -> Result<bool> {
        (**self).delete_schema_type(name).await
    }
        }
    )*};
}
forward!(Arc, Box);

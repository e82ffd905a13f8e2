use std::sync::Arc;

use async_trait::async_trait;

use crate::error::Result;
use crate::model::{SchemaKind, SchemaType};
use crate::schema::FieldIndex;

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

    /// The names of the field indexes in the database (those whose name
    /// [`FieldIndex::is_managed`] accepts), usable ones only: an index whose build failed
    /// half-way is not listed. The default (an adapter without field indexes) lists none.
    async fn list_field_indexes(&self) -> Result<Vec<String>> {
        Ok(Vec::new())
    }

    /// Creates `index` (doing nothing when a usable index of that name exists), without
    /// blocking writes to a populated table where the backend can (PostgreSQL builds it
    /// `CONCURRENTLY`). The index serves exactly the expressions the backend's `where` compiler
    /// writes for a field marked [`JsonField::indexed`](crate::query::JsonField::indexed).
    ///
    /// # Errors
    /// [`Error::Conflict`](crate::Error::Conflict) naming the index when a unique index cannot
    /// be built because stored documents already share a value (nothing is left behind);
    /// [`Error::Unsupported`](crate::Error::Unsupported) by default.
    async fn create_field_index(&self, index: &FieldIndex) -> Result<()> {
        let _ = index;
        Err(crate::Error::Unsupported {
            backend: "this adapter",
            operation: "field indexes",
        })
    }

    /// Drops the field index `name`. `false` when it did not exist.
    ///
    /// # Errors
    /// [`Error::Unsupported`](crate::Error::Unsupported) by default.
    async fn drop_field_index(&self, name: &str) -> Result<bool> {
        let _ = name;
        Err(crate::Error::Unsupported {
            backend: "this adapter",
            operation: "field indexes",
        })
    }
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

    async fn list_field_indexes(&self) -> Result<Vec<String>> {
        (**self).list_field_indexes().await
    }

    async fn create_field_index(&self, index: &FieldIndex) -> Result<()> {
        (**self).create_field_index(index).await
    }

    async fn drop_field_index(&self, name: &str) -> Result<bool> {
        (**self).drop_field_index(name).await
    }
        }
    )*};
}
forward!(Arc, Box);

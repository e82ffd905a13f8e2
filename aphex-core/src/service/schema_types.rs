//! The schema-type service: types are defined in code ([`SchemaTypeDef`]), synced to
//! `cms_schema_types` at boot, and kept in an in-memory [`SchemaRegistry`] that document
//! validation reads.
//!
//! Sync is additive by default ([`SchemaSync::Additive`]): every type defined in code is
//! upserted and no stored type is deleted, so during a rolling deploy an old and a new instance
//! can start side by side without deleting each other's types. [`SchemaSync::Exact`] also
//! deletes the stored types that code no longer defines (run it once the deploy is complete).

use std::sync::{Arc, RwLock};

use uuid::Uuid;

use super::{limits, read_registry, values};
use crate::error::{Error, Result, ValidationErrors};
use crate::model::{EventKind, NewEvent, SCHEMA_STREAM, SchemaKind, SchemaType, now};
use crate::ports::DatabaseAdapter;
use crate::schema::{FieldIndex, SchemaRegistry, SchemaTypeDef};
use crate::scope::Scope;

/// How a sync treats stored types that the code does not define.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum SchemaSync {
    /// Upsert the defined types; keep every other stored type. Safe while old and new
    /// versions of an application run side by side.
    #[default]
    Additive,
    /// Upsert the defined types and delete the stored types that are not defined.
    Exact,
}

/// What a sync changed.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct SyncReport {
    /// Types written (inserted or updated), by name.
    pub upserted: Vec<String>,
    /// Types deleted because they are no longer defined in code.
    pub deleted: Vec<String>,
    /// Field indexes created (their names), for `index` / `unique` declarations new to the
    /// database.
    pub indexes_created: Vec<String>,
    /// Field indexes dropped: their declaration went away (or, with [`SchemaSync::Exact`],
    /// their type did).
    pub indexes_dropped: Vec<String>,
}

/// Schema types. Get it from [`Cms::schema_types`](crate::Cms::schema_types).
#[derive(Debug, Clone)]
pub struct SchemaTypeService {
    db: Arc<dyn DatabaseAdapter>,
    registry: Arc<RwLock<SchemaRegistry>>,
}

impl SchemaTypeService {
    pub(crate) fn new(db: Arc<dyn DatabaseAdapter>, registry: Arc<RwLock<SchemaRegistry>>) -> Self {
        SchemaTypeService { db, registry }
    }

    /// Makes the stored types exactly `defs`: upserts each new or changed one, deletes stored types not in it
    /// ([`SchemaSync::Exact`]).
    ///
    /// # Errors
    /// [`Error::Validation`] for an invalid set of definitions (nothing is written then).
    pub async fn sync(&self, defs: Vec<SchemaTypeDef>) -> Result<SyncReport> {
        self.sync_with(defs, SchemaSync::Exact).await
    }

    /// Upserts every new or changed type of `defs` and, with [`SchemaSync::Exact`], deletes the stored types
    /// not in it. The in-memory registry (what validation uses) becomes `defs`.
    ///
    /// # Errors
    /// [`Error::Validation`] for an invalid set of definitions (nothing is written then).
    pub async fn sync_with(
        &self,
        defs: Vec<SchemaTypeDef>,
        mode: SchemaSync,
    ) -> Result<SyncReport> {
        let registry = SchemaRegistry::new(defs)?;
        for def in registry.types() {
            check_limits(def)?;
        }
        let mut report = SyncReport::default();
        let before = self.db.list_schema_types(None).await?;
        let mut changed = Vec::new();
        for def in registry.types() {
            let new = row(def);
            // An unchanged type is not written: its `updatedAt` stays when it last changed, and
            // an application restarting writes nothing.
            if before.iter().any(|stored| same_definition(stored, &new)) {
                continue;
            }
            changed.push(def.name.clone());
            self.db.upsert_schema_type(&new).await?;
            report.upserted.push(def.name.clone());
        }
        if mode == SchemaSync::Exact {
            for stored in before {
                if registry.get(&stored.name).is_none() {
                    self.db.delete_schema_type(&stored.name).await?;
                    report.deleted.push(stored.name);
                }
            }
        }
        let owned = |name: &str| {
            mode == SchemaSync::Exact
                || registry
                    .types()
                    .any(|t| FieldIndex::belongs_to(name, &t.name))
        };
        self.sync_indexes(&registry, owned, &mut report).await?;
        *self.registry.write().map_err(poisoned)? = registry;
        self.record(&changed, &report).await?;
        Ok(report)
    }

    /// Appends `schema.synced` when the stored schema changed: after the sync, not atomically
    /// with it — a sync is several statements and index builds, not one unit of work (see
    /// `docs/events.md`). A sync that changed nothing (an application restarting) says nothing.
    async fn record(&self, changed: &[String], report: &SyncReport) -> Result<()> {
        if changed.is_empty()
            && report.deleted.is_empty()
            && report.indexes_created.is_empty()
            && report.indexes_dropped.is_empty()
        {
            return Ok(());
        }
        let event = NewEvent::new(
            SCHEMA_STREAM.to_owned(),
            EventKind::SchemaSynced,
            SCHEMA_STREAM,
            None,
            serde_json::json!({
                "changed": changed,
                "deleted": report.deleted,
                "indexesCreated": report.indexes_created,
                "indexesDropped": report.indexes_dropped,
            }),
            now(),
        );
        self.db
            .append_event(&Scope::default_organization(), &event)
            .await
            .map(drop)
    }

    /// Makes the field indexes in the database those `registry` declares: creates the missing
    /// ones, then drops the managed ones it does not declare for which `owned` is true (an
    /// index of a type this code does not define is kept by an additive sync).
    async fn sync_indexes(
        &self,
        registry: &SchemaRegistry,
        owned: impl Fn(&str) -> bool,
        report: &mut SyncReport,
    ) -> Result<()> {
        let existing = self.db.list_field_indexes().await?;
        let wanted = registry.field_indexes();
        for index in wanted.iter().filter(|i| !existing.contains(&i.name)) {
            self.db
                .create_field_index(index)
                .await
                .map_err(|e| registry.name_conflict(e))?;
            report.indexes_created.push(index.name.clone());
        }
        for name in existing {
            if !wanted.iter().any(|i| i.name == name) && owned(&name) {
                self.db.drop_field_index(&name).await?;
                report.indexes_dropped.push(name);
            }
        }
        Ok(())
    }

    /// Adds or replaces one type.
    ///
    /// # Errors
    /// [`Error::Validation`] when the type is invalid or breaks the registered set.
    pub async fn register(&self, def: SchemaTypeDef) -> Result<SchemaType> {
        check_limits(&def)?;
        let next = read_registry(&self.registry)?.with(def.clone())?;
        let stored = self.db.upsert_schema_type(&row(&def)).await?;
        let this_type = |name: &str| FieldIndex::belongs_to(name, &def.name);
        let mut report = SyncReport::default();
        self.sync_indexes(&next, this_type, &mut report).await?;
        *self.registry.write().map_err(poisoned)? = next;
        self.record(std::slice::from_ref(&def.name), &report)
            .await?;
        Ok(stored)
    }

    /// Deletes one type.
    ///
    /// # Errors
    /// [`Error::NotFound`]; [`Error::Validation`] when other types still use it.
    pub async fn delete(&self, name: &str) -> Result<()> {
        if !values::storable(name) {
            return Err(Error::not_found("schema type", name));
        }
        let next = read_registry(&self.registry)?.without(name)?;
        if !self.db.delete_schema_type(name).await? {
            return Err(Error::not_found("schema type", name));
        }
        let this_type = |index: &str| FieldIndex::belongs_to(index, name);
        let mut report = SyncReport {
            deleted: vec![name.to_owned()],
            ..SyncReport::default()
        };
        self.sync_indexes(&next, this_type, &mut report).await?;
        *self.registry.write().map_err(poisoned)? = next;
        self.record(&[], &report).await
    }

    /// The stored type with this name.
    pub async fn get(&self, name: &str) -> Result<Option<SchemaType>> {
        if !values::storable(name) {
            return Ok(None);
        }
        self.db.find_schema_type(name).await
    }

    /// All stored types, by name.
    pub async fn list(&self) -> Result<Vec<SchemaType>> {
        self.db.list_schema_types(None).await
    }

    /// Stored document types, by name.
    pub async fn document_types(&self) -> Result<Vec<SchemaType>> {
        self.db.list_schema_types(Some(SchemaKind::Document)).await
    }

    /// Stored object types, by name.
    pub async fn object_types(&self) -> Result<Vec<SchemaType>> {
        self.db.list_schema_types(Some(SchemaKind::Object)).await
    }

    /// A snapshot of the in-memory registry (what validation uses).
    pub fn registry(&self) -> Result<SchemaRegistry> {
        Ok(read_registry(&self.registry)?.clone())
    }
}

fn check_limits(def: &SchemaTypeDef) -> Result<()> {
    let mut errors = ValidationErrors::default();
    limits::check_required(&mut errors, "name", &def.name, limits::TYPE_NAME);
    limits::check_required(&mut errors, "title", &def.title, limits::SCHEMA_TITLE);
    values::check_json(&mut errors, "schema", &def.to_json());
    errors.into_result()
}

/// Whether `stored` holds the definition `new` would write.
fn same_definition(stored: &SchemaType, new: &SchemaType) -> bool {
    stored.name == new.name
        && stored.title == new.title
        && stored.kind == new.kind
        && stored.description == new.description
        && stored.schema == new.schema
}

fn row(def: &SchemaTypeDef) -> SchemaType {
    let at = now();
    SchemaType {
        id: Uuid::new_v4(),
        name: def.name.clone(),
        title: def.title.clone(),
        kind: def.kind,
        description: def.description.clone(),
        schema: def.to_json(),
        created_at: at,
        updated_at: at,
    }
}

pub(crate) fn poisoned<T>(_: T) -> Error {
    Error::backend("core", "schema registry lock poisoned by a panic")
}

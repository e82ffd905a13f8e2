//! `aphex::connect` only checks the schema and never migrates; `connect_and_migrate` migrates.

use aphex::{Error, ErrorKind};

#[tokio::test]
async fn connect_verifies_and_connect_and_migrate_migrates() {
    let dir = tempfile::tempdir().expect("tempdir");
    let url = format!("sqlite://{}?mode=rwc", dir.path().join("app.db").display());

    let err = aphex::connect(&url)
        .await
        .expect_err("an empty database is behind");
    assert_eq!(err.kind(), ErrorKind::SchemaMismatch);
    let Error::SchemaMismatch { message } = &err else {
        panic!("{err:?}");
    };
    let last = aphex::migration::migration_names()
        .pop()
        .expect("a migration");
    assert_eq!(
        message,
        &format!(
            "schema at none (no CMS migration applied), this version expects {last}: run the migrations"
        )
    );
    // It changed nothing: still behind.
    assert!(aphex::connect(&url).await.is_err());

    let migrated = aphex::connect_and_migrate(&url).await.expect("migrates");
    assert_eq!(migrated.backend(), "sqlite");
    drop(migrated);
    let db = aphex::connect(&url).await.expect("now current");
    db.health().await.expect("healthy");
}

//! An application that owns its schema and its connection, with the CMS inside it. Run its
//! migrator first (`cargo run -p custom-app-migration -- up`, on MongoDB nothing), then this,
//! with `DATABASE_URL` set. It checks everything it shows and exits non-zero when something is
//! not as it should be. `docs/integration.md` explains each step.

use std::process::ExitCode;

use aphex::schema::{FieldDef, SchemaTypeDef};

#[cfg(any(feature = "sqlite", feature = "postgres"))]
mod bookmark;
#[cfg(feature = "mongodb")]
mod mongo;
#[cfg(any(feature = "sqlite", feature = "postgres"))]
mod sql;

type AppResult<T> = Result<T, Box<dyn std::error::Error + Send + Sync>>;

/// The CMS content the app bookmarks.
fn article_type() -> SchemaTypeDef {
    SchemaTypeDef::document("article", "Article").field(FieldDef::string("title").required())
}

/// Creates and publishes the article the app bookmarks, through `docs` (the CMS's own
/// documents, or those inside a joined transaction).
async fn publish_article(
    docs: &aphex::service::DocumentService,
) -> AppResult<aphex::model::Document> {
    let draft = docs
        .create(aphex::service::CreateDocument::new(
            "article",
            serde_json::json!({"title": "Nanoseconds"}),
        ))
        .await?;
    Ok(docs
        .publish(draft.id, aphex::service::WriteOptions::default())
        .await?)
}

/// Fails the run with `what` unless `ok`.
fn check(ok: bool, what: &str) -> AppResult<()> {
    if ok {
        println!("ok: {what}");
        Ok(())
    } else {
        Err(format!("check failed: {what}").into())
    }
}

#[tokio::main]
async fn main() -> ExitCode {
    let Ok(url) = std::env::var("DATABASE_URL") else {
        eprintln!("set DATABASE_URL (and run the migrator first: see README.md)");
        return ExitCode::FAILURE;
    };
    match run(&url).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("custom-app failed: {e}");
            ExitCode::FAILURE
        }
    }
}

async fn run(url: &str) -> AppResult<()> {
    #[cfg(feature = "sqlite")]
    if url.starts_with("sqlite:") {
        let conn = sea_orm::Database::connect(url).await?;
        return sql::run(aphex::sqlite::SqliteAdapter::new(conn)?).await;
    }
    #[cfg(feature = "postgres")]
    if url.starts_with("postgres") {
        let conn = sea_orm::Database::connect(url).await?;
        return sql::run(aphex::postgres::PostgresAdapter::new(conn)?).await;
    }
    #[cfg(feature = "mongodb")]
    if url.starts_with("mongodb") {
        return mongo::run(url).await;
    }
    Err(format!(
        "{url}: no backend for this URL is compiled in (features sqlite, postgres, mongodb)"
    )
    .into())
}

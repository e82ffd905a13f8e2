//! aphex-rs quickstart. With no arguments and no setup it creates `./aphex-quickstart.db`,
//! migrates it, registers two schema types, creates, edits, publishes and queries documents, and
//! prints what it did. Run it again and it adds another post.
//!
//! ```text
//! cargo run -p quickstart
//! DATABASE_URL=postgres://user@localhost/db cargo run -p quickstart --features postgres
//! ```

use std::process::ExitCode;

use aphex::query::{FindOptions, Perspective, Where};
use aphex::schema::{FieldDef, SchemaTypeDef};
use aphex::service::{CreateDocument, WriteOptions};
use aphex::{Cms, Error};
use serde_json::{Value, json};

/// Where the quickstart stores its data when `DATABASE_URL` is not set.
const DEFAULT_URL: &str = "sqlite://./aphex-quickstart.db?mode=rwc";

fn author_type() -> SchemaTypeDef {
    SchemaTypeDef::document("author", "Author").field(FieldDef::string("name").required())
}

fn post_type() -> SchemaTypeDef {
    SchemaTypeDef::document("post", "Post")
        .field(FieldDef::string("title").required().max(120.0))
        .field(FieldDef::slug("slug").required())
        .field(FieldDef::text("body"))
        .field(FieldDef::reference("author", ["author"]).required())
}

#[tokio::main]
async fn main() -> ExitCode {
    match run().await {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("quickstart failed: {e}");
            ExitCode::FAILURE
        }
    }
}

async fn run() -> Result<(), Box<dyn std::error::Error + Send + Sync>> {
    // The backend is chosen by the URL among those compiled in (Cargo features `sqlite`,
    // `postgres`, `mongodb`); `connect_and_migrate` also brings the schema up to date
    // (`aphex::connect` only checks it, for an app that runs the migrations itself).
    let url = std::env::var("DATABASE_URL").unwrap_or_else(|_| DEFAULT_URL.to_string());
    let adapter = aphex::connect_and_migrate(&url).await?;
    println!(
        "connected to {} ({url}), schema up to date",
        adapter.backend()
    );

    let cms = Cms::builder()
        .database(adapter)
        .schema_types([author_type(), post_type()])
        .build()
        .await?;
    let names: Vec<String> = cms
        .schema_types()
        .list()
        .await?
        .into_iter()
        .map(|t| t.name)
        .collect();
    println!("schema types synced: {}", names.join(", "));
    let docs = cms.documents();

    // One author, reused across runs.
    let ada = match docs
        .find(
            &FindOptions::new()
                .doc_type("author")
                .filter(Where::path("name").equals("Ada Lovelace"))
                .limit(1),
        )
        .await?
        .docs
        .pop()
    {
        Some(existing) => existing,
        None => {
            let created = docs
                .create(CreateDocument::new(
                    "author",
                    json!({"name": "Ada Lovelace"}),
                ))
                .await?;
            docs.publish(created.id, WriteOptions::default()).await?
        }
    };
    println!("author {} ({})", ada.id, title_of(&ada.draft_data, "name"));

    let n = docs.count(&FindOptions::new().doc_type("post")).await? + 1;
    let post = docs
        .create(CreateDocument::new(
            "post",
            json!({
                "title": format!("Hello from aphex-rs #{n}"),
                "slug": {"_type": "slug", "current": format!("hello-{n}")},
                "body": "A first draft.",
                "author": {"_type": "reference", "_ref": ada.id.to_string()},
            }),
        ))
        .await?;
    println!(
        "created post {} as a draft (revision {})",
        post.id, post.revision
    );

    let mut data = post.draft_data.clone().unwrap_or_default();
    data["body"] = json!("Edited before publishing.");
    let edited = docs
        .update_draft(
            post.id,
            data.clone(),
            WriteOptions::default().expect_revision(post.revision),
        )
        .await?;
    println!(
        "edited it (revision {} -> {})",
        post.revision, edited.revision
    );

    match docs
        .update_draft(
            post.id,
            data,
            WriteOptions::default().expect_revision(post.revision),
        )
        .await
    {
        Err(Error::RevisionConflict { current }) => {
            println!(
                "a second edit based on revision {} was refused: the document is at {current}",
                post.revision
            )
        }
        other => return Err(format!("expected a revision conflict, got {other:?}").into()),
    }

    let published = docs.publish(post.id, WriteOptions::default()).await?;
    println!(
        "published it (hash {})",
        published.published_hash.as_deref().unwrap_or("-")
    );

    let query = FindOptions::new()
        .doc_type("post")
        .filter(Where::path("title").starts_with("hello from"))
        .sort("-createdAt")
        .limit(5)
        .perspective(Perspective::Published)
        .depth(1);
    let page = docs.find(&query).await?;
    println!(
        "published posts whose title starts with \"hello from\" (newest first, {} of {}):",
        page.docs.len(),
        page.total_docs
    );
    for doc in &page.docs {
        let data = &doc.published_data;
        let author = data
            .as_ref()
            .and_then(|d| d.get("author"))
            .and_then(|a| a.get("name"))
            .and_then(Value::as_str)
            .unwrap_or("?");
        println!("  - {} by {author}", title_of(data, "title"));
    }

    let counts = docs.counts_by_type().await?;
    println!("documents by type: {counts:?}");
    Ok(())
}

fn title_of(data: &Option<Value>, field: &str) -> String {
    data.as_ref()
        .and_then(|d| d.get(field))
        .and_then(Value::as_str)
        .unwrap_or("?")
        .to_string()
}

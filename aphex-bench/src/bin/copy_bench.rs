//! `copy-bench`: the throughput of `aphex copy` (`aphex_core::copy`) per direction.
//!
//! Builds a SQLite site of `--docs` posts (plus 100 authors, every tenth post published, each
//! with its versions, events and outbox entries, as the services write them), then copies it
//! along `--route` (default SQLite → PostgreSQL → MongoDB → SQLite), timing each hop's copy and
//! its verification separately, and checks every hop is exact. Numbers: docs/BENCHMARKS.md.
//!
//! ```text
//! cargo run --release -p aphex-bench --bin copy-bench -- --docs 100000 \
//!     --postgres postgres://postgres@127.0.0.1:55432/postgres --mongodb mongodb://127.0.0.1:27019
//! ```

use std::process::ExitCode;
use std::time::Instant;

use aphex::Cms;
use aphex::copy::{CopyOptions, NoProgress};
use aphex::schema::{FieldDef, SchemaTypeDef};
use aphex::service::{CreateDocument, WriteOptions};
use clap::Parser;
use serde_json::json;

/// Measures `aphex copy` per direction.
#[derive(Debug, Parser)]
struct Args {
    /// Posts in the source site.
    #[arg(long, default_value_t = 10_000)]
    docs: usize,
    /// A PostgreSQL server; the bench drops and recreates the database `aphex_copy_bench`.
    #[arg(long, env = "APHEX_BENCH_POSTGRES_URL")]
    postgres: Option<String>,
    /// A MongoDB server; the bench drops and recreates the database `aphex_copy_bench`.
    #[arg(long, env = "APHEX_BENCH_MONGODB_URL")]
    mongodb: Option<String>,
    /// The hops, as backend names (`sqlite` is a new file each time it appears).
    #[arg(
        long,
        value_delimiter = ',',
        default_value = "sqlite,postgres,mongodb,sqlite"
    )]
    route: Vec<String>,
    /// Rows per read and per write.
    #[arg(long, default_value_t = aphex::copy::DEFAULT_BATCH_SIZE)]
    batch_size: u32,
}

type Failure = Box<dyn std::error::Error + Send + Sync>;

async fn fresh_postgres(server: &str) -> Result<String, Failure> {
    use aphex::sea_orm::{ConnectionTrait, Database};
    let admin = Database::connect(server).await?;
    admin
        .execute_unprepared("DROP DATABASE IF EXISTS aphex_copy_bench WITH (FORCE)")
        .await?;
    admin
        .execute_unprepared("CREATE DATABASE aphex_copy_bench")
        .await?;
    let (prefix, _) = server
        .rsplit_once('/')
        .ok_or("a PostgreSQL URL with a database")?;
    Ok(format!("{prefix}/aphex_copy_bench"))
}

async fn fresh_mongodb(server: &str) -> Result<String, Failure> {
    let url = format!("{}/aphex_copy_bench", server.trim_end_matches('/'));
    let client = aphex::mongodb::mongodb::Client::with_uri_str(&url).await?;
    if let Some(db) = client.default_database() {
        db.drop().await?;
    }
    Ok(url)
}

/// Writes the source site.
async fn fill(url: &str, posts: usize) -> Result<(), Failure> {
    let db = aphex::connect_and_migrate(url).await?;
    let cms = Cms::builder()
        .database(db)
        .schema_types([
            SchemaTypeDef::document("author", "Author").field(FieldDef::string("name").required()),
            SchemaTypeDef::document("post", "Post")
                .field(FieldDef::string("title").required())
                .field(FieldDef::text("body"))
                .field(FieldDef::reference("author", ["author"])),
        ])
        .build()
        .await?;
    let docs = cms.documents();
    let authors = docs
        .create_many(
            (0..100)
                .map(|i| CreateDocument::new("author", json!({"name": format!("Author {i}")})))
                .collect(),
        )
        .await?;
    let mut published = 0;
    for start in (0..posts).step_by(1000) {
        let batch: Vec<CreateDocument> = (start..posts.min(start + 1000))
            .map(|i| {
                CreateDocument::new(
                    "post",
                    json!({
                        "title": format!("Post {i}"),
                        "body": "Lorem ipsum dolor sit amet, consectetur adipiscing elit. ".repeat(8),
                        "author": {"_type": "reference", "_ref": authors[i % authors.len()].to_string()},
                        "tags": ["rust", "cms", format!("tag-{}", i % 50)],
                        "rating": (i % 5) as f64 + 0.5,
                    }),
                )
            })
            .collect();
        let ids = docs.create_many(batch).await?;
        for id in ids.iter().step_by(10) {
            docs.publish(*id, WriteOptions::default()).await?;
            published += 1;
        }
    }
    println!("source: {posts} posts, 100 authors, {published} published, at {url}");
    Ok(())
}

async fn run(args: Args) -> Result<bool, Failure> {
    let dir = tempfile::tempdir()?;
    let mut urls = Vec::new();
    for (i, backend) in args.route.iter().enumerate() {
        urls.push(match backend.as_str() {
            "sqlite" => format!("sqlite://{}/site-{i}.db?mode=rwc", dir.path().display()),
            "postgres" => fresh_postgres(args.postgres.as_deref().ok_or("--postgres")?).await?,
            "mongodb" => fresh_mongodb(args.mongodb.as_deref().ok_or("--mongodb")?).await?,
            other => return Err(format!("unknown backend {other}").into()),
        });
    }
    let Some(first) = urls.first() else {
        return Err("an empty --route".into());
    };
    let started = Instant::now();
    fill(first, args.docs).await?;
    println!("source written in {:.1} s", started.elapsed().as_secs_f64());
    let options = CopyOptions::new().batch_size(args.batch_size).verify(false);
    let mut exact = true;
    println!("| direction | rows | copy s | copy rows/s | verify s | verify rows/s | exact |");
    println!("| --- | ---: | ---: | ---: | ---: | ---: | --- |");
    for (hop, pair) in urls.windows(2).enumerate() {
        let from = aphex::connect(&pair[0]).await?;
        let to = aphex::connect_and_migrate(&pair[1]).await?;
        let t = Instant::now();
        let copied = aphex::copy::copy(from.as_ref(), to.as_ref(), &options, &NoProgress).await?;
        let copy_s = t.elapsed().as_secs_f64();
        let t = Instant::now();
        let verified =
            aphex::copy::verify(from.as_ref(), to.as_ref(), args.batch_size, &NoProgress).await?;
        let verify_s = t.elapsed().as_secs_f64();
        let rows = copied.rows();
        exact &= verified.is_exact();
        println!(
            "| {} → {} | {rows} | {copy_s:.1} | {:.0} | {verify_s:.1} | {:.0} | {} |",
            args.route[hop],
            args.route[hop + 1],
            rows as f64 / copy_s,
            rows as f64 / verify_s,
            verified.is_exact()
        );
        if !verified.is_exact() {
            print!("{verified}");
        }
    }
    Ok(exact)
}

#[tokio::main]
async fn main() -> ExitCode {
    match run(Args::parse()).await {
        Ok(true) => ExitCode::SUCCESS,
        Ok(false) => {
            eprintln!("a copy was not exact");
            ExitCode::from(2)
        }
        Err(e) => {
            eprintln!("copy-bench failed: {e}");
            ExitCode::FAILURE
        }
    }
}

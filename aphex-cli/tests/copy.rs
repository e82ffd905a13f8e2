//! `aphex copy` as a user runs it: the binary, real databases (SQLite files, the test
//! PostgreSQL, the MongoDB-wire server), a corpus written through the CMS's own services.
//!
//! - A round trip SQLite → PostgreSQL → MongoDB → SQLite ends identical to the start, row by
//!   row (per-row digests), and the copies work: passwords sign in, API keys verify, references
//!   resolve, the reference index answers, new versions continue the numbering.
//! - A copy into a database that is not empty is refused and writes nothing.
//! - A verification finds a row changed on the target on purpose.
//! - A copy killed halfway is refused without `--resume`, finishes with it, and verifies.

// The Better Auth harness (`interop/better-auth`), shared with the adapters' interop tests; this
// test uses only its runner.
#[allow(dead_code)]
#[path = "../../interop/better-auth/round_trip.rs"]
mod better_auth;

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Command, Output, Stdio};
use std::sync::Arc;

use aphex::query::{FindOptions, Paging, Perspective};
use aphex::schema::{FieldDef, SchemaTypeDef};
use aphex::service::{
    AuthConfig, ClientInfo, CreateApiKey, CreateDocument, CreateOrganization, Invite,
    RegisterWebhook, ScheduleJob, SignUp, WriteOptions,
};
use aphex::{Cms, model::Capability};
use serde_json::json;
use uuid::Uuid;

use better_auth::SECRET;
const PASSWORD: &str = "correct horse battery staple";

/// A backend's URL from the environment; without it the test is skipped, except under CI.
fn env_url(var: &str) -> Option<String> {
    match std::env::var(var) {
        Ok(url) if !url.is_empty() => Some(url),
        _ if std::env::var("CI").as_deref() == Ok("true") => {
            panic!("{var} is not set (CI=true: a missing backend is a failure)")
        }
        _ => {
            eprintln!("SKIPPED: {var} is not set");
            None
        }
    }
}

/// A fresh PostgreSQL database on the test server.
async fn pg_database(base: &str) -> String {
    use aphex::sea_orm::ConnectionTrait;
    let name = format!("aphex_copy_{}", Uuid::new_v4().simple());
    let admin = aphex::sea_orm::Database::connect(base)
        .await
        .expect("PostgreSQL answers");
    admin
        .execute_unprepared(&format!("CREATE DATABASE {name}"))
        .await
        .expect("database created");
    let (prefix, _) = base.rsplit_once('/').expect("a URL with a database");
    format!("{prefix}/{name}")
}

/// Drops the scratch databases a test made (PostgreSQL URLs and MongoDB URLs).
async fn drop_databases(urls: &[&str]) {
    use aphex::sea_orm::ConnectionTrait;
    for url in urls {
        if url.starts_with("mongodb") {
            let client = aphex::mongodb::mongodb::Client::with_uri_str(*url)
                .await
                .expect("client");
            if let Some(db) = client.default_database() {
                db.drop().await.expect("dropped");
            }
        } else if let Some((server, name)) = url.rsplit_once('/') {
            let admin = aphex::sea_orm::Database::connect(format!("{server}/postgres"))
                .await
                .expect("PostgreSQL answers");
            admin
                .execute_unprepared(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
                .await
                .expect("dropped");
        }
    }
}

fn mongo_database(base: &str) -> String {
    format!(
        "{}/aphex_copy_{}",
        base.trim_end_matches('/'),
        Uuid::new_v4().simple()
    )
}

fn sqlite_url(path: &Path) -> String {
    format!("sqlite://{}?mode=rwc", path.display())
}

fn aphex(args: &[&str]) -> Output {
    let out = Command::new(env!("CARGO_BIN_EXE_aphex"))
        .args(args)
        .output()
        .expect("aphex runs");
    eprintln!(
        "$ aphex {}\n{}{}",
        args.join(" "),
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    out
}

fn copy(from: &str, to: &str, extra: &[&str]) -> Output {
    let mut args = vec!["copy", "--from", from, "--to", to];
    args.extend_from_slice(extra);
    aphex(&args)
}

fn stdout(out: &Output) -> String {
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn types() -> Vec<SchemaTypeDef> {
    vec![
        SchemaTypeDef::document("author", "Author").field(FieldDef::string("name").required()),
        SchemaTypeDef::document("post", "Post")
            .field(FieldDef::string("title").required())
            .field(FieldDef::reference("author", ["author"])),
    ]
}

async fn cms(url: &str) -> Cms {
    let db = aphex::connect_and_migrate(url).await.expect("connects");
    Cms::builder()
        .database(db)
        .auth(AuthConfig::new(SECRET))
        .schema_types(types())
        .build()
        .await
        .expect("cms")
}

/// What the corpus's checks need afterwards.
struct Corpus {
    api_key: String,
    /// The session cookie of the first user, signed on the source.
    cookie: String,
    user: String,
    /// Where the uploaded asset's file is, in its storage.
    asset_path: String,
    author: Uuid,
    post: Uuid,
    email: String,
}

/// Everything the schema holds, written through the services: users with passwords,
/// sessions, a verification, API keys (used once), profiles, organizations (a child of
/// another), members, roles, an invitation, authors and posts (drafts, published, edited,
/// unpublished, deleted, with references and awkward JSON), assets, events, a scheduled job,
/// a webhook.
async fn fill(cms: &Cms, files: &Path, posts: usize) -> Corpus {
    let auth = cms.auth().expect("auth configured");
    let mut users = Vec::new();
    let mut cookie = None;
    for i in 0..3 {
        let signed = auth
            .sign_up_email(SignUp::new(
                format!("User {i}"),
                format!("user{i}@example.com"),
                PASSWORD,
            ))
            .await
            .expect("sign up");
        cookie.get_or_insert(signed.cookie);
        users.push(signed.user.id);
    }
    auth.create_session(&users[1], ClientInfo::new().ip_address("127.0.0.1"))
        .await
        .expect("session");
    auth.request_password_reset("user2@example.com")
        .await
        .expect("reset requested");
    let key = auth
        .create_api_key(
            &users[0],
            CreateApiKey::new()
                .name("ci")
                .metadata(json!({"organizationId": "default"})),
        )
        .await
        .expect("api key");
    auth.verify_api_key(&key.key).await.expect("key verifies");

    let orgs = cms.organizations();
    let acme = orgs
        .create(CreateOrganization::new("Acme", "acme").owner(users[0].clone()))
        .await
        .expect("org");
    let child = orgs
        .create(
            CreateOrganization::new("Acme EU", "acme-eu")
                .owner(users[0].clone())
                .parent(acme.id.clone()),
        )
        .await
        .expect("child org");
    orgs.add_member(&acme.id, &users[1], "member")
        .await
        .expect("member");
    orgs.create_role(&child.id, "reviewer", &[Capability::Read])
        .await
        .expect("role");
    orgs.invite(&acme.id, &users[0], Invite::new("guest@example.com"))
        .await
        .expect("invitation");

    let docs = cms.documents();
    let author = docs
        .create(CreateDocument::new("author", json!({"name": "Ada"})))
        .await
        .expect("author");
    docs.publish(author.id, WriteOptions::default())
        .await
        .expect("published");
    let mut post = None;
    for i in 0..posts {
        let created = docs
            .create(CreateDocument::new(
                "post",
                json!({
                    "title": format!("Post {i} — ünïcödé ✓"),
                    "author": {"_type": "reference", "_ref": author.id.to_string()},
                    "n": {"one": 1, "onePointZero": 1.0, "big": 9007199254740993i64, "tiny": 1e-300, "huge": 1e300},
                    "a.b": {"$dollar": "key", "": "empty key", "%": "percent"},
                    "list": [1, "two", null, {"nested": [true, false]}],
                }),
            ))
            .await
            .expect("post");
        if i % 3 == 0 {
            docs.publish(created.id, WriteOptions::default())
                .await
                .expect("publish");
        }
        if i % 4 == 0 {
            let mut data = created.draft_data.clone().unwrap_or_default();
            data["title"] = json!(format!("Post {i}, edited"));
            docs.update_draft(created.id, data, WriteOptions::default())
                .await
                .expect("edit");
        }
        post.get_or_insert(created.id);
    }
    let post = post.expect("at least one post");
    let doomed = docs
        .create(CreateDocument::new("post", json!({"title": "to delete"})))
        .await
        .expect("doomed");
    docs.delete(doomed.id).await.expect("deleted");

    let storage = aphex_storage_local(files);
    let asset = cms
        .assets()
        .upload(
            storage.as_ref(),
            aphex::service::Upload::new("notes.txt", "text/plain", b"hello".to_vec())
                .created_by(users[0].clone()),
        )
        .await
        .expect("asset");

    cms.jobs()
        .schedule(
            ScheduleJob::publish(post, aphex::model::now() + chrono_days(7))
                .idempotency_key("publish-later"),
        )
        .await
        .expect("job");
    cms.webhooks()
        .register(RegisterWebhook::new("https://example.com/hook").events(["document.*"]))
        .await
        .expect("webhook");
    Corpus {
        api_key: key.key,
        cookie: cookie.expect("a session"),
        asset_path: asset.path,
        user: users[0].clone(),
        author: author.id,
        post,
        email: "user0@example.com".to_owned(),
    }
}

fn chrono_days(days: i64) -> chrono::TimeDelta {
    chrono::TimeDelta::days(days)
}

fn aphex_storage_local(root: &Path) -> Arc<dyn aphex::storage::StorageAdapter> {
    std::fs::create_dir_all(root).expect("files dir");
    Arc::new(
        aphex_storage::ObjectStoreAdapter::local(root, "http://127.0.0.1/media").expect("storage"),
    )
}

/// The copy behaves as the original for what users do with it.
async fn check_works(url: &str, corpus: &Corpus) {
    let cms = cms(url).await;
    let auth = cms.auth().expect("auth");
    auth.sign_in_email(&corpus.email, PASSWORD, ClientInfo::new())
        .await
        .expect("the password signs in on the copy");
    auth.verify_api_key(&corpus.api_key)
        .await
        .expect("the API key verifies on the copy");
    let docs = cms.documents();
    let post = docs
        .find_by_id(corpus.post, Perspective::Draft, 1)
        .await
        .expect("read")
        .expect("the post is there");
    let data = post.draft_data.clone().unwrap_or_default();
    assert_eq!(
        data["author"]["name"],
        json!("Ada"),
        "the reference resolves"
    );
    let users = docs
        .used_by(corpus.author, &FindOptions::new().doc_type("post").limit(1))
        .await
        .expect("used_by");
    assert!(
        users.total_docs > 0,
        "the reference index is rebuilt on the copy"
    );
    let before = docs
        .versions(corpus.post, Paging::default())
        .await
        .expect("versions");
    docs.update_draft(
        corpus.post,
        json!({"title": "after the copy"}),
        WriteOptions::default(),
    )
    .await
    .unwrap_or_else(|e| panic!("a new draft on the copy at {url}: {e}"));
    let after = docs
        .versions(corpus.post, Paging::default())
        .await
        .expect("versions");
    assert_eq!(
        after.total_docs,
        before.total_docs + 1,
        "the version numbering continues"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_round_trip_through_every_backend_ends_identical() {
    let (Some(pg), Some(mongo)) = (
        env_url("APHEX_TEST_POSTGRES_URL"),
        env_url("APHEX_TEST_MONGODB_URL"),
    ) else {
        return;
    };
    let dir = tempfile::tempdir().expect("temp dir");
    let start = sqlite_url(&dir.path().join("start.db"));
    let end = sqlite_url(&dir.path().join("end.db"));
    let corpus = {
        let source = cms(&start).await;
        fill(&source, &dir.path().join("files"), 40).await
    };
    let pg = pg_database(&pg).await;
    let mongo = mongo_database(&mongo);

    let files = dir.path().join("files");
    let moved = dir.path().join("moved-files");
    let (files, moved) = (files.to_string_lossy(), moved.to_string_lossy());
    for (from, to) in [(&start, &pg), (&pg, &mongo), (&mongo, &end)] {
        let mut extra = vec!["--batch-size", "7"];
        if from == &start {
            extra.extend(["--files-from", &files, "--files-to", &moved]);
        }
        let out = copy(from, to, &extra);
        assert!(out.status.success(), "copy {from} -> {to} failed");
        assert!(
            stdout(&out).contains("identical"),
            "the copy verified itself"
        );
    }
    // The asset's file moved to the other storage, byte for byte.
    let original = std::fs::read(Path::new(&*files).join(&corpus.asset_path)).expect("source file");
    let copied = std::fs::read(Path::new(&*moved).join(&corpus.asset_path)).expect("copied file");
    assert_eq!(original, copied);
    let files_check = [
        "copy",
        "verify",
        "--from",
        &start,
        "--to",
        &pg,
        "--files-from",
        &files,
        "--files-to",
        &moved,
    ];
    assert_eq!(aphex(&files_check).status.code(), Some(0));
    std::fs::write(Path::new(&*moved).join(&corpus.asset_path), b"tampered").expect("tamper");
    let out = aphex(&files_check);
    assert_eq!(out.status.code(), Some(2), "a changed file is reported");
    assert!(stdout(&out).contains(&format!(
        "1 missing or different on the target: {}",
        corpus.asset_path
    )));
    let out = aphex(&["copy", "verify", "--from", &start, "--to", &end]);
    assert_eq!(out.status.code(), Some(0), "the round trip is exact");
    assert!(stdout(&out).contains("cms_documents: 41 source rows, 41 target rows, identical"));

    // A copy into a database that is not empty is refused, and writes nothing.
    let out = copy(&start, &pg, &[]);
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("not empty"));
    assert_eq!(
        aphex(&["copy", "verify", "--from", &start, "--to", &pg])
            .status
            .code(),
        Some(0)
    );

    // The real Better Auth, on the PostgreSQL copy of a SQLite site: the password, the session
    // and the API key made on SQLite work.
    if let Some(ba) = better_auth::BetterAuth::available(&pg) {
        let signed = ba.call(
            "sign-in",
            json!({"email": corpus.email, "password": PASSWORD}),
        );
        assert_eq!(
            signed["ok"], true,
            "Better Auth signs in on the copy: {signed}"
        );
        let session = ba.call("get-session", json!({"cookie": corpus.cookie}));
        assert_eq!(
            session["session"]["userId"],
            json!(corpus.user),
            "{session}"
        );
        let key = ba.call("verify-api-key", json!({"key": corpus.api_key}));
        assert_eq!(
            key["valid"], true,
            "Better Auth verifies the key on the copy: {key}"
        );
        assert_eq!(
            key["requestCount"], 2,
            "the usage counter came along: {key}"
        );
    }

    check_works(&pg, &corpus).await;
    check_works(&mongo, &corpus).await;
    check_works(&end, &corpus).await;

    // The copies now differ from the start by the draft check_works saved: verification names
    // the document and the rows that only the copy has.
    let out = aphex(&["copy", "verify", "--from", &start, "--to", &end]);
    assert_eq!(out.status.code(), Some(2), "a changed target is reported");
    let report = stdout(&out);
    assert!(
        report.contains(&format!("1 different: {}", corpus.post)),
        "{report}"
    );
    assert!(report.contains("cms_document_versions") && report.contains("only on the target"));
    drop_databases(&[&pg, &mongo]).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_copy_killed_halfway_resumes_and_verifies() {
    let Some(pg) = env_url("APHEX_TEST_POSTGRES_URL") else {
        return;
    };
    let dir = tempfile::tempdir().expect("temp dir");
    let source = sqlite_url(&dir.path().join("source.db"));
    {
        let cms = cms(&source).await;
        fill(&cms, &dir.path().join("files"), 150).await;
    }
    let target = pg_database(&pg).await;

    let mut child = Command::new(env!("CARGO_BIN_EXE_aphex"))
        .args([
            "copy",
            "--from",
            &source,
            "--to",
            &target,
            "--batch-size",
            "2",
        ])
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("aphex starts");
    let stderr = child.stderr.take().expect("stderr");
    let mut killed = false;
    for line in BufReader::new(stderr).lines() {
        let line = line.expect("a line");
        // Halfway through the documents: kill it as a crash would.
        if let Some(progress) = line.strip_prefix("copy cms_documents: ")
            && progress
                .split('/')
                .next()
                .and_then(|n| n.parse::<u64>().ok())
                .is_some_and(|n| n >= 60)
        {
            child.kill().expect("killed");
            killed = true;
            break;
        }
    }
    let _ = child.wait();
    assert!(killed, "the copy was killed halfway through the documents");

    let out = copy(&source, &target, &[]);
    assert_eq!(out.status.code(), Some(1), "a second plain copy is refused");
    let out = copy(&source, &target, &["--resume", "--batch-size", "50"]);
    assert!(out.status.success(), "the resumed copy finishes");
    assert!(stdout(&out).contains("verified: the target is identical"));
    drop_databases(&[&target]).await;
}

/// What a backend stores beyond the catalog: bookkeeping derived from the catalog's columns,
/// which a copy's target recomputes (`aphex_core::copy` module docs).
const DERIVED: [&str; 6] = [
    "draft_references",
    "published_references",
    "version_count",
    "draftReferences",
    "publishedReferences",
    "versionCount",
];

/// The catalog of `aphex::copy` names every column the schema has (SQL) and every field the
/// adapter writes (MongoDB, after a corpus written through the services): a column added by a
/// migration, or a field by the MongoDB adapter, fails here until the catalog lists it.
#[tokio::test(flavor = "multi_thread")]
async fn the_catalog_lists_every_stored_column() {
    use aphex::sea_orm::{ConnectionTrait, Database, Statement};
    let dir = tempfile::tempdir().expect("temp dir");
    let mut sql = vec![(sqlite_url(&dir.path().join("c.db")), "sqlite")];
    if let Some(pg) = env_url("APHEX_TEST_POSTGRES_URL") {
        sql.push((pg_database(&pg).await, "postgres"));
    }
    for (url, backend) in sql {
        aphex::connect_and_migrate(&url).await.expect("migrated");
        let conn = Database::connect(&url).await.expect("connects");
        for table in aphex::copy::TABLES {
            let query = match backend {
                "sqlite" => format!("SELECT name FROM pragma_table_info('{}')", table.name),
                _ => format!(
                    "SELECT column_name AS name FROM information_schema.columns WHERE table_schema = 'public' AND table_name = '{}'",
                    table.name
                ),
            };
            let rows = conn
                .query_all_raw(Statement::from_string(conn.get_database_backend(), query))
                .await
                .expect("columns");
            let mut stored: Vec<String> = rows
                .iter()
                .map(|r| r.try_get::<String>("", "name").expect("name"))
                .filter(|c| !DERIVED.contains(&c.as_str()))
                .collect();
            stored.sort();
            let mut listed: Vec<String> = table.columns.iter().map(|c| c.name.to_owned()).collect();
            listed.sort();
            assert_eq!(stored, listed, "{backend} {}", table.name);
        }
        conn.close().await.expect("closed");
        if backend == "postgres" {
            drop_databases(&[&url]).await;
        }
    }

    let Some(mongo) = env_url("APHEX_TEST_MONGODB_URL") else {
        return;
    };
    let url = mongo_database(&mongo);
    fill(&cms(&url).await, &dir.path().join("files"), 5).await;
    let client = aphex::mongodb::mongodb::Client::with_uri_str(&url)
        .await
        .expect("client");
    let db = client.default_database().expect("a database in the URL");
    for table in aphex::copy::TABLES {
        let listed: Vec<String> = table
            .columns
            .iter()
            .map(|c| {
                if c.name == table.key().name {
                    "_id".to_owned()
                } else {
                    camel(c.name)
                }
            })
            .collect();
        let mut cursor = db
            .collection::<aphex::mongodb::mongodb::bson::Document>(table.name)
            .find(aphex::mongodb::mongodb::bson::doc! {})
            .await
            .expect("find");
        let mut seen = 0;
        while cursor.advance().await.expect("next") {
            let stored = cursor.deserialize_current().expect("a document");
            seen += 1;
            for field in stored.keys() {
                assert!(
                    listed.contains(field) || DERIVED.contains(&field.as_str()),
                    "mongodb {}: field {field} is not in the catalog",
                    table.name
                );
            }
        }
        assert!(seen > 0, "the corpus writes {}", table.name);
    }
    drop_databases(&[&url]).await;
}

fn camel(snake: &str) -> String {
    let mut out = String::new();
    let mut upper = false;
    for c in snake.chars() {
        match c {
            '_' => upper = true,
            c if upper => {
                out.extend(c.to_uppercase());
                upper = false;
            }
            c => out.push(c),
        }
    }
    out
}

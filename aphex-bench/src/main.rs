//! `aphex-bench`: every adapter against the raw driver doing the same work, in the same run.
//!
//! ```text
//! cargo run --release -p aphex-bench -- --backend sqlite --docs 10000
//! cargo run --release -p aphex-bench -- --backend postgres --url postgres://postgres@127.0.0.1/postgres
//! cargo run --release -p aphex-bench -- --backend mongodb --url mongodb://127.0.0.1:27017
//! cargo run --release -p aphex-bench -- --backend postgres --url postgres://postgres@127.0.0.1/postgres --rls
//! ```
//!
//! Each side gets its own fresh database with the same schema (our migrations / `ensure_schema`)
//! and loads the same seeded corpus. Then every phase runs on the raw side and on the adapter
//! side, and the report gives ops/s, p50 and p95 and the ratio adapter time / raw time. With
//! `--rls` (PostgreSQL) both sides are the adapter, one with row-level security on and one
//! without, and the ratio is rls-on time / rls-off time. See `docs/BENCHMARKS.md`.

mod aphex_side;
mod corpus;
mod lists;
mod raw_mongo;
mod raw_sql;
mod resolve;
mod setup;
mod stats;
mod target;

use std::collections::HashMap;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Instant;

use clap::{Parser, ValueEnum};
use rand::SeedableRng;
use rand::rngs::StdRng;
use rand::seq::IndexedRandom;
use uuid::Uuid;

use crate::corpus::{Corpus, Generator, SeedDoc, edited};
use crate::stats::{Measured, ms};
use crate::target::{BenchResult, Target};

/// The backend under test.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Backend {
    /// SQLite files (in `--dir`, default a temporary directory).
    Sqlite,
    /// PostgreSQL: `--url` names a server; the bench (re)creates its own databases there.
    Postgres,
    /// MongoDB: `--url` names a server; the bench (re)creates its own databases there.
    Mongodb,
}

/// Command-line options.
#[derive(Debug, Parser)]
#[command(
    name = "aphex-bench",
    about = "aphex-rs adapters against their raw drivers"
)]
pub struct Args {
    /// Backend to measure.
    #[arg(long, value_enum)]
    pub backend: Backend,
    /// Posts to load (after 100 authors).
    #[arg(long, default_value_t = 10_000, value_parser = clap::value_parser!(u64).range(10..=1_000_000))]
    pub docs: u64,
    /// Concurrent tasks for the find-by-id and draft-update phases (comma-separated).
    #[arg(long, value_delimiter = ',', default_value = "1,8,32")]
    pub concurrency: Vec<usize>,
    /// Server URL for postgres / mongodb. The bench only touches the databases
    /// `aphex_bench` and `aphex_bench_raw`, which it drops and recreates (and, with `--rls`,
    /// the role `aphex_bench_app`).
    #[arg(long, env = "APHEX_BENCH_URL")]
    pub url: Option<String>,
    /// Directory for the SQLite files (default: a fresh temporary directory).
    #[arg(long)]
    pub dir: Option<std::path::PathBuf>,
    /// Operations per point phase (find by id, depth 2, update, publish); at most `--docs`.
    #[arg(long, default_value_t = 2000)]
    pub ops: usize,
    /// Operations of the findMany phase.
    #[arg(long, default_value_t = 200)]
    pub query_ops: usize,
    /// Seed of the corpus and of the id choices.
    #[arg(long, default_value_t = 42)]
    pub seed: u64,
    /// Print the statements each side sent for one operation of every phase, and fail when
    /// the raw side's differ from the adapter's (with `--rls` only print: the sides differ by
    /// design).
    #[arg(long)]
    pub show_sql: bool,
    /// PostgreSQL only: measure what row-level security costs. Both sides run the adapter, as
    /// the non-superuser role `aphex_bench_app` (created when missing) that owns each database
    /// and its tables: `rls on` with the policies enabled and the adapter setting every call's
    /// scope, `rls off` on a plain database. The ratio is then rls on ÷ rls off.
    #[arg(long)]
    pub rls: bool,
}

/// What the report calls the two sides: the baseline (the ratio's denominator), then the
/// measured side.
#[derive(Debug, Clone, Copy)]
struct Sides {
    base: &'static str,
    measured: &'static str,
}

impl Sides {
    fn of(args: &Args) -> Self {
        if args.rls {
            Sides {
                base: "rls off",
                measured: "rls on",
            }
        } else {
            Sides {
                base: "raw",
                measured: "aphex",
            }
        }
    }
}

/// Documents per `create_many` call of the bulk load.
const BULK_CHUNK: usize = 1000;

/// How many alternating slices a phase is cut into.
const SLICES: usize = 10;

/// One operation of a phase.
/// Writes carry their data owned, made before the timing starts (an application hands its
/// value over; neither side pays for a copy).
#[derive(Debug, Clone)]
enum Op {
    Create(SeedDoc),
    FindById(Uuid),
    FindDepth2(Uuid),
    FindMany,
    Update { id: Uuid, data: serde_json::Value },
    Publish(Uuid),
    List(Arc<lists::ListSpec>),
}

/// Per-run state the checks need: current revisions and each post's slug by id.
struct Book {
    revisions: std::sync::Mutex<HashMap<Uuid, i64>>,
    slugs: Arc<HashMap<Uuid, String>>,
    expected_matches: u64,
    /// The list phases' first answers, shared by both sides' books.
    answers: lists::Answers,
}

impl Book {
    fn revision(&self, id: Uuid) -> i64 {
        self.revisions
            .lock()
            .map(|r| r.get(&id).copied().unwrap_or(1))
            .unwrap_or(1)
    }

    fn set_revision(&self, id: Uuid, rev: i64) {
        if let Ok(mut r) = self.revisions.lock() {
            r.insert(id, rev);
        }
    }
}

fn mismatch(what: String) -> target::BoxError {
    what.into()
}

/// Runs one operation and checks its answer.
async fn run_op(target: &dyn Target, book: &Book, op: Op) -> BenchResult<()> {
    match op {
        Op::Create(doc) => {
            let id = doc.id;
            let rev = target.create(doc).await?;
            book.set_revision(id, rev);
        }
        Op::FindById(id) => {
            let doc = target.find_by_id(id).await?;
            let expected = book.slugs.get(&id).map(String::as_str);
            if doc
                .as_ref()
                .and_then(|d| d.data["slug"]["current"].as_str())
                != expected
            {
                return Err(mismatch(format!(
                    "{}: find_by_id({id}) wrong",
                    target.side()
                )));
            }
        }
        Op::FindDepth2(id) => {
            let doc = target
                .find_depth2(id)
                .await?
                .ok_or_else(|| mismatch(format!("{}: {id} not found", target.side())))?;
            let author_resolved = doc.data["author"]["name"].is_string();
            let related_resolved = doc.data["related"]
                .as_array()
                .is_some_and(|r| r.iter().all(|p| p["author"]["name"].is_string()));
            if !(author_resolved && related_resolved && doc.id == id) {
                return Err(mismatch(format!(
                    "{}: depth 2 not resolved for {id}",
                    target.side()
                )));
            }
        }
        Op::FindMany => {
            let (rows, total) = target.find_many().await?;
            let ok_rows = rows.iter().all(|r| {
                r.data["views"].as_i64().unwrap_or(0) > corpus::QUERY_VIEWS_ABOVE
                    && r.data["tags"]
                        .as_array()
                        .is_some_and(|t| t.iter().any(|v| v == corpus::QUERY_TAG))
            });
            if total != book.expected_matches || rows.len() as u64 != total.min(20) || !ok_rows {
                return Err(mismatch(format!(
                    "{}: findMany gave {} rows of {total}, expected {} matches",
                    target.side(),
                    rows.len(),
                    book.expected_matches
                )));
            }
        }
        Op::Update { id, data } => {
            let expected = book.revision(id);
            let rev = target.update_draft(id, expected, data).await?;
            if rev != expected + 1 {
                return Err(mismatch(format!(
                    "{}: update of {id} at {expected} gave revision {rev}",
                    target.side()
                )));
            }
            book.set_revision(id, rev);
        }
        Op::List(spec) => {
            let answer = target.list(&spec).await?;
            if answer.ids.len() != spec.expect_len {
                return Err(mismatch(format!(
                    "{}: {} gave {} documents, expected {}",
                    target.side(),
                    spec.key,
                    answer.ids.len(),
                    spec.expect_len
                )));
            }
            book.answers.check(&spec.key, &answer).map_err(mismatch)?;
        }
        Op::Publish(id) => {
            let rev = target.publish(id).await?;
            if rev != book.revision(id) {
                return Err(mismatch(format!(
                    "{}: publish of {id} changed the revision",
                    target.side()
                )));
            }
        }
    }
    Ok(())
}

/// Runs `lanes` (one task each, concurrently) against `target` and measures.
async fn measure(
    target: &Arc<dyn Target>,
    book: &Arc<Book>,
    lanes: Vec<Vec<Op>>,
) -> BenchResult<Measured> {
    let before = target.statements();
    let start = Instant::now();
    let tasks: Vec<_> = lanes
        .into_iter()
        .map(|lane| {
            let target = target.clone();
            let book = book.clone();
            tokio::spawn(async move {
                let mut latencies = Vec::with_capacity(lane.len());
                for op in lane {
                    let t = Instant::now();
                    run_op(&*target, &book, op).await?;
                    latencies.push(t.elapsed());
                }
                Ok::<_, target::BoxError>(latencies)
            })
        })
        .collect();
    let mut latencies = Vec::new();
    for task in tasks {
        latencies.extend(task.await??);
    }
    Ok(Measured {
        latencies,
        wall: start.elapsed(),
        statements: target.statements() - before,
    })
}

/// One line of the report.
struct Row {
    phase: String,
    tasks: usize,
    raw: Measured,
    aphex: Measured,
}

impl Row {
    /// Adapter time over raw time for the same work (wall time of the phase).
    fn ratio(&self) -> f64 {
        self.aphex.wall.as_secs_f64() / self.raw.wall.as_secs_f64().max(f64::EPSILON)
    }
}

/// Both sides of a backend, with the lanes builder.
struct Bench {
    raw: Arc<dyn Target>,
    aphex: Arc<dyn Target>,
    raw_book: Arc<Book>,
    aphex_book: Arc<Book>,
    sql_logs: setup::StatementLogs,
    show_sql: bool,
    /// `--show-sql` fails when the sides' statements differ (not under `--rls`).
    compare_sql: bool,
    sides: Sides,
    rows: Vec<Row>,
}

impl Bench {
    /// Runs a phase on both sides and records a row. The operations are cut into slices that
    /// alternate between the sides (raw first, then adapter first, …), so a drift in machine
    /// speed during the phase falls on both sides alike.
    async fn phase(
        &mut self,
        phase: impl Into<String>,
        mut lanes: Vec<Vec<Op>>,
    ) -> BenchResult<()> {
        let phase = phase.into();
        let tasks = lanes.len();
        if self.show_sql {
            self.show_statements(&phase, &mut lanes).await?;
        }
        let longest = lanes.iter().map(Vec::len).max().unwrap_or(0);
        let slices = SLICES.min(longest).max(1);
        let mut raw = Measured::default();
        let mut aphex = Measured::default();
        for slice in 0..slices {
            let part: Vec<Vec<Op>> = lanes
                .iter()
                .map(|lane| {
                    let (from, to) = (
                        lane.len() * slice / slices,
                        lane.len() * (slice + 1) / slices,
                    );
                    lane[from..to].to_vec()
                })
                .collect();
            if slice % 2 == 0 {
                raw.add(measure(&self.raw, &self.raw_book, part.clone()).await?);
                aphex.add(measure(&self.aphex, &self.aphex_book, part).await?);
            } else {
                aphex.add(measure(&self.aphex, &self.aphex_book, part.clone()).await?);
                raw.add(measure(&self.raw, &self.raw_book, part).await?);
            }
        }
        let row = Row {
            phase,
            tasks,
            raw,
            aphex,
        };
        eprintln!(
            "  {:<22} x{tasks:<3} {} {:>9.1} ops/s  {} {:>9.1} ops/s  ratio {:.2}",
            row.phase,
            self.sides.base,
            row.raw.ops_per_sec(),
            self.sides.measured,
            row.aphex.ops_per_sec(),
            row.ratio()
        );
        self.rows.push(row);
        Ok(())
    }

    /// Runs the phase's first operation on each side with the statement logs open, prints
    /// what each sent, fails when the raw side did not send what the adapter sent (unless
    /// `--rls`: there the rls-on side sends its scope too, by design), and takes that
    /// operation out of the timed lanes.
    async fn show_statements(&self, phase: &str, lanes: &mut [Vec<Op>]) -> BenchResult<()> {
        let Some(lane) = lanes.first_mut().filter(|l| !l.is_empty()) else {
            return Ok(());
        };
        let op = lane.remove(0);
        let mut sent = Vec::new();
        for (side, label, target, book) in [
            ("raw", self.sides.base, &self.raw, &self.raw_book),
            ("aphex", self.sides.measured, &self.aphex, &self.aphex_book),
        ] {
            self.sql_logs.start(side);
            run_op(&**target, book, op.clone()).await?;
            println!("-- {phase}, {label}:");
            let statements = self.sql_logs.take(side);
            for stmt in &statements {
                println!("   {stmt}");
            }
            // Sorted: statements sent at once (a count and its page) arrive in either order.
            let mut shapes: Vec<String> = statements
                .iter()
                .map(|s| statement_shape(s).to_owned())
                .collect();
            shapes.sort();
            sent.push(shapes);
        }
        if self.compare_sql && sent[0] != sent[1] {
            return Err(mismatch(format!(
                "{phase}: the raw baseline no longer sends the adapter's statements"
            )));
        }
        Ok(())
    }
}

/// What must match between the sides: the whole SQL text, or a MongoDB command's name and
/// collection (its session id and values differ by nature).
fn statement_shape(statement: &str) -> &str {
    if statement.starts_with('{') {
        statement.split(',').next().unwrap_or(statement)
    } else {
        statement
    }
}

/// `ops` operations spread over `tasks` lanes.
fn spread(ops: Vec<Op>, tasks: usize) -> Vec<Vec<Op>> {
    let tasks = tasks.max(1);
    let mut lanes = vec![Vec::new(); tasks];
    for (i, op) in ops.into_iter().enumerate() {
        lanes[i % tasks].push(op);
    }
    lanes.retain(|l| !l.is_empty());
    lanes
}

/// Updates for `tasks` lanes: each lane edits only its own documents, so compare-and-swap
/// never conflicts and every attempt is one successful write.
fn update_lanes(posts: &[SeedDoc], ops: usize, tasks: usize, round: u64) -> Vec<Vec<Op>> {
    let tasks = tasks.max(1).min(posts.len());
    (0..tasks)
        .map(|lane| {
            let owned: Vec<&SeedDoc> = posts.iter().skip(lane).step_by(tasks).collect();
            (0..ops / tasks + usize::from(lane < ops % tasks))
                .map(|k| {
                    let post = owned[k % owned.len()];
                    Op::Update {
                        id: post.id,
                        data: edited(&post.data, round * 1_000_000 + k as u64),
                    }
                })
                .collect()
        })
        .collect()
}

async fn run(args: Args) -> BenchResult<Vec<Row>> {
    if args.rls && args.backend != Backend::Postgres {
        return Err(format!(
            "--rls measures PostgreSQL row-level security: it needs --backend postgres \
             (not {:?}, which has no row-level security)",
            args.backend
        )
        .into());
    }
    let sides = Sides::of(&args);
    let posts = usize::try_from(args.docs)?;
    let ops = args.ops.min(posts).max(1);
    eprintln!(
        "aphex-bench: {:?}, {posts} posts, {ops} ops per point phase, concurrency {:?}{}",
        args.backend,
        args.concurrency,
        if args.rls {
            format!(
                ", row-level security on vs off (both through the adapter, as {})",
                setup::RLS_ROLE
            )
        } else {
            String::new()
        }
    );
    let prepared = setup::prepare(&args).await?;
    let loaders = prepared.loaders;
    let lister = prepared.lister.clone();
    let rls_check = prepared.rls_check;

    // Load: the authors and all posts but the last `ops` in bulk into both databases
    // (`DocumentService::create_many`, untimed by the phases but reported), then those `ops`
    // posts one by one: the create phase. The posts are generated chunk by chunk, each chunk
    // loaded into both databases, so a million of them never sit in memory at once; the
    // first `ops` are kept for the update phases.
    let mut generator = Generator::new(args.seed, posts);
    let mut loading = Vec::with_capacity(loaders.len());
    for loader in loaders {
        let cms = aphex_core::Cms::builder()
            .database(loader)
            .schema_types(aphex_side::schema_types())
            .build()
            .await?;
        loading.push((cms, std::time::Duration::ZERO));
    }
    let planner = loading
        .first()
        .map(|(cms, _)| cms.clone())
        .ok_or("no database")?;
    let mut edited_posts: Vec<SeedDoc> = Vec::with_capacity(ops);
    let mut loaded = 0;
    let mut chunk = generator.authors().to_vec();
    loop {
        let room = generator.remaining().saturating_sub(ops);
        if chunk.is_empty() && room == 0 {
            break;
        }
        chunk.extend(generator.next_posts(BULK_CHUNK.saturating_sub(chunk.len()).min(room)));
        for (cms, took) in &mut loading {
            let inputs = chunk
                .iter()
                .map(|d| {
                    aphex_core::service::CreateDocument::new(d.doc_type, d.data.clone()).id(d.id)
                })
                .collect();
            let started = std::time::Instant::now();
            cms.documents().create_many(inputs).await?;
            *took += started.elapsed();
        }
        loaded += chunk.len();
        let keep = ops.saturating_sub(edited_posts.len());
        edited_posts.extend(chunk.drain(..).filter(|d| d.doc_type == "post").take(keep));
    }
    for ((_, took), side) in loading.iter().zip([sides.measured, sides.base]) {
        let secs = took.as_secs_f64();
        println!(
            "bulk load ({side} database): {loaded} documents in {secs:.1} s ({:.0} documents/s)",
            loaded as f64 / secs.max(1e-9)
        );
    }
    drop(loading);
    let one_by_one = generator.next_posts(ops);
    // With fewer posts than `ops`, the update phases edit created ones too.
    let keep = ops.saturating_sub(edited_posts.len());
    edited_posts.extend(one_by_one.iter().take(keep).cloned());
    let corpus = generator.finish();
    let answers = lists::Answers::default();
    let slugs: Arc<HashMap<Uuid, String>> = Arc::new(corpus.posts.iter().cloned().collect());
    let book = || {
        Arc::new(Book {
            revisions: Default::default(),
            slugs: slugs.clone(),
            expected_matches: corpus.expected_matches,
            answers: answers.clone(),
        })
    };
    let mut bench = Bench {
        raw: prepared.raw,
        aphex: prepared.aphex,
        raw_book: book(),
        aphex_book: book(),
        sql_logs: prepared.logs,
        show_sql: args.show_sql,
        compare_sql: !args.rls,
        sides,
        rows: Vec::new(),
    };
    let creates: Vec<Op> = one_by_one.into_iter().map(Op::Create).collect();
    bench.phase("create", vec![creates]).await?;
    bench.raw.settle().await?;
    bench.aphex.settle().await?;
    if let Some(check) = &rls_check {
        check().await?;
    }

    let mut rng = StdRng::seed_from_u64(args.seed ^ 0x5eed);
    let post_ids: Vec<Uuid> = corpus.posts.iter().map(|(id, _)| *id).collect();
    let picks: Vec<Uuid> = (0..ops)
        .filter_map(|_| post_ids.choose(&mut rng).copied())
        .collect();
    for &tasks in &args.concurrency {
        let reads = picks.iter().map(|id| Op::FindById(*id)).collect();
        bench.phase("find by id", spread(reads, tasks)).await?;
    }
    let deep = picks.iter().map(|id| Op::FindDepth2(*id)).collect();
    bench.phase("find depth 2", vec![deep]).await?;
    bench
        .phase(
            "findMany+count",
            vec![vec![Op::FindMany; args.query_ops.max(1)]],
        )
        .await?;
    list_phases(
        &mut bench,
        &planner,
        &lister,
        &corpus,
        &slugs,
        &picks,
        args.query_ops.max(1),
    )
    .await?;
    for (round, &tasks) in args.concurrency.iter().enumerate() {
        let lanes = update_lanes(&edited_posts, ops, tasks, round as u64);
        bench.phase("update (CAS)", lanes).await?;
    }
    let publishes = edited_posts.iter().map(|p| Op::Publish(p.id)).collect();
    bench.phase("publish", vec![publishes]).await?;

    // The adapter's statements for depth 2 (under `--rls`: the rls-off side's; the rls-on side
    // sends its scope with each call, by design).
    let depth2 = bench
        .rows
        .iter()
        .find(|r| r.phase == "find depth 2")
        .map(|r| {
            if args.rls {
                r.raw.statements_per_op()
            } else {
                r.aphex.statements_per_op()
            }
        })
        .unwrap_or(0.0);
    if depth2 > 3.0 {
        return Err(mismatch(format!(
            "depth 2 took {depth2} statements per request (at most 3)"
        )));
    }
    Ok(bench.rows)
}

/// A list operation: `options` through `Cms` on the adapter side, the statements the adapter
/// sends for them replayed on the raw side.
fn list_spec(
    planner: &aphex_core::Cms,
    lister: &setup::Lister,
    key: String,
    options: aphex_core::query::FindOptions,
    expect_len: usize,
) -> BenchResult<Arc<lists::ListSpec>> {
    let query = planner.documents().list_query(&options)?;
    Ok(Arc::new(lists::ListSpec {
        key,
        raw: lister(&query)?,
        limit: usize::try_from(query.paging.limit())?,
        options,
        expect_len,
    }))
}

/// The list phases: a lookup by the unique slug, list pages filtered and sorted on an indexed
/// field (the slug) with and without a count, a list on unindexed fields, and a deep page by offset and by
/// cursor.
async fn list_phases(
    bench: &mut Bench,
    planner: &aphex_core::Cms,
    lister: &setup::Lister,
    corpus: &Corpus,
    slugs: &HashMap<Uuid, String>,
    picks: &[Uuid],
    query_ops: usize,
) -> BenchResult<()> {
    use aphex_core::query::{FindOptions, Where};
    let posts = || FindOptions::new().doc_type("post");
    let mut lookups = Vec::with_capacity(picks.len());
    for id in picks {
        let slug = slugs.get(id).map(String::as_str).unwrap_or_default();
        let options = posts()
            .filter(Where::path("slug.current").equals(slug))
            .limit(1)
            .count(false);
        lookups.push(Op::List(list_spec(
            planner,
            lister,
            format!("slug {slug}"),
            options,
            1,
        )?));
    }
    bench.phase("find by slug", vec![lookups]).await?;

    let page = |n: usize| 20.min(corpus.expected_indexed_matches.saturating_sub(n));
    let indexed = posts()
        .filter(Where::path("slug.current").greater_than(corpus::QUERY_SLUG_ABOVE))
        .sort("-slug.current")
        .limit(20);
    for (phase, options) in [
        ("list (indexed)", indexed.clone().count(false)),
        ("list+count (indexed)", indexed),
        (
            "list+count (unindexed)",
            posts()
                .filter(Where::path("tags").all([corpus::QUERY_TAG]))
                .sort("title")
                .limit(20),
        ),
    ] {
        let expect = if phase.contains("unindexed") {
            20
        } else {
            page(0)
        };
        let spec = list_spec(planner, lister, phase.to_owned(), options, expect)?;
        bench
            .phase(phase, vec![vec![Op::List(spec); query_ops]])
            .await?;
    }

    // Page 1 and a deep page (1000 when the corpus has it) of all posts by slug, by offset
    // and by cursor.
    let by_slug = || posts().sort("-slug.current").limit(20).count(false);
    let deep = (corpus.posts.len() / 20).saturating_sub(1).clamp(1, 1000) as u64;
    let first = list_spec(planner, lister, "page 1".into(), by_slug(), 20)?;
    bench
        .phase("page 1 (cursor)", vec![vec![Op::List(first); query_ops]])
        .await?;
    let skip = (deep - 1) * 20;
    let cursor = planner
        .documents()
        .find(&by_slug().offset(skip - 1).limit(1))
        .await?
        .next_cursor
        .ok_or("no cursor before the deep page")?;
    for (how, options) in [
        ("offset", by_slug().offset(skip)),
        ("cursor", by_slug().after(cursor)),
    ] {
        let spec = list_spec(planner, lister, format!("page {deep}"), options, 20)?;
        bench
            .phase(
                format!("page {deep} ({how})"),
                vec![vec![Op::List(spec); query_ops]],
            )
            .await?;
    }
    Ok(())
}

fn report(args: &Args, rows: &[Row]) {
    let Sides { base, measured } = Sides::of(args);
    if args.rls {
        println!(
            "\n### {:?}, row-level security: {measured} vs {base} (ratio = {measured} ÷ {base}, both through the adapter), {} posts (+100 authors)\n",
            args.backend, args.docs
        );
    } else {
        println!(
            "\n### {:?}, {} posts (+100 authors)\n",
            args.backend, args.docs
        );
    }
    println!(
        "| phase | tasks | ops | {base} ops/s | {base} p50 ms | {base} p95 ms | {measured} ops/s | {measured} p50 ms | {measured} p95 ms | ratio | stmts/op {base} / {measured} |"
    );
    println!("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
    for r in rows {
        println!(
            "| {} | {} | {} | {:.0} | {} | {} | {:.0} | {} | {} | {:.2} | {:.1} / {:.1} |",
            r.phase,
            r.tasks,
            r.aphex.latencies.len(),
            r.raw.ops_per_sec(),
            ms(r.raw.quantile(0.5)),
            ms(r.raw.quantile(0.95)),
            r.aphex.ops_per_sec(),
            ms(r.aphex.quantile(0.5)),
            ms(r.aphex.quantile(0.95)),
            r.ratio(),
            r.raw.statements_per_op(),
            r.aphex.statements_per_op(),
        );
    }
}

#[tokio::main]
async fn main() -> ExitCode {
    let args = Args::parse();
    let started = Instant::now();
    match run(Args::parse()).await {
        Ok(rows) => {
            report(&args, &rows);
            eprintln!("done in {:.1}s", started.elapsed().as_secs_f64());
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("aphex-bench failed: {e}");
            ExitCode::FAILURE
        }
    }
}

//! Differential testing of the `where` language (docs/reliability.md, "Differential testing of
//! the query language"): the same random corpus goes into SQLite, PostgreSQL and MongoDB (same
//! ids, same writes in the same order), random find options in the documented JSON form run on
//! all three, and every answer must be the same — ids in order, `totalDocs`, the page flags,
//! `count`, the pages a keyset cursor walks, and for an invalid query the error kind and the
//! path it names.
//!
//! Generation is proptest's, driven by hand from a seeded runner (`APHEX_DIFF_SEED`), so a run
//! is reproducible; on a disagreement the query is shrunk with proptest's value tree (re-asking
//! all three backends at each step) and the report shows the query, every backend's answer and
//! the documents involved. `APHEX_DIFF_CASES` (default 600) is the number of queries; every
//! 120 get a corpus of their own (`APHEX_DIFF_DOCS` documents, default 48), each corpus one
//! test (`corpus_00`, ...).

#[path = "differential/corpus.rs"]
mod corpus;
#[path = "differential/queries.rs"]
mod queries;

use std::collections::{BTreeSet, HashMap};
use std::process::ExitCode;
use std::time::Instant;

use aphex::model::Document;
use aphex::query::{FindOptions, FindResult};
use aphex::service::VersionRetention;
use aphex::{Cms, Error, ErrorKind};
use aphex_conformance::TestDb;
use aphex_reliability::{Backend, fresh};
use proptest::strategy::{Strategy, ValueTree};
use proptest::test_runner::{Config, RngAlgorithm, TestRng, TestRunner};
use serde_json::Value;
use uuid::Uuid;

use crate::corpus::DocSpec;
use crate::queries::{COMPOSITE_SORT_PATHS, Pools, Query};

const DEFAULT_SEED: u64 = 20_261_207;
const DEFAULT_CASES: usize = 600;
const DEFAULT_DOCS: usize = 48;
const QUERIES_PER_CORPUS: usize = 120;
/// Disagreements reported per corpus before it stops.
const MAX_REPORTS: usize = 3;
/// Queries re-run while shrinking one disagreement.
const SHRINK_STEPS: usize = 150;
/// Pages a keyset walk follows at most (a corpus has fewer documents).
const MAX_KEYSET_PAGES: usize = 200;

/// `APHEX_DIFF_VERBOSE=1` prints every query and how many documents it matched.
fn verbose() -> bool {
    std::env::var("APHEX_DIFF_VERBOSE").is_ok_and(|v| v == "1")
}

#[derive(Debug, Clone, Copy)]
struct Settings {
    seed: u64,
    cases: usize,
    docs: usize,
}

fn env_number(var: &str, default: u64) -> u64 {
    match std::env::var(var) {
        Err(_) => default,
        Ok(v) if var == "APHEX_DIFF_SEED" && v == "random" => std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(default, |d| d.as_nanos() as u64),
        Ok(v) => v
            .trim()
            .parse()
            .unwrap_or_else(|_| panic!("{var}={v:?} is not a number")),
    }
}

fn settings() -> Settings {
    Settings {
        seed: env_number("APHEX_DIFF_SEED", DEFAULT_SEED),
        cases: usize::try_from(env_number("APHEX_DIFF_CASES", DEFAULT_CASES as u64))
            .expect("APHEX_DIFF_CASES fits in usize")
            .max(1),
        docs: usize::try_from(env_number("APHEX_DIFF_DOCS", DEFAULT_DOCS as u64))
            .expect("APHEX_DIFF_DOCS fits in usize")
            .max(1),
    }
}

fn main() -> ExitCode {
    let s = settings();
    let corpora = s.cases.div_ceil(QUERIES_PER_CORPUS);
    println!(
        "differential: seed {} ({} queries over {corpora} corpora of {} documents)",
        s.seed, s.cases, s.docs
    );
    let mut suite = aphex_conformance::Suite::new();
    for k in 0..corpora {
        let queries = QUERIES_PER_CORPUS.min(s.cases - k * QUERIES_PER_CORPUS);
        suite = suite.test(format!("corpus_{k:02}"), move || run_corpus(s, k, queries));
    }
    suite
        .test("declared_large_floats", declared_large_floats)
        .run()
}

/// The deterministic runner of corpus `k`: ChaCha seeded with the seed and `k`.
fn runner(seed: u64, k: usize) -> TestRunner {
    let mut bytes = [0u8; 32];
    bytes[..8].copy_from_slice(&seed.to_le_bytes());
    bytes[8..16].copy_from_slice(&(k as u64).to_le_bytes());
    TestRunner::new_with_rng(
        Config::default(),
        TestRng::from_seed(RngAlgorithm::ChaCha, &bytes),
    )
}

/// One backend with the corpus loaded.
struct Target {
    backend: Backend,
    cms: Cms,
    _db: TestDb,
}

impl Target {
    /// A fresh database on `backend` with the corpus's schema types (`None`: no server).
    async fn fresh(backend: Backend) -> Option<Target> {
        let db = fresh(backend).await?;
        let cms = db
            .cms_with(corpus::schema_types(), VersionRetention::default())
            .await;
        Some(Target {
            backend,
            cms,
            _db: db,
        })
    }
}

/// An error, compared by kind and (for `InvalidQuery`) the path it names.
#[derive(Debug, Clone)]
struct Failure {
    kind: ErrorKind,
    path: Option<String>,
    message: String,
}

impl PartialEq for Failure {
    fn eq(&self, other: &Self) -> bool {
        self.kind == other.kind && self.path == other.path
    }
}

fn failure(e: Error) -> Failure {
    let path = match &e {
        Error::InvalidQuery { path, .. } => Some(path.clone()),
        _ => None,
    };
    Failure {
        kind: e.kind(),
        path,
        message: e.to_string(),
    }
}

/// What a find returned, without the documents' data.
#[derive(Debug, Clone, PartialEq)]
struct PageAnswer {
    ids: Vec<Uuid>,
    total_docs: Option<u64>,
    total_pages: Option<u64>,
    limit: u64,
    offset: u64,
    page: u64,
    has_next: bool,
    has_prev: bool,
    cursor: bool,
}

impl From<FindResult<Document>> for PageAnswer {
    fn from(r: FindResult<Document>) -> Self {
        PageAnswer {
            ids: r.docs.iter().map(|d| d.id).collect(),
            total_docs: r.counted.then_some(r.total_docs),
            total_pages: r.counted.then_some(r.total_pages),
            limit: r.limit,
            offset: r.offset,
            page: r.page,
            has_next: r.has_next_page,
            has_prev: r.has_prev_page,
            cursor: r.next_cursor.is_some(),
        }
    }
}

/// One backend's answer to one query.
#[derive(Debug, Clone, PartialEq)]
struct Answer {
    find: Result<PageAnswer, Failure>,
    count: Result<u64, Failure>,
    /// The pages of a keyset walk (page size `limit`), following this backend's cursors.
    keyset: Option<Result<Vec<Vec<Uuid>>, Failure>>,
}

impl Answer {
    /// The answer as it can be compared when MongoDB orders a composite sort key by contents
    /// (the declared difference): the ids as a set when the page holds every match, else only
    /// how many; counts and flags as they are.
    fn order_free(&self) -> Answer {
        let mut a = self.clone();
        if let Ok(page) = &mut a.find {
            if page.offset == 0 && !page.has_next {
                page.ids.sort();
            } else {
                page.ids.fill(Uuid::nil());
            }
        }
        a.keyset = None;
        a
    }
}

/// The query's sort keys (JSON array or comma-separated string), without direction.
fn sort_paths(q: &Query) -> Vec<String> {
    let keys: Vec<String> = match q.json.get("sort") {
        Some(Value::Array(items)) => items
            .iter()
            .filter_map(|k| k.as_str().map(str::to_owned))
            .collect(),
        Some(Value::String(s)) => s.split(',').map(|k| k.trim().to_owned()).collect(),
        _ => Vec::new(),
    };
    keys.into_iter()
        .map(|k| k.trim_start_matches(['-', '+']).to_owned())
        .collect()
}

/// Whether the query sorts on a key that can hold objects or arrays.
fn composite_sort(q: &Query) -> bool {
    sort_paths(q)
        .iter()
        .any(|p| COMPOSITE_SORT_PATHS.contains(&p.as_str()))
}

async fn ask(cms: &Cms, q: &Query, composite: bool) -> Answer {
    let options = match FindOptions::from_json(&q.json) {
        Ok(o) => o,
        Err(e) => {
            let f = failure(e);
            return Answer {
                find: Err(f.clone()),
                count: Err(f),
                keyset: None,
            };
        }
    };
    let docs = cms.documents();
    let find = docs
        .find(&options)
        .await
        .map(PageAnswer::from)
        .map_err(failure);
    let count = docs.count(&options).await.map_err(failure);
    let keyset = if q.walk && !composite && find.is_ok() {
        Some(walk(cms, &options).await)
    } else {
        None
    };
    Answer {
        find,
        count,
        keyset,
    }
}

/// Every page of `options` by keyset cursors.
async fn walk(cms: &Cms, options: &FindOptions) -> Result<Vec<Vec<Uuid>>, Failure> {
    let mut pages = Vec::new();
    let mut after: Option<String> = None;
    while pages.len() < MAX_KEYSET_PAGES {
        let mut o = options.clone();
        o.after = after.take();
        let page = cms.documents().find(&o).await.map_err(failure)?;
        pages.push(page.docs.iter().map(|d| d.id).collect());
        match page.next_cursor {
            Some(c) => after = Some(c),
            None => break,
        }
    }
    Ok(pages)
}

async fn ask_all(targets: &[Target], q: &Query) -> Vec<Answer> {
    let composite = composite_sort(q);
    futures::future::join_all(targets.iter().map(|t| ask(&t.cms, q, composite))).await
}

/// Whether the answers differ: the SQL backends must agree exactly; MongoDB too, except for
/// the order a composite sort key gives (declared).
fn disagree(targets: &[Target], q: &Query, answers: &[Answer]) -> bool {
    let composite = composite_sort(q);
    let Some((first, rest)) = answers.split_first() else {
        return false;
    };
    rest.iter().zip(&targets[1..]).any(|(a, t)| {
        if composite && (t.backend == Backend::Mongo || targets[0].backend == Backend::Mongo) {
            a.order_free() != first.order_free()
        } else {
            a != first
        }
    })
}

/// Shrinks a disagreeing query with its value tree: simpler candidates that still disagree
/// are kept. Returns the simplest, its answers and the number of steps taken.
async fn shrink(
    tree: &mut dyn ValueTree<Value = Query>,
    targets: &[Target],
    mut best: (Query, Vec<Answer>),
) -> (Query, Vec<Answer>, usize) {
    let mut steps = 0;
    let mut more = tree.simplify();
    while more && steps < SHRINK_STEPS {
        steps += 1;
        let candidate = tree.current();
        let answers = ask_all(targets, &candidate).await;
        more = if disagree(targets, &candidate, &answers) {
            best = (candidate, answers);
            tree.simplify()
        } else {
            tree.complicate()
        };
    }
    (best.0, best.1, steps)
}

/// Labels (`d07`) by id.
struct Labels(HashMap<Uuid, String>);

impl Labels {
    fn of(corpus: &[DocSpec]) -> Labels {
        Labels(corpus.iter().map(|d| (d.id, d.label.clone())).collect())
    }

    fn ids(&self, ids: &[Uuid]) -> String {
        let labels: Vec<&str> = ids
            .iter()
            .map(|id| self.0.get(id).map_or("?", String::as_str))
            .collect();
        format!("[{}]", labels.join(" "))
    }

    fn answer(&self, a: &Answer) -> String {
        let find = match &a.find {
            Ok(p) => format!(
                "{} totalDocs={:?} totalPages={:?} limit={} offset={} page={} next={} prev={} cursor={}",
                self.ids(&p.ids),
                p.total_docs,
                p.total_pages,
                p.limit,
                p.offset,
                p.page,
                p.has_next,
                p.has_prev,
                p.cursor
            ),
            Err(f) => format!("error {:?} at {:?}: {}", f.kind, f.path, f.message),
        };
        let count = match &a.count {
            Ok(n) => n.to_string(),
            Err(f) => format!("error {:?} at {:?}", f.kind, f.path),
        };
        let keyset = match &a.keyset {
            None => String::new(),
            Some(Ok(pages)) => {
                let shown: Vec<String> = pages.iter().take(24).map(|p| self.ids(p)).collect();
                let more = match pages.len().saturating_sub(24) {
                    0 => String::new(),
                    n => format!(" ... and {n} more pages"),
                };
                format!("\n      keyset pages {}{more}", shown.join(" "))
            }
            Some(Err(f)) => format!("\n      keyset error {:?}: {}", f.kind, f.message),
        };
        format!("find {find}\n      count {count}{keyset}")
    }
}

/// The documents a disagreement is about: the ids some backend returned and another did not;
/// when every backend returned the same ids, those at the places where the orders differ.
fn involved(answers: &[Answer]) -> BTreeSet<Uuid> {
    let sequences: Vec<Vec<Uuid>> = answers
        .iter()
        .map(|a| {
            let mut ids = a.find.as_ref().map(|p| p.ids.clone()).unwrap_or_default();
            if let Some(Ok(pages)) = &a.keyset {
                ids.extend(pages.iter().flatten());
            }
            ids
        })
        .collect();
    let sets: Vec<BTreeSet<Uuid>> = sequences
        .iter()
        .map(|s| s.iter().copied().collect())
        .collect();
    let union: BTreeSet<Uuid> = sets.iter().flatten().copied().collect();
    let missing: BTreeSet<Uuid> = union
        .iter()
        .filter(|id| !sets.iter().all(|s| s.contains(id)))
        .copied()
        .collect();
    if !missing.is_empty() {
        return missing;
    }
    let mut misplaced = BTreeSet::new();
    for s in &sequences[1..] {
        for (a, b) in sequences[0].iter().zip(s) {
            if a != b {
                misplaced.extend([*a, *b]);
            }
        }
    }
    if misplaced.is_empty() {
        union
    } else {
        misplaced
    }
}

struct Context<'a> {
    settings: Settings,
    k: usize,
    corpus: &'a [DocSpec],
    labels: Labels,
}

fn report(
    cx: &Context<'_>,
    targets: &[Target],
    n: usize,
    original: &Query,
    shrunk: &Query,
    answers: &[Answer],
    steps: usize,
) -> String {
    let s = cx.settings;
    let mut out = format!(
        "=== DISAGREEMENT in corpus_{k:02}, query #{n} (shrunk in {steps} steps) ===\n\
         reproduce: APHEX_DIFF_SEED={} APHEX_DIFF_CASES={} APHEX_DIFF_DOCS={} \
         cargo test -p aphex-reliability --test differential -- corpus_{k:02}\n\
         query:    {}\n",
        s.seed,
        s.cases,
        s.docs,
        shrunk.json,
        k = cx.k,
    );
    if shrunk.json != original.json {
        out.push_str(&format!("original: {}\n", original.json));
    }
    for (t, a) in targets.iter().zip(answers) {
        out.push_str(&format!(
            "  {:<9} {}\n",
            t.backend.to_string(),
            cx.labels.answer(a)
        ));
    }
    out.push_str("documents involved:\n");
    let ids = involved(answers);
    for d in cx.corpus.iter().filter(|d| ids.contains(&d.id)).take(16) {
        out.push_str(&format!("  {}\n", d.describe()));
    }
    if ids.len() > 16 {
        out.push_str(&format!("  ... and {} more\n", ids.len() - 16));
    }
    out
}

/// How the answers were spread (a generator that only ever matched nothing would prove
/// nothing).
#[derive(Default)]
struct Stats {
    invalid: usize,
    empty: usize,
    some: usize,
    walks: usize,
    composite: usize,
}

async fn run_corpus(settings: Settings, k: usize, queries: usize) {
    let started = Instant::now();
    let mut runner = runner(settings.seed, k);
    let corpus = corpus::corpus(settings.docs)
        .new_tree(&mut runner)
        .expect("a corpus")
        .current();
    let mut targets = Vec::new();
    for backend in Backend::ALL {
        let Some(target) = Target::fresh(backend).await else {
            return;
        };
        targets.push(target);
    }
    futures::future::join_all(targets.iter().map(|t| corpus::load(&t.cms, &corpus))).await;
    let loaded = started.elapsed();

    let cx = Context {
        settings,
        k,
        labels: Labels::of(&corpus),
        corpus: &corpus,
    };
    let strategy = queries::query(&Pools::of(&corpus));
    let mut stats = Stats::default();
    let mut reports = Vec::new();
    for n in 0..queries {
        let mut tree = strategy.new_tree(&mut runner).expect("a query");
        let q = tree.current();
        let answers = ask_all(&targets, &q).await;
        match &answers[0].count {
            _ if answers[0].find.is_err() => stats.invalid += 1,
            Ok(0) => stats.empty += 1,
            _ => stats.some += 1,
        }
        if verbose() {
            let outcome = match &answers[0].find {
                Ok(p) => format!("{} ids, count {:?}", p.ids.len(), answers[0].count),
                Err(f) => format!("{:?} at {:?}", f.kind, f.path),
            };
            println!("corpus_{k:02} #{n}: {} -> {outcome}", q.json);
        }
        stats.walks += usize::from(answers[0].keyset.is_some());
        stats.composite += usize::from(composite_sort(&q));
        if disagree(&targets, &q, &answers) {
            let (shrunk, shrunk_answers, steps) =
                shrink(&mut *tree, &targets, (q.clone(), answers)).await;
            reports.push(report(
                &cx,
                &targets,
                n,
                &q,
                &shrunk,
                &shrunk_answers,
                steps,
            ));
            if reports.len() >= MAX_REPORTS {
                break;
            }
        }
    }
    println!(
        "corpus_{k:02}: {queries} queries, {} matching some documents, {} none, {} invalid, \
         {} keyset walks, {} composite sorts; loaded in {:.1?}, total {:.1?}",
        stats.some,
        stats.empty,
        stats.invalid,
        stats.walks,
        stats.composite,
        loaded,
        started.elapsed()
    );
    // Printed here rather than in the panic message, which the runner would print twice.
    for r in &reports {
        eprintln!("{r}");
    }
    assert!(
        reports.is_empty(),
        "corpus_{k:02}: the backends disagree on {} queries (reports above)",
        reports.len()
    );
}

/// The declared difference the generator leaves out (docs/where.md, "Declared differences"),
/// pinned: a float beyond 2^53 is its decimal on PostgreSQL (jsonb holds `1.152921504606847e18`
/// as 1152921504606847000) and its binary value (2^60) on SQLite and MongoDB, so an integer
/// next to it compares differently. Should PostgreSQL ever agree, this fails and the
/// documentation changes with it.
async fn declared_large_floats() {
    let int: Value = serde_json::from_str("1152921504606846976").expect("JSON");
    let float: Value = serde_json::from_str("1.152921504606847e18").expect("JSON");
    for backend in Backend::ALL {
        let Some(target) = Target::fresh(backend).await else {
            return;
        };
        let cms = &target.cms;
        for doc_type in ["post", "item"] {
            let mut ids = Vec::new();
            for n in [&int, &float] {
                let data = serde_json::json!({ "title": "t", "n": n });
                let doc = cms
                    .documents()
                    .create(aphex::service::CreateDocument::new(doc_type, data))
                    .await
                    .expect("create");
                ids.push(doc.id);
            }
            let query =
                serde_json::json!({ "type": doc_type, "where": { "n": int }, "sort": "id" });
            let found: Vec<Uuid> = cms
                .documents()
                .find(&FindOptions::from_json(&query).expect("options"))
                .await
                .expect("find")
                .docs
                .iter()
                .map(|d| d.id)
                .collect();
            let mut expected = match backend {
                Backend::Postgres => vec![ids[0]],
                Backend::Sqlite | Backend::Mongo => ids.clone(),
            };
            expected.sort();
            assert_eq!(found, expected, "{backend}, {doc_type}: {query}");
        }
    }
}

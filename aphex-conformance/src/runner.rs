//! The test runner of every test binary that needs a server: each test runs on its own tokio
//! runtime under [`libtest_mimic`], so that a test whose server is not available is reported
//! **`ignored`, with the reason, in the summary** (`test result: ok. 12 passed; 0 failed; 146
//! ignored`) — not a green `ok` that ran nothing. With `CI=true` a missing server is a failure
//! instead ([`require_backend`](crate::require_backend) panics).
//!
//! A test marks itself skipped by calling [`skip`] (which `require_backend` does when the
//! server's URL is not set) and returning; the runner then reports it ignored. A binary lists
//! its tests in `main` (`harness = false` in its `[[test]]` section):
//!
//! ```ignore
//! fn main() -> std::process::ExitCode {
//!     aphex_conformance::tests![connects, migrates_twice].run()
//! }
//! ```

use std::future::Future;
use std::process::ExitCode;
use std::sync::{Arc, Mutex};

use libtest_mimic::{Arguments, Completion, Failed, Trial};

use crate::TestDb;

tokio::task_local! {
    /// The skip reason of the test running in this task, if it skipped itself.
    static SKIPPED: Arc<Mutex<Option<String>>>;
}

/// Marks the running test as skipped, with `reason`: the runner reports it `ignored` (and the
/// reason) once it returns. Outside the runner (a plain `#[tokio::test]`) the reason is only
/// printed.
pub fn skip(reason: impl Into<String>) {
    let reason = reason.into();
    let recorded = SKIPPED.try_with(|slot| {
        if let Ok(mut slot) = slot.lock() {
            slot.get_or_insert(reason.clone());
        }
    });
    if recorded.is_err() {
        eprintln!("SKIPPED: {reason}");
    }
}

/// The tests of one test binary.
#[derive(Default)]
pub struct Suite {
    trials: Vec<Trial>,
}

impl Suite {
    /// No tests yet.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds the async test `name`.
    pub fn test<F, Fut>(mut self, name: impl Into<String>, test: F) -> Self
    where
        F: FnOnce() -> Fut + Send + 'static,
        Fut: Future<Output = ()> + 'static,
    {
        self.trials.push(trial(name.into(), test));
        self
    }

    /// Adds every conformance case (named `<module>::<case>`), each on a fresh database from
    /// `factory`; a factory that returns `None` (no server) makes the case `ignored`.
    pub fn conformance<F, Fut>(self, factory: F) -> Self
    where
        F: Fn() -> Fut + Clone + Send + 'static,
        Fut: Future<Output = Option<TestDb>> + Send + 'static,
    {
        self.conformance_without(factory, &[])
    }

    /// [`conformance`](Self::conformance) without the cases named in `excluded` — for a
    /// configuration that changes what a case measures (say, how many statements a call
    /// sends), never for behaviour: say why where it is called.
    pub fn conformance_without<F, Fut>(mut self, factory: F, excluded: &[&str]) -> Self
    where
        F: Fn() -> Fut + Clone + Send + 'static,
        Fut: Future<Output = Option<TestDb>> + Send + 'static,
    {
        for case in crate::cases()
            .into_iter()
            .filter(|c| !excluded.contains(&c.name.as_str()))
        {
            let factory = factory.clone();
            self.trials
                .push(trial(case.name.clone(), move || async move {
                    match factory().await {
                        Some(db) => (case.run)(&db).await,
                        None => skip("the backend's server is not available"),
                    }
                }));
        }
        self
    }

    /// Runs the tests selected by the command line (filters, `--list`, `--ignored`, ...).
    pub fn run(self) -> ExitCode {
        libtest_mimic::run(&Arguments::from_args(), self.trials).exit_code()
    }
}

fn trial<F, Fut>(name: String, test: F) -> Trial
where
    F: FnOnce() -> Fut + Send + 'static,
    Fut: Future<Output = ()> + 'static,
{
    Trial::ignorable_test(name, move || {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(4)
            .enable_all()
            .build()
            .map_err(|e| Failed::from(format!("cannot start a tokio runtime: {e}")))?;
        let skipped = Arc::new(Mutex::new(None));
        runtime.block_on(SKIPPED.scope(skipped.clone(), test()));
        let reason = skipped.lock().ok().and_then(|mut s| s.take());
        Ok(match reason {
            Some(reason) => Completion::ignored_with(reason),
            None => Completion::Completed,
        })
    })
}

/// `tests![a, b, c]`: a [`Suite`] of the async test functions `a`, `b`, `c` (in scope), each
/// named as its function.
#[macro_export]
macro_rules! tests {
    ($($test:path),* $(,)?) => {
        $crate::Suite::new()$(.test(stringify!($test), $test))*
    };
}

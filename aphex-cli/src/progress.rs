//! Progress of a copy: a bar per table on a terminal (indicatif), plain lines otherwise (one
//! per table start and end, and per batch), so a log or a CI run shows where it is.

use std::collections::HashMap;
use std::io::IsTerminal;
use std::sync::Mutex;

use aphex::copy::{Progress, Step};
use indicatif::{MultiProgress, ProgressBar, ProgressStyle};

/// The progress reporter for this process's stderr.
pub fn for_stderr() -> Box<dyn Progress> {
    if std::io::stderr().is_terminal() {
        Box::new(Bars::default())
    } else {
        Box::new(Lines::default())
    }
}

/// indicatif bars, one per table.
#[derive(Default)]
struct Bars {
    all: MultiProgress,
    bars: Mutex<HashMap<(String, String), ProgressBar>>,
}

fn key(step: Step, table: &str) -> (String, String) {
    (step.to_string(), table.to_owned())
}

impl Progress for Bars {
    fn table_started(&self, step: Step, table: &str, total: u64, done: u64) {
        let bar = self.all.add(ProgressBar::new(total));
        if let Ok(style) =
            ProgressStyle::with_template("{prefix:>28} [{bar:30}] {pos}/{len} rows {per_sec} {eta}")
        {
            bar.set_style(style.progress_chars("=> "));
        }
        bar.set_prefix(format!("{step} {table}"));
        bar.set_position(done);
        if let Ok(mut bars) = self.bars.lock() {
            bars.insert(key(step, table), bar);
        }
    }

    fn advanced(&self, step: Step, table: &str, rows: u64) {
        if let Ok(bars) = self.bars.lock()
            && let Some(bar) = bars.get(&key(step, table))
        {
            bar.inc(rows);
        }
    }

    fn table_finished(&self, step: Step, table: &str) {
        if let Ok(mut bars) = self.bars.lock()
            && let Some(bar) = bars.remove(&key(step, table))
        {
            bar.finish();
        }
    }
}

/// Plain lines: `copy cms_documents: 1500/100000`.
#[derive(Default)]
struct Lines {
    done: Mutex<HashMap<(String, String), (u64, u64)>>,
}

impl Progress for Lines {
    fn table_started(&self, step: Step, table: &str, total: u64, done: u64) {
        eprintln!("{step} {table}: {done}/{total}");
        if let Ok(mut all) = self.done.lock() {
            all.insert(key(step, table), (done, total));
        }
    }

    fn advanced(&self, step: Step, table: &str, rows: u64) {
        // Verification advances row by row: report it by the thousand.
        if let Ok(mut all) = self.done.lock()
            && let Some((done, total)) = all.get_mut(&key(step, table))
        {
            let before = *done;
            *done += rows;
            if step == Step::Copy || *done / 1000 != before / 1000 {
                eprintln!("{step} {table}: {done}/{total}");
            }
        }
    }

    fn table_finished(&self, step: Step, table: &str) {
        if let Ok(mut all) = self.done.lock()
            && let Some((done, _)) = all.remove(&key(step, table))
        {
            eprintln!("{step} {table}: done ({done} rows)");
        }
    }
}

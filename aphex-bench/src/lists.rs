//! The list phases: lookups and list pages on indexed and unindexed fields, deep pages by offset
//! and by cursor. Each is a [`ListSpec`]: the `FindOptions` the adapter side runs through
//! `Cms`, and the exact statements (MongoDB: commands) the adapter sends for them, which the
//! raw side replays through the driver — the same work without the service, the query
//! building and SeaORM. (These queries are generated — type ranks, keyset conditions — so the
//! raw side takes the adapter's own text rather than a hand-written copy; `--show-sql` is
//! therefore equal by construction here, and the answers are what is checked: both sides must
//! return the same ids in the same order and the same count.)

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use sea_orm::Statement;
use uuid::Uuid;

use aphex_core::query::FindOptions;
use aphex_mongo::FindCommand;

/// What the raw side replays.
#[derive(Debug, Clone)]
pub enum RawList {
    /// SQL statements: the count (when counted), then the page.
    Sql(Vec<Statement>),
    /// The MongoDB count filter and find.
    Mongo(Box<FindCommand>),
}

/// One list operation.
#[derive(Debug)]
pub struct ListSpec {
    /// A key the answers are compared under (the phase and the operation's parameters).
    pub key: String,
    /// What the adapter side runs.
    pub options: FindOptions,
    /// What the raw side replays.
    pub raw: RawList,
    /// Page size: the raw side drops the extra row a peeking query fetches.
    pub limit: usize,
    /// How many documents the page must hold (checked on both sides).
    pub expect_len: usize,
}

/// What a side answered.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ListAnswer {
    /// The page's ids, in order.
    pub ids: Vec<Uuid>,
    /// The count, when counted.
    pub total: Option<u64>,
}

/// The first answer each spec got, shared by both sides: the other side must give the same.
#[derive(Debug, Default, Clone)]
pub struct Answers(Arc<Mutex<HashMap<String, ListAnswer>>>);

impl Answers {
    /// `Ok` when `answer` is the first for `key` or equals the first.
    pub fn check(&self, key: &str, answer: &ListAnswer) -> Result<(), String> {
        let mut seen = self
            .0
            .lock()
            .map_err(|_| "answers lock poisoned".to_owned())?;
        match seen.get(key) {
            Some(first) if first != answer => Err(format!(
                "{key}: the sides disagree: {first:?} vs {answer:?}"
            )),
            Some(_) => Ok(()),
            None => {
                seen.insert(key.to_owned(), answer.clone());
                Ok(())
            }
        }
    }
}

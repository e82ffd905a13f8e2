//! The seeded, deterministic data set: 100 authors, then N posts. The same seed gives the same
//! ids and the same JSON, byte for byte, so the adapter and the raw baseline load identical data.

use rand::rngs::StdRng;
use rand::seq::index::sample;
use rand::{Rng, SeedableRng};
use serde_json::{Value, json};
use uuid::Uuid;

/// Authors in every corpus.
pub const AUTHORS: usize = 100;
/// Distinct tags (`tag-0` … `tag-19`); each post has three.
pub const TAGS: usize = 20;
/// The tag the findMany phase filters on.
pub const QUERY_TAG: &str = "tag-3";
/// The findMany phase's `views` threshold.
pub const QUERY_VIEWS_ABOVE: i64 = 5000;
/// The indexed list phases: posts whose slug sorts after this (about half of them).
pub const QUERY_SLUG_ABOVE: &str = "post-5";

const WORDS: &[&str] = &[
    "content",
    "schema",
    "draft",
    "publish",
    "revision",
    "studio",
    "asset",
    "query",
    "filter",
    "reference",
    "depth",
    "author",
    "editor",
    "preview",
    "release",
    "locale",
    "block",
    "span",
    "headless",
    "rust",
    "adapter",
    "index",
    "cursor",
    "page",
    "slug",
    "title",
    "version",
];

/// One document to create.
#[derive(Debug, Clone)]
pub struct SeedDoc {
    /// Its id (deterministic).
    pub id: Uuid,
    /// `author` or `post`.
    pub doc_type: &'static str,
    /// Its draft data.
    pub data: Value,
}

/// Every document of a run, in creation order (authors first).
#[derive(Debug)]
pub struct Corpus {
    /// The 100 authors.
    pub authors: Vec<SeedDoc>,
    /// The posts; post `i` refers to two posts before it.
    pub posts: Vec<SeedDoc>,
}

fn reference(id: Uuid) -> Value {
    json!({ "_type": "reference", "_ref": id.to_string() })
}

fn uuid(rng: &mut StdRng) -> Uuid {
    uuid::Builder::from_random_bytes(rng.random()).into_uuid()
}

fn sentence(rng: &mut StdRng, words: usize) -> String {
    (0..words)
        .map(|_| WORDS[rng.random_range(0..WORDS.len())])
        .collect::<Vec<_>>()
        .join(" ")
}

/// A Portable-Text-like body whose JSON is 1–4 KB.
fn body(rng: &mut StdRng) -> Value {
    let target = rng.random_range(1024..=4096);
    let mut blocks = Vec::new();
    let mut size = 2; // the brackets
    loop {
        let words = rng.random_range(8..40);
        let block = json!({
            "_type": "block",
            "_key": format!("b{}", blocks.len()),
            "style": "normal",
            "children": [{ "_type": "span", "_key": "s0", "text": sentence(rng, words), "marks": [] }],
        });
        let len = block.to_string().len() + 1; // the comma
        if size >= 1024 && size + len > target {
            return Value::Array(blocks);
        }
        size += len;
        blocks.push(block);
    }
}

impl Corpus {
    /// The corpus of `posts` posts for `seed`.
    pub fn generate(seed: u64, posts: usize) -> Corpus {
        let mut rng = StdRng::seed_from_u64(seed);
        let authors: Vec<SeedDoc> = (0..AUTHORS)
            .map(|i| SeedDoc {
                id: uuid(&mut rng),
                doc_type: "author",
                data: json!({
                    "name": format!("Author {i}"),
                    "bio": sentence(&mut rng, 20),
                }),
            })
            .collect();
        let mut out: Vec<SeedDoc> = Vec::with_capacity(posts);
        for i in 0..posts {
            let id = uuid(&mut rng);
            let tags: Vec<String> = sample(&mut rng, TAGS, 3)
                .into_iter()
                .map(|t| format!("tag-{t}"))
                .collect();
            let author = authors[rng.random_range(0..AUTHORS)].id;
            let related: Vec<Value> = if i == 0 {
                Vec::new()
            } else {
                sample(&mut rng, i, i.min(2))
                    .into_iter()
                    .enumerate()
                    .map(|(k, j)| {
                        let mut r = reference(out[j].id);
                        r["_key"] = json!(format!("r{k}"));
                        r
                    })
                    .collect()
            };
            out.push(SeedDoc {
                id,
                doc_type: "post",
                data: json!({
                    "title": format!("Post {i}: {}", sentence(&mut rng, 5)),
                    "slug": { "_type": "slug", "current": format!("post-{i}") },
                    "tags": tags,
                    "views": rng.random_range(0..=10_000),
                    "author": reference(author),
                    "related": related,
                    "body": body(&mut rng),
                }),
            });
        }
        Corpus {
            authors,
            posts: out,
        }
    }

    /// How many posts match the findMany filter (computed from the data, to check both sides).
    /// Posts whose slug sorts after `QUERY_SLUG_ABOVE` (the indexed list's filter).
    pub fn expected_indexed_matches(&self) -> usize {
        self.posts
            .iter()
            .filter(|p| p.data["slug"]["current"].as_str().unwrap_or("") > QUERY_SLUG_ABOVE)
            .count()
    }

    pub fn expected_matches(&self) -> u64 {
        self.posts
            .iter()
            .filter(|p| {
                p.data["views"].as_i64().unwrap_or(0) > QUERY_VIEWS_ABOVE
                    && p.data["tags"]
                        .as_array()
                        .is_some_and(|t| t.iter().any(|v| v == QUERY_TAG))
            })
            .count() as u64
    }
}

/// The data of a draft edit: the same post with a new title and view count.
pub fn edited(data: &Value, n: u64) -> Value {
    let mut data = data.clone();
    data["title"] = json!(format!("Edited {n}"));
    data["views"] = json!(n % 10_001);
    data
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn same_seed_same_corpus_and_sizes_in_range() {
        let a = Corpus::generate(7, 50);
        let b = Corpus::generate(7, 50);
        assert_eq!(a.posts.len(), 50);
        for (x, y) in a.posts.iter().zip(&b.posts) {
            assert_eq!(x.id, y.id);
            assert_eq!(x.data, y.data);
        }
        for (i, p) in a.posts.iter().enumerate() {
            let body = serde_json::to_string(&p.data["body"]).unwrap_or_default();
            assert!((1024..=4096).contains(&body.len()), "{}", body.len());
            assert_eq!(p.data["tags"].as_array().map(Vec::len), Some(3));
            assert_eq!(p.data["related"].as_array().map(Vec::len), Some(i.min(2)));
        }
        assert_ne!(Corpus::generate(8, 50).posts[0].id, a.posts[0].id);
    }
}

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

/// What the phases need to know about every post of a run, without holding the posts: a
/// million posts of 1–4 KB JSON would not fit in memory as `serde_json::Value`s, so the
/// [`Generator`] streams them and keeps this.
#[derive(Debug, Default)]
pub struct Corpus {
    /// The 100 authors.
    pub authors: Vec<SeedDoc>,
    /// Every post's id and `slug.current`, in creation order.
    pub posts: Vec<(Uuid, String)>,
    /// The posts whose slug sorts after `QUERY_SLUG_ABOVE` (the indexed list's filter).
    pub expected_indexed_matches: usize,
    /// The posts the findMany filter matches.
    pub expected_matches: u64,
}

/// Generates a corpus post by post: the same seed gives the same ids and bytes. Post `i`
/// refers to two posts before it, so the generator keeps every id (not the documents).
pub struct Generator {
    rng: StdRng,
    total: usize,
    corpus: Corpus,
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

impl Generator {
    /// A generator of `posts` posts for `seed`; the authors are made at once.
    pub fn new(seed: u64, posts: usize) -> Generator {
        let mut rng = StdRng::seed_from_u64(seed);
        let authors = (0..AUTHORS)
            .map(|i| SeedDoc {
                id: uuid(&mut rng),
                doc_type: "author",
                data: json!({
                    "name": format!("Author {i}"),
                    "bio": sentence(&mut rng, 20),
                }),
            })
            .collect();
        Generator {
            rng,
            total: posts,
            corpus: Corpus {
                authors,
                posts: Vec::with_capacity(posts),
                ..Corpus::default()
            },
        }
    }

    /// The authors.
    pub fn authors(&self) -> &[SeedDoc] {
        &self.corpus.authors
    }

    /// Posts not generated yet.
    pub fn remaining(&self) -> usize {
        self.total - self.corpus.posts.len()
    }

    /// The next `n` posts (fewer at the end).
    pub fn next_posts(&mut self, n: usize) -> Vec<SeedDoc> {
        (0..n.min(self.remaining()))
            .map(|_| self.next_post())
            .collect()
    }

    fn next_post(&mut self) -> SeedDoc {
        let rng = &mut self.rng;
        let corpus = &mut self.corpus;
        let i = corpus.posts.len();
        let id = uuid(rng);
        let tags: Vec<String> = sample(rng, TAGS, 3)
            .into_iter()
            .map(|t| format!("tag-{t}"))
            .collect();
        let author = corpus.authors[rng.random_range(0..AUTHORS)].id;
        let related: Vec<Value> = if i == 0 {
            Vec::new()
        } else {
            sample(rng, i, i.min(2))
                .into_iter()
                .enumerate()
                .map(|(k, j)| {
                    let mut r = reference(corpus.posts[j].0);
                    r["_key"] = json!(format!("r{k}"));
                    r
                })
                .collect()
        };
        let slug = format!("post-{i}");
        let title = format!("Post {i}: {}", sentence(rng, 5));
        let views = rng.random_range(0..=10_000);
        if views > QUERY_VIEWS_ABOVE && tags.iter().any(|t| t == QUERY_TAG) {
            corpus.expected_matches += 1;
        }
        if slug.as_str() > QUERY_SLUG_ABOVE {
            corpus.expected_indexed_matches += 1;
        }
        corpus.posts.push((id, slug.clone()));
        SeedDoc {
            id,
            doc_type: "post",
            data: json!({
                "title": title,
                "slug": { "_type": "slug", "current": slug },
                "tags": tags,
                "views": views,
                "author": reference(author),
                "related": related,
                "body": body(rng),
            }),
        }
    }

    /// What the phases need, once every post was generated.
    pub fn finish(self) -> Corpus {
        self.corpus
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
        let a = Generator::new(7, 50).next_posts(60);
        let b = Generator::new(7, 50).next_posts(50);
        assert_eq!(a.len(), 50);
        for (x, y) in a.iter().zip(&b) {
            assert_eq!(x.id, y.id);
            assert_eq!(x.data, y.data);
        }
        let mut chunked = Generator::new(7, 50);
        let mut again = chunked.next_posts(20);
        again.extend(chunked.next_posts(40));
        assert_eq!(
            again.iter().map(|p| &p.data).collect::<Vec<_>>(),
            a.iter().map(|p| &p.data).collect::<Vec<_>>()
        );
        let corpus = chunked.finish();
        assert_eq!(corpus.posts.len(), 50);
        let matches = a
            .iter()
            .filter(|p| {
                p.data["views"].as_i64().unwrap_or(0) > QUERY_VIEWS_ABOVE
                    && p.data["tags"]
                        .as_array()
                        .is_some_and(|t| t.iter().any(|v| v == QUERY_TAG))
            })
            .count();
        assert_eq!(corpus.expected_matches, matches as u64);
        for (i, p) in a.iter().enumerate() {
            let body = serde_json::to_string(&p.data["body"]).unwrap_or_default();
            assert!((1024..=4096).contains(&body.len()), "{}", body.len());
            assert_eq!(p.data["tags"].as_array().map(Vec::len), Some(3));
            assert_eq!(p.data["related"].as_array().map(Vec::len), Some(i.min(2)));
        }
        assert_ne!(Generator::new(8, 50).next_posts(1)[0].id, a[0].id);
    }
}

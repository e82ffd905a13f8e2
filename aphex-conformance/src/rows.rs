//! Whole tables in their canonical form (`RowStore`, what `aphex copy` moves): read in key
//! order, batch by batch, from one snapshot where the backend declares one; written as
//! idempotent upserts that check every value first.

use aphex_core::Error;
use aphex_core::copy::{self, NoProgress, Row, Table};
use aphex_core::service::CreateDocument;
use serde_json::json;

use crate::TestDb;

/// The cases of this module, in order.
pub(crate) fn cases() -> Vec<crate::Case> {
    case_list!(rows:
        tables_are_read_in_key_order_and_rewritten_unchanged,
        a_reader_sees_one_snapshot_where_the_backend_declares_one,
        a_batch_with_a_bad_value_is_refused_whole,
    )
}

fn table(name: &str) -> &'static Table {
    Table::named(name).unwrap_or_else(|| panic!("{name} is in the catalog"))
}

pub async fn tables_are_read_in_key_order_and_rewritten_unchanged(db: &TestDb) {
    let cms = db.cms().await;
    for i in 0..12 {
        cms.documents()
            .create(CreateDocument::new(
                "post",
                json!({"title": format!("p{i}"), "n": 1.0}),
            ))
            .await
            .expect("create");
    }
    let rows = db.adapter.rows().expect("rows");
    let documents = table("cms_documents");
    let mut reader = rows.read().await.expect("reader");
    assert_eq!(reader.count_rows(documents).await.expect("count"), 12);
    let (mut all, mut after) = (Vec::<Row>::new(), None::<String>);
    loop {
        let batch = reader
            .read_rows(documents, after.as_deref(), 5)
            .await
            .expect("read");
        let Some(last) = batch.last() else { break };
        after = Some(copy::key_of(documents, last).expect("key"));
        all.extend(batch);
    }
    drop(reader);
    let keys: Vec<String> = all
        .iter()
        .map(|r| copy::key_of(documents, r).expect("key"))
        .collect();
    let mut sorted = keys.clone();
    sorted.sort_unstable();
    assert_eq!(keys, sorted, "key order");
    assert_eq!(keys.len(), 12, "every row once");
    assert_eq!(all[0]["draft_data"]["n"], json!(1.0), "1.0 stays a float");
    assert_eq!(
        rows.last_key(documents).await.expect("last key").as_ref(),
        keys.last()
    );

    // Writing them again replaces them with themselves.
    rows.upsert_rows(documents, &all).await.expect("upsert");
    assert_eq!(rows.count_rows(documents).await.expect("count"), 12);
    let report = copy::verify(&*db.adapter, &*db.adapter, 7, &NoProgress)
        .await
        .expect("verify");
    assert!(report.is_exact(), "{report}");
    let post = cms
        .documents()
        .find_by_id(
            uuid::Uuid::parse_str(&keys[0]).expect("uuid"),
            aphex_core::query::Perspective::Draft,
            0,
        )
        .await
        .expect("read")
        .expect("still there");
    assert_eq!(post.revision, 1);
}

pub async fn a_reader_sees_one_snapshot_where_the_backend_declares_one(db: &TestDb) {
    let cms = db.cms().await;
    let docs = cms.documents();
    docs.create(CreateDocument::new("post", json!({"title": "before"})))
        .await
        .expect("create");
    let rows = db.adapter.rows().expect("rows");
    let documents = table("cms_documents");
    let mut reader = rows.read().await.expect("reader");
    assert_eq!(reader.count_rows(documents).await.expect("count"), 1);
    docs.create(CreateDocument::new("post", json!({"title": "during"})))
        .await
        .expect("a write while the reader is open");
    let seen = reader
        .read_rows(documents, None, 100)
        .await
        .expect("read")
        .len();
    if reader.is_snapshot() {
        assert_eq!(seen, 1, "the snapshot does not see a later write");
        assert_eq!(reader.count_rows(documents).await.expect("count"), 1);
    } else {
        assert_eq!(
            seen, 2,
            "without a snapshot each read sees what is committed"
        );
    }
    drop(reader);
    assert_eq!(rows.count_rows(documents).await.expect("count"), 2);
}

pub async fn a_batch_with_a_bad_value_is_refused_whole(db: &TestDb) {
    let rows = db.adapter.rows().expect("rows");
    let users = table("user");
    let user = |id: &str, created: &str| -> Row {
        let value = json!({
            "id": id, "name": "N", "email": format!("{id}@example.com"), "email_verified": false,
            "image": null, "created_at": created, "updated_at": "2026-11-24T19:13:38.694Z",
        });
        value.as_object().cloned().expect("an object")
    };
    let batch = [
        user(
            "goodgoodgoodgoodgoodgoodgoodgood",
            "2026-11-24T19:13:38.694Z",
        ),
        user("badbadbadbadbadbadbadbadbadbadba", "yesterday"),
    ];
    let err = rows.upsert_rows(users, &batch).await.expect_err("refused");
    assert!(
        matches!(&err, Error::Validation(_)) && err.to_string().contains("user.created_at"),
        "{err:?}"
    );
    assert_eq!(
        rows.count_rows(users).await.expect("count"),
        0,
        "nothing written"
    );
    rows.upsert_rows(users, &batch[..1])
        .await
        .expect("the good row alone");
    let mut reader = rows.read().await.expect("reader");
    let back = reader.read_rows(users, None, 10).await.expect("read");
    assert_eq!(back, batch[..1], "a row reads back as it was written");
}

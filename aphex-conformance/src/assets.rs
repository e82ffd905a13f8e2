//! Asset metadata: create with defaults, lookups, the convenience filters (type, MIME type,
//! case-insensitive literal filename search), a full `where` on asset columns and metadata,
//! sorting, paging, counts, total size, patch updates and delete.

use std::collections::BTreeMap;
use std::time::Duration;

use aphex_core::model::{Asset, AssetPatch, NewAsset};
use aphex_core::query::{FindOptions, Where};
use aphex_core::service::{AssetFilter, AssetService};
use aphex_core::{Error, model};
use serde_json::{Value, json};
use uuid::Uuid;

use crate::TestDb;

/// The cases of this module, in order.
pub(crate) fn cases() -> Vec<crate::Case> {
    case_list!(assets:
        create_fills_defaults_and_reads_back,
        convenience_filters,
        search_is_case_insensitive_and_literal,
        where_on_asset_columns_and_metadata_with_sort,
        paging_metadata,
        count_with_filter_and_where,
        counts_by_type_and_total_size,
        update_patches_only_the_given_fields,
        delete_then_not_found,
    )
}

/// A new asset with the given basics and no optional fields.
pub fn new_asset(
    asset_type: &str,
    filename: &str,
    original_filename: &str,
    mime_type: &str,
    size: i64,
) -> NewAsset {
    NewAsset {
        asset_type: asset_type.to_owned(),
        filename: filename.to_owned(),
        original_filename: original_filename.to_owned(),
        mime_type: mime_type.to_owned(),
        size,
        url: format!("/uploads/{filename}"),
        path: format!("uploads/{filename}"),
        storage_adapter: None,
        width: None,
        height: None,
        metadata: None,
        title: None,
        description: None,
        alt: None,
        credit_line: None,
        created_by: None,
    }
}

fn with_metadata(mut asset: NewAsset, metadata: Value) -> NewAsset {
    asset.metadata = Some(metadata);
    asset
}

/// Five assets: three images, two files; sizes 2000, 500, 10000, 300, 1500.
async fn seed(assets: &AssetService) -> Vec<Asset> {
    let rows = [
        with_metadata(
            new_asset(
                "image",
                "sunset.jpg",
                "Sunset Beach.JPG",
                "image/jpeg",
                2000,
            ),
            json!({"camera": "Canon", "iso": 100}),
        ),
        with_metadata(
            new_asset("image", "logo.png", "Company_Logo.png", "image/png", 500),
            json!({"camera": "none"}),
        ),
        new_asset(
            "file",
            "report.pdf",
            "Q1 100% report.pdf",
            "application/pdf",
            10000,
        ),
        new_asset("file", "data_2024.csv", "data.csv", "text/csv", 300),
        with_metadata(
            new_asset("image", "avatar.webp", "me.webp", "image/webp", 1500),
            json!({"camera": "Nikon", "iso": 800}),
        ),
    ];
    let mut out = Vec::new();
    for row in rows {
        out.push(assets.create(row).await.expect("create asset"));
    }
    out
}

fn filenames(found: &[Asset]) -> Vec<&str> {
    found.iter().map(|a| a.filename.as_str()).collect()
}

/// Sorted filenames of a result (for filters whose order is not the point).
fn sorted_filenames(found: &[Asset]) -> Vec<&str> {
    let mut names = filenames(found);
    names.sort_unstable();
    names
}

/// Create assigns an id, sets both timestamps to the same instant, defaults the storage adapter
/// to `local`, and keeps every given field; a read returns exactly the created row.
pub async fn create_fills_defaults_and_reads_back(db: &TestDb) {
    let cms = db.cms().await;
    let assets = cms.assets();
    let before = model::now();
    let plain = assets
        .create(new_asset("file", "a.txt", "A.TXT", "text/plain", 12))
        .await
        .expect("create");
    assert!(!plain.id.is_nil());
    assert_eq!(plain.storage_adapter, "local");
    assert_eq!(plain.created_at, plain.updated_at);
    assert!(plain.created_at >= before && plain.created_at <= model::now());
    assert_eq!(
        plain.created_at,
        model::truncate_to_millis(plain.created_at)
    );
    assert_eq!(
        (plain.width, plain.height, &plain.metadata, &plain.title),
        (None, None, &None, &None)
    );
    assert_eq!(
        assets.find_by_id(plain.id).await.expect("read"),
        Some(plain.clone())
    );

    let full = NewAsset {
        storage_adapter: Some("s3".into()),
        width: Some(1920),
        height: Some(1080),
        metadata: Some(json!({"camera": "Canon", "exif": {"iso": 200, "flash": false}})),
        title: Some("Sunset".into()),
        description: Some("Over the sea".into()),
        alt: Some("An orange sky".into()),
        credit_line: Some("© Me".into()),
        created_by: Some("u1".into()),
        ..new_asset("image", "sunset.jpg", "Sunset.JPG", "image/jpeg", 123_456)
    };
    let created = assets.create(full.clone()).await.expect("create full");
    assert_ne!(created.id, plain.id);
    assert_eq!(created.storage_adapter, "s3");
    assert_eq!(
        (created.width, created.height, created.size),
        (Some(1920), Some(1080), 123_456)
    );
    assert_eq!(created.metadata, full.metadata);
    assert_eq!(created.title.as_deref(), Some("Sunset"));
    assert_eq!(created.description.as_deref(), Some("Over the sea"));
    assert_eq!(created.alt.as_deref(), Some("An orange sky"));
    assert_eq!(created.credit_line.as_deref(), Some("© Me"));
    assert_eq!(created.created_by.as_deref(), Some("u1"));
    assert_eq!(
        (
            created.asset_type.as_str(),
            created.filename.as_str(),
            created.original_filename.as_str(),
            created.mime_type.as_str(),
            created.url.as_str(),
            created.path.as_str()
        ),
        (
            "image",
            "sunset.jpg",
            "Sunset.JPG",
            "image/jpeg",
            "/uploads/sunset.jpg",
            "uploads/sunset.jpg"
        )
    );
    assert_eq!(
        assets.find_by_id(created.id).await.expect("read"),
        Some(created)
    );
    assert_eq!(assets.find_by_id(Uuid::new_v4()).await.expect("read"), None);
}

/// `asset_type` and `mime_type` are exact matches, ANDed with each other and with `search`.
pub async fn convenience_filters(db: &TestDb) {
    let cms = db.cms().await;
    let assets = cms.assets();
    seed(assets).await;
    let find = |filter: AssetFilter| async move {
        assets
            .find(&filter, &FindOptions::new())
            .await
            .expect("find")
            .docs
    };

    let images = find({
        let mut v = AssetFilter::new();
        v.asset_type = Some("image".into());
        v
    })
    .await;
    assert_eq!(
        sorted_filenames(&images),
        vec!["avatar.webp", "logo.png", "sunset.jpg"]
    );
    let png = find({
        let mut v = AssetFilter::new();
        v.mime_type = Some("image/png".into());
        v
    })
    .await;
    assert_eq!(filenames(&png), vec!["logo.png"]);
    let none = find({
        let mut v = AssetFilter::new();
        v.mime_type = Some("IMAGE/PNG".into());
        v
    })
    .await;
    assert!(none.is_empty(), "mime type is an exact match");
    let both = find({
        let mut v = AssetFilter::new();
        v.asset_type = Some("file".into());
        v.mime_type = Some("image/png".into());
        v
    })
    .await;
    assert!(both.is_empty(), "filters are ANDed");
    let files_with_a = find({
        let mut v = AssetFilter::new();
        v.asset_type = Some("file".into());
        v.search = Some("DATA".into());
        v
    })
    .await;
    assert_eq!(filenames(&files_with_a), vec!["data_2024.csv"]);
    let all = find(AssetFilter::default()).await;
    assert_eq!(all.len(), 5);
}

/// `search` is a case-insensitive literal substring of `filename` OR `original_filename`: `%` and
/// `_` in the search text match only themselves.
pub async fn search_is_case_insensitive_and_literal(db: &TestDb) {
    let cms = db.cms().await;
    let assets = cms.assets();
    seed(assets).await;
    let search = |text: &'static str| async move {
        let filter = {
            let mut v = AssetFilter::new();
            v.search = Some(text.into());
            v
        };
        let found = assets
            .find(&filter, &FindOptions::new())
            .await
            .expect("find")
            .docs;
        let count = assets
            .count(&filter, &crate::fixtures::filtered(None))
            .await
            .expect("count");
        assert_eq!(
            count,
            found.len() as u64,
            "count agrees with find for {text:?}"
        );
        let mut names: Vec<String> = found.into_iter().map(|a| a.filename).collect();
        names.sort_unstable();
        names
    };
    assert_eq!(search("SUNSET").await, vec!["sunset.jpg"]);
    assert_eq!(
        search("beach").await,
        vec!["sunset.jpg"],
        "matches the original filename only"
    );
    assert_eq!(
        search("report").await,
        vec!["report.pdf"],
        "matches both names, listed once"
    );
    assert_eq!(search("ME.WEBP").await, vec!["avatar.webp"]);
    assert_eq!(search("%").await, vec!["report.pdf"], "`%` is literal");
    assert_eq!(search("100%").await, vec!["report.pdf"]);
    assert_eq!(
        search("_").await,
        vec!["data_2024.csv", "logo.png"],
        "`_` is literal"
    );
    assert_eq!(search("a_2").await, vec!["data_2024.csv"]);
    assert_eq!(search("y_l").await, vec!["logo.png"]);
    assert!(search("a%2").await.is_empty());
    assert!(search("s_n").await.is_empty(), "`_` is not a wildcard");
    assert!(search("\\").await.is_empty());
    assert!(search("nothing-like-this").await.is_empty());
}

/// A `where` on asset columns (`size`, `mimeType`) and on `metadata.<path>`, with sorting.
pub async fn where_on_asset_columns_and_metadata_with_sort(db: &TestDb) {
    let cms = db.cms().await;
    let assets = cms.assets();
    seed(assets).await;
    let find = |w: Where, sort: &'static [&'static str]| {
        let mut options = FindOptions::new().filter(w);
        for key in sort {
            options = options.sort(*key);
        }
        async move { assets.find(&AssetFilter::default(), &options).await }
    };

    let big = find(Where::path("size").greater_than(1000), &["-size"])
        .await
        .expect("size > 1000");
    assert_eq!(
        filenames(&big.docs),
        vec!["report.pdf", "sunset.jpg", "avatar.webp"]
    );
    assert_eq!(big.total_docs, 3);

    let images = find(Where::path("mimeType").starts_with("image/"), &["filename"])
        .await
        .expect("images");
    assert_eq!(
        filenames(&images.docs),
        vec!["avatar.webp", "logo.png", "sunset.jpg"]
    );

    let by_size = find(Where::and([]), &["size"]).await.expect("all by size");
    let sizes: Vec<i64> = by_size.docs.iter().map(|a| a.size).collect();
    assert_eq!(sizes, vec![300, 500, 1500, 2000, 10000]);

    let canon = find(Where::path("metadata.camera").equals("Canon"), &[])
        .await
        .expect("metadata equals");
    assert_eq!(filenames(&canon.docs), vec!["sunset.jpg"]);
    let iso = find(
        Where::path("metadata.iso").greater_than_equal(100),
        &["-metadata.iso"],
    )
    .await
    .expect("metadata number");
    assert_eq!(filenames(&iso.docs), vec!["avatar.webp", "sunset.jpg"]);
    let no_metadata = find(Where::path("metadata.camera").exists(false), &["filename"])
        .await
        .expect("metadata missing");
    assert_eq!(
        filenames(&no_metadata.docs),
        vec!["data_2024.csv", "report.pdf"]
    );

    // The convenience filter and the where clause are ANDed.
    let files = assets
        .find(
            &{
                let mut v = AssetFilter::new();
                v.asset_type = Some("file".into());
                v
            },
            &FindOptions::new().filter(Where::path("size").greater_than(1000)),
        )
        .await
        .expect("filter and where");
    assert_eq!(filenames(&files.docs), vec!["report.pdf"]);

    let err = find(Where::path("draftData.title").equals("x"), &[])
        .await
        .expect_err("not an asset field");
    assert!(matches!(err, Error::InvalidQuery { .. }), "{err:?}");
}

/// `limit`/`page`/`offset` and the metadata that comes back.
pub async fn paging_metadata(db: &TestDb) {
    let cms = db.cms().await;
    let assets = cms.assets();
    seed(assets).await;
    let page = |options: FindOptions| async move {
        assets
            .find(&AssetFilter::default(), &options.sort("filename"))
            .await
            .expect("find")
    };
    let p2 = page(FindOptions::new().limit(2).page(2)).await;
    assert_eq!(filenames(&p2.docs), vec!["logo.png", "report.pdf"]);
    assert_eq!(
        (p2.total_docs, p2.limit, p2.offset, p2.page, p2.total_pages),
        (5, 2, 2, 2, 3)
    );
    assert!(p2.has_next_page);
    assert!(p2.has_prev_page);

    let p3 = page(FindOptions::new().limit(2).offset(4)).await;
    assert_eq!(filenames(&p3.docs), vec!["sunset.jpg"]);
    assert_eq!((p3.page, p3.total_pages), (3, 3));
    assert!(!p3.has_next_page);
    assert!(p3.has_prev_page);

    let p1 = page(FindOptions::new()).await;
    assert_eq!(p1.docs.len(), 5);
    assert_eq!(
        (p1.limit, p1.offset, p1.page, p1.total_pages),
        (50, 0, 1, 1)
    );
    assert!(!p1.has_next_page);
    assert!(!p1.has_prev_page);

    let filtered = assets
        .find(
            &{
                let mut v = AssetFilter::new();
                v.asset_type = Some("image".into());
                v
            },
            &FindOptions::new().limit(1).sort("-size"),
        )
        .await
        .expect("filtered page");
    assert_eq!(filenames(&filtered.docs), vec!["sunset.jpg"]);
    assert_eq!((filtered.total_docs, filtered.total_pages), (3, 3));
    assert!(filtered.has_next_page);
}

/// `count` with convenience filters, a `where`, and both.
pub async fn count_with_filter_and_where(db: &TestDb) {
    let cms = db.cms().await;
    let assets = cms.assets();
    assert_eq!(
        assets
            .count(&AssetFilter::default(), &crate::fixtures::filtered(None))
            .await
            .expect("count"),
        0
    );
    seed(assets).await;
    let images = {
        let mut v = AssetFilter::new();
        v.asset_type = Some("image".into());
        v
    };
    let count = |filter: AssetFilter, w: Option<Where>| async move {
        assets
            .count(&filter, &crate::fixtures::filtered(w.as_ref()))
            .await
            .expect("count")
    };
    assert_eq!(count(AssetFilter::default(), None).await, 5);
    assert_eq!(count(images.clone(), None).await, 3);
    assert_eq!(
        count(
            {
                let mut v = AssetFilter::new();
                v.search = Some("_".into());
                v
            },
            None
        )
        .await,
        2
    );
    assert_eq!(
        count(
            AssetFilter::default(),
            Some(Where::path("size").greater_than(1000))
        )
        .await,
        3
    );
    assert_eq!(
        count(
            images.clone(),
            Some(Where::path("metadata.camera").equals("Nikon"))
        )
        .await,
        1
    );
    assert_eq!(
        count(images, Some(Where::path("size").less_than(100))).await,
        0
    );
}

/// Exact per-type counts and the exact byte total; an empty table has no types and size 0.
pub async fn counts_by_type_and_total_size(db: &TestDb) {
    let cms = db.cms().await;
    let assets = cms.assets();
    assert_eq!(
        assets.counts_by_type().await.expect("counts"),
        BTreeMap::new()
    );
    assert_eq!(assets.total_size().await.expect("total"), 0);
    let seeded = seed(assets).await;
    assert_eq!(
        assets.counts_by_type().await.expect("counts"),
        BTreeMap::from([("file".to_owned(), 2), ("image".to_owned(), 3)])
    );
    assert_eq!(assets.total_size().await.expect("total"), 14_300);

    let huge = assets
        .create(new_asset(
            "video",
            "movie.mp4",
            "movie.mp4",
            "video/mp4",
            5_000_000_000,
        ))
        .await
        .expect("a file above 4 GiB");
    assert_eq!(
        assets.total_size().await.expect("total"),
        5_000_014_300,
        "sizes above 32 bits add up exactly"
    );
    assets.delete(huge.id).await.expect("delete");
    assets.delete(seeded[2].id).await.expect("delete");
    assert_eq!(
        assets.counts_by_type().await.expect("counts"),
        BTreeMap::from([("file".to_owned(), 1), ("image".to_owned(), 3)])
    );
    assert_eq!(assets.total_size().await.expect("total"), 4_300);
}

/// A patch changes only the fields it names (`Some(None)` clears one), moves `updated_at` and keeps
/// `created_at`; an unknown id is `NotFound`.
pub async fn update_patches_only_the_given_fields(db: &TestDb) {
    let cms = db.cms().await;
    let assets = cms.assets();
    let created = assets
        .create(NewAsset {
            title: Some("Old".into()),
            description: Some("Desc".into()),
            alt: Some("Alt".into()),
            credit_line: Some("Credit".into()),
            metadata: Some(json!({"camera": "Canon"})),
            ..new_asset("image", "a.jpg", "a.jpg", "image/jpeg", 10)
        })
        .await
        .expect("create");

    tokio::time::sleep(Duration::from_millis(5)).await;
    let titled = assets
        .update(
            created.id,
            &AssetPatch {
                title: Some(Some("New".into())),
                ..Default::default()
            },
        )
        .await
        .expect("update title");
    assert!(titled.updated_at > created.updated_at, "updated_at moves");
    assert_eq!(titled.created_at, created.created_at);
    assert_eq!(
        titled,
        Asset {
            title: Some("New".into()),
            updated_at: titled.updated_at,
            ..created.clone()
        },
        "nothing else changes"
    );
    assert_eq!(
        assets.find_by_id(created.id).await.expect("read"),
        Some(titled.clone())
    );

    tokio::time::sleep(Duration::from_millis(5)).await;
    let cleared = assets
        .update(
            created.id,
            &AssetPatch {
                alt: Some(None),
                metadata: Some(None),
                description: Some(Some("New desc".into())),
                ..Default::default()
            },
        )
        .await
        .expect("clear alt and metadata");
    assert!(cleared.updated_at > titled.updated_at);
    assert_eq!(
        cleared,
        Asset {
            alt: None,
            metadata: None,
            description: Some("New desc".into()),
            updated_at: cleared.updated_at,
            ..titled.clone()
        }
    );

    let metadata = assets
        .update(
            created.id,
            &AssetPatch {
                metadata: Some(Some(json!({"camera": "Leica", "tags": ["a", "b"]}))),
                ..Default::default()
            },
        )
        .await
        .expect("set metadata");
    assert_eq!(
        metadata.metadata,
        Some(json!({"camera": "Leica", "tags": ["a", "b"]}))
    );
    assert_eq!(metadata.title.as_deref(), Some("New"));
    assert_eq!(metadata.credit_line.as_deref(), Some("Credit"));
    assert_eq!(
        assets
            .find(
                &AssetFilter::default(),
                &FindOptions::new().filter(Where::path("metadata.camera").equals("Leica"))
            )
            .await
            .expect("find by new metadata")
            .total_docs,
        1
    );

    let empty = assets
        .update(created.id, &AssetPatch::default())
        .await
        .expect("empty patch");
    assert_eq!(
        Asset {
            updated_at: metadata.updated_at,
            ..empty.clone()
        },
        metadata,
        "an empty patch only touches updated_at"
    );

    let err = assets
        .update(
            Uuid::new_v4(),
            &AssetPatch {
                title: Some(Some("x".into())),
                ..Default::default()
            },
        )
        .await
        .expect_err("unknown id");
    assert!(
        matches!(
            err,
            Error::NotFound {
                entity: "asset",
                ..
            }
        ),
        "{err:?}"
    );
}

/// Delete removes the row; a second delete is `NotFound`.
pub async fn delete_then_not_found(db: &TestDb) {
    let cms = db.cms().await;
    let assets = cms.assets();
    let seeded = seed(assets).await;
    let victim = &seeded[0];
    assets.delete(victim.id).await.expect("delete");
    assert_eq!(assets.find_by_id(victim.id).await.expect("read"), None);
    let err = assets.delete(victim.id).await.expect_err("second delete");
    assert!(
        matches!(
            err,
            Error::NotFound {
                entity: "asset",
                ..
            }
        ),
        "{err:?}"
    );
    assert_eq!(
        assets
            .count(&AssetFilter::default(), &crate::fixtures::filtered(None))
            .await
            .expect("count"),
        4
    );
    assert_eq!(
        assets.find_by_id(seeded[1].id).await.expect("read"),
        Some(seeded[1].clone()),
        "other assets untouched"
    );
}

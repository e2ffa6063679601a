//! Folder listings are paged, streamed page by page, and show prefixes and markers as folders.
//! Run against moto and against pail-devstore: S3 clients break on small differences between stores.

use std::ops::ControlFlow;

use pail_devstore::{DevStore, DevStoreConfig};
use pail_engine::remote::{Entry, EntryKind};

use crate::support::*;

async fn list_all(
    t: &TestEngine,
    conn: &str,
    bucket: &str,
    prefix: &str,
) -> (Vec<Vec<Entry>>, pail_engine::remote::ListSummary) {
    let mut pages = Vec::new();
    let summary = t
        .engine
        .list_folder(conn, bucket, prefix, |page| {
            pages.push(page);
            ControlFlow::Continue(())
        })
        .await
        .unwrap();
    (pages, summary)
}

fn names(pages: &[Vec<Entry>]) -> Vec<(EntryKind, String)> {
    let mut v: Vec<_> = pages.iter().flatten().map(|e| (e.kind, e.name.clone())).collect();
    v.sort_by(|a, b| a.1.cmp(&b.1));
    v
}

async fn nested_tree_shows_folders_and_files(endpoint: &str, key: &str, secret: &str) {
    let t = TestEngine::new().await;
    let bucket = bucket_name("tree");
    let keys: Vec<String> = [
        "readme.txt",
        "docs/",
        "docs/a.md",
        "docs/2026/q1.csv",
        "photos/cat.png",
        "empty folder/",
    ]
    .map(String::from)
    .to_vec();
    make_bucket(&sdk_client(endpoint, key, secret), &bucket, &keys).await;
    let conn = t.engine.create_connection(&draft(endpoint, key, secret)).await.unwrap();

    let (pages, _) = list_all(&t, &conn.id, &bucket, "").await;
    use EntryKind::*;
    assert_eq!(
        names(&pages),
        vec![
            (Folder, "docs".into()),
            (Folder, "empty folder".into()),
            (Folder, "photos".into()),
            (File, "readme.txt".into())
        ]
    );
    let readme = pages.iter().flatten().find(|e| e.name == "readme.txt").unwrap();
    assert_eq!(readme.size, Some(10));
    assert!(readme.last_modified.is_some() && readme.etag.is_some());

    // Inside docs/: its own marker is not shown as an empty-named file.
    let (pages, _) = list_all(&t, &conn.id, &bucket, "docs/").await;
    assert_eq!(names(&pages), vec![(Folder, "2026".into()), (File, "a.md".into())]);
    let (pages, _) = list_all(&t, &conn.id, &bucket, "empty folder/").await;
    assert!(
        names(&pages).is_empty(),
        "an empty folder lists as empty: {:?}",
        names(&pages)
    );
    // A prefix that is not a folder path is refused in words.
    let err = t
        .engine
        .list_folder(&conn.id, &bucket, "docs", |_| ControlFlow::Continue(()))
        .await
        .unwrap_err();
    assert!(err.user_message().contains("not a folder path"));
}

#[tokio::test]
async fn nested_tree_on_moto() {
    nested_tree_shows_folders_and_files(&moto_endpoint(), "k", "s").await;
}

#[tokio::test]
async fn nested_tree_on_devstore() {
    let dir = tempfile::tempdir().unwrap();
    let s = DevStore::start(DevStoreConfig::new(dir.path().to_path_buf(), "devkey", "devsecret"))
        .await
        .unwrap();
    nested_tree_shows_folders_and_files(&s.endpoint(), "devkey", "devsecret").await;
}

async fn ten_thousand_keys_arrive_in_pages(endpoint: &str, key: &str, secret: &str) {
    let t = TestEngine::new().await;
    let bucket = bucket_name("big");
    let mut keys: Vec<String> = (0..10_050).map(|i| format!("many/file-{i:05}.txt")).collect();
    keys.push("many/sub/inner.txt".into());
    make_bucket(&sdk_client(endpoint, key, secret), &bucket, &keys).await;
    let conn = t.engine.create_connection(&draft(endpoint, key, secret)).await.unwrap();

    let (pages, summary) = list_all(&t, &conn.id, &bucket, "many/").await;
    assert!(
        summary.pages >= 11,
        "10,051 rows need at least 11 pages of 1,000, got {}",
        summary.pages
    );
    assert_eq!(summary.pages, pages.len());
    assert!(
        pages.iter().all(|p| p.len() <= 1000),
        "no page holds more than 1,000 rows"
    );
    assert_eq!(summary.entries, 10_051);
    let all = names(&pages);
    assert_eq!(all.len(), 10_051, "no row lost or duplicated across pages");
    assert!(all.contains(&(EntryKind::Folder, "sub".into())));

    // Streaming stops when the consumer says so (the user navigated away).
    let mut seen = 0;
    let summary = t
        .engine
        .list_folder(&conn.id, &bucket, "many/", |_| {
            seen += 1;
            if seen == 2 {
                ControlFlow::Break(())
            } else {
                ControlFlow::Continue(())
            }
        })
        .await
        .unwrap();
    assert_eq!(summary.pages, 2);
}

#[tokio::test]
async fn ten_thousand_keys_on_moto() {
    ten_thousand_keys_arrive_in_pages(&moto_endpoint(), "k", "s").await;
}

#[tokio::test]
async fn ten_thousand_keys_on_devstore() {
    let dir = tempfile::tempdir().unwrap();
    let s = DevStore::start(DevStoreConfig::new(dir.path().to_path_buf(), "devkey", "devsecret"))
        .await
        .unwrap();
    ten_thousand_keys_arrive_in_pages(&s.endpoint(), "devkey", "devsecret").await;
}

#[tokio::test]
async fn properties_show_type_class_and_metadata() {
    let t = TestEngine::new().await;
    let endpoint = moto_endpoint();
    let bucket = bucket_name("props");
    let client = sdk_client(&endpoint, "k", "s");
    make_bucket(&client, &bucket, &[]).await;
    client
        .put_object()
        .bucket(&bucket)
        .key("docs/report.csv")
        .body(b"a,b\n1,2\n".to_vec().into())
        .content_type("text/csv")
        .metadata("author", "Ada")
        .metadata("project", "pail")
        .send()
        .await
        .unwrap();
    let conn = t.engine.create_connection(&draft(&endpoint, "k", "s")).await.unwrap();
    let p = t
        .engine
        .object_properties(&conn.id, &bucket, "docs/report.csv")
        .await
        .unwrap();
    assert_eq!(p.size, 8);
    assert_eq!(p.content_type.as_deref(), Some("text/csv"));
    assert!(p.etag.as_deref().is_some_and(|e| !e.contains('"')));
    assert!(p.last_modified.is_some());
    let meta: Vec<(&str, &str)> = p.metadata.iter().map(|m| (m.key.as_str(), m.value.as_str())).collect();
    assert_eq!(meta, vec![("author", "Ada"), ("project", "pail")]);
}

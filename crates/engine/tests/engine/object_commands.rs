//! The engine's front door for file operations (what the app's commands call), against moto
//! through a saved connection: input checks before anything reaches the store, names already in
//! use refused with nothing changed, selections of files and folders counted and deleted
//! together, and versions only where the bucket keeps them. The S3 work itself is tested in
//! `object_ops`.

use pail_engine::remote::PrefixSummary;
use pail_engine::ErrorCode;

use crate::support::*;

/// An engine with a connection to a fresh moto bucket holding `keys` (each key's own name as its
/// content), and a raw client to check the bucket independently.
async fn setup(tag: &str, keys: &[&str]) -> (TestEngine, String, aws_sdk_s3::Client, String) {
    let endpoint = moto_endpoint();
    let client = sdk_client(&endpoint, "k", "s");
    let bucket = bucket_name(tag);
    let keys: Vec<String> = keys.iter().map(|k| k.to_string()).collect();
    make_bucket(&client, &bucket, &keys).await;
    let t = TestEngine::new().await;
    let conn = t.engine.create_connection(&draft(&endpoint, "k", "s")).await.unwrap();
    (t, conn.id, client, bucket)
}

async fn all_keys(client: &aws_sdk_s3::Client, bucket: &str) -> Vec<String> {
    let page = client.list_objects_v2().bucket(bucket).send().await.unwrap();
    page.contents()
        .iter()
        .filter_map(|o| o.key())
        .map(str::to_owned)
        .collect()
}

#[tokio::test]
async fn malformed_input_is_refused_in_words_before_the_connection_is_looked_up() {
    let t = TestEngine::new().await;
    let e = &t.engine;
    // A connection id that does not exist: every refusal below comes from the input checks.
    let id = "no-such-connection";
    let keys = |k: &[&str]| k.iter().map(|s| s.to_string()).collect::<Vec<_>>();
    let refusals = vec![
        ("bad bucket", e.create_folder(id, "../etc", "", "x").await.unwrap_err()),
        (
            "slash in a new folder",
            e.create_folder(id, "bucket", "", "a/b").await.unwrap_err(),
        ),
        (
            "dot-dot folder",
            e.create_folder(id, "bucket", "", "..").await.unwrap_err(),
        ),
        (
            "parent not a folder",
            e.create_folder(id, "bucket", "docs", "x").await.unwrap_err(),
        ),
        (
            "NUL in a parent",
            e.create_folder(id, "bucket", "a\0/", "x").await.unwrap_err(),
        ),
        ("empty key", e.rename(id, "bucket", "", "x").await.unwrap_err()),
        ("NUL in a key", e.rename(id, "bucket", "a\0b", "x").await.unwrap_err()),
        (
            "slash in a new name",
            e.rename(id, "bucket", "a.txt", "b/c.txt").await.unwrap_err(),
        ),
        (
            "blank new name",
            e.rename(id, "bucket", "a.txt", "  ").await.unwrap_err(),
        ),
        (
            "key too long",
            e.rename(id, "bucket", "a", &"x".repeat(1100)).await.unwrap_err(),
        ),
        ("nothing selected", e.delete(id, "bucket", &[]).await.unwrap_err()),
        (
            "empty key in a selection",
            e.delete(id, "bucket", &keys(&["a", ""])).await.unwrap_err(),
        ),
        (
            "nothing to count",
            e.delete_summary(id, "bucket", &[]).await.unwrap_err(),
        ),
        (
            "destination bucket",
            e.transfer_items(id, "bucket", &keys(&["a"]), "Bad_Bucket", "", false)
                .await
                .unwrap_err(),
        ),
        (
            "destination not a folder",
            e.transfer_items(id, "bucket", &keys(&["a"]), "bucket", "docs", true)
                .await
                .unwrap_err(),
        ),
        (
            "into its own folder",
            e.transfer_items(id, "bucket", &keys(&["docs/a.txt"]), "bucket", "docs/", true)
                .await
                .unwrap_err(),
        ),
        (
            "link to a folder",
            e.share_link(id, "bucket", "docs/", 3600).await.unwrap_err(),
        ),
        (
            "link for 8 days",
            e.share_link(id, "bucket", "a.txt", 8 * 86400).await.unwrap_err(),
        ),
        (
            "link for no time",
            e.share_link(id, "bucket", "a.txt", 0).await.unwrap_err(),
        ),
        (
            "type of a folder",
            e.set_content_type(id, "bucket", "docs/", "text/plain")
                .await
                .unwrap_err(),
        ),
        (
            "versions of a folder",
            e.list_versions(id, "bucket", "docs/").await.unwrap_err(),
        ),
        (
            "no version id",
            e.restore_version(id, "bucket", "a.txt", "").await.unwrap_err(),
        ),
    ];
    for (what, err) in refusals {
        assert_eq!(err.code(), ErrorCode::InvalidInput, "{what}: {err:?}");
        let message = err.user_message();
        assert!(
            message.ends_with('.') && !message.contains("connection"),
            "{what}: a sentence about the input: {message}"
        );
    }
    // Good input gets as far as the connection.
    let err = e.create_folder(id, "bucket", "", "x").await.unwrap_err();
    assert_eq!(err.code(), ErrorCode::NotFound);
}

#[tokio::test]
async fn new_folders_and_renames_refuse_a_name_in_use_and_change_nothing() {
    let (t, id, client, bucket) = setup("names", &["a.txt", "b.txt", "docs/x.md", "notes/", "pics/cat.png"]).await;
    let e = &t.engine;
    let before = all_keys(&client, &bucket).await;
    for name in ["a.txt", "docs", "notes"] {
        let err = e.create_folder(&id, &bucket, "", name).await.unwrap_err();
        assert_eq!(err.code(), ErrorCode::InvalidInput, "{name}");
        assert!(
            err.user_message().contains(&format!("“{name}”")),
            "{}",
            err.user_message()
        );
    }
    for (key, to) in [
        ("a.txt", "b.txt"),
        ("a.txt", "docs"),
        ("pics/", "notes"),
        ("pics/", "a.txt"),
    ] {
        let err = e.rename(&id, &bucket, key, to).await.unwrap_err();
        assert_eq!(err.code(), ErrorCode::InvalidInput, "{key} → {to}");
    }
    assert_eq!(all_keys(&client, &bucket).await, before, "nothing changed");

    // A free name works, inside a folder too, and the new paths come back.
    assert_eq!(
        e.create_folder(&id, &bucket, "docs/", "2026").await.unwrap(),
        "docs/2026/"
    );
    let outcome = e.rename(&id, &bucket, "docs/", "Documents").await.unwrap();
    assert_eq!(outcome.keys, vec!["Documents/".to_string()]);
    assert_eq!(outcome.objects, 2, "the marker made above and x.md");
    let outcome = e.rename(&id, &bucket, "Documents/x.md", "y.md").await.unwrap();
    assert_eq!(
        (outcome.keys[0].as_str(), outcome.objects, outcome.bytes),
        ("Documents/y.md", 1, 9)
    );
    assert_eq!(
        all_keys(&client, &bucket).await,
        vec![
            "Documents/2026/",
            "Documents/y.md",
            "a.txt",
            "b.txt",
            "notes/",
            "pics/cat.png"
        ]
    );
    // Renaming to the same name is nothing to do.
    assert_eq!(e.rename(&id, &bucket, "a.txt", "a.txt").await.unwrap().objects, 0);
}

#[tokio::test]
async fn a_selection_of_files_and_folders_is_counted_then_deleted_exactly() {
    let (t, id, client, bucket) = setup(
        "delete-mix",
        &[
            "trash/",
            "trash/1.bin",
            "trash/deep/2.bin",
            "trashcan.txt",
            "old.log",
            "keep/old.log",
            "keep.txt",
        ],
    )
    .await;
    let e = &t.engine;
    let selection: Vec<String> = ["trash/", "old.log", "gone-already.txt", "old.log"]
        .map(String::from)
        .to_vec();
    let summary = e.delete_summary(&id, &bucket, &selection).await.unwrap();
    let bytes = ("trash/1.bin".len() + "trash/deep/2.bin".len() + "old.log".len()) as u64;
    assert_eq!(
        summary,
        PrefixSummary { objects: 4, bytes },
        "a missing file counts nothing, a repeat once"
    );
    assert_eq!(
        e.delete(&id, &bucket, &selection).await.unwrap(),
        5,
        "4 objects, plus the missing key asked for"
    );
    assert_eq!(
        all_keys(&client, &bucket).await,
        vec!["keep.txt", "keep/old.log", "trashcan.txt"],
        "exactly the selection went"
    );
}

#[tokio::test]
async fn copies_and_moves_into_another_folder_or_bucket_refuse_clashes_first() {
    let (t, id, client, bucket) = setup("transfer", &["a.txt", "b.txt", "pics/cat.png", "dest/b.txt"]).await;
    let other = bucket_name("transfer-to");
    make_bucket(&client, &other, &[]).await;
    let e = &t.engine;
    let sel = |k: &[&str]| k.iter().map(|s| s.to_string()).collect::<Vec<_>>();

    // b.txt is already in dest/: nothing is copied, a.txt included.
    let err = e
        .transfer_items(&id, &bucket, &sel(&["a.txt", "b.txt"]), &bucket, "dest/", true)
        .await
        .unwrap_err();
    assert_eq!(err.code(), ErrorCode::InvalidInput);
    assert_eq!(
        all_keys(&client, &bucket).await,
        vec!["a.txt", "b.txt", "dest/b.txt", "pics/cat.png"]
    );

    let moved = e
        .transfer_items(&id, &bucket, &sel(&["a.txt", "pics/"]), &bucket, "dest/", true)
        .await
        .unwrap();
    assert_eq!(moved.keys, vec!["dest/a.txt", "dest/pics/"]);
    assert_eq!(
        all_keys(&client, &bucket).await,
        vec!["b.txt", "dest/a.txt", "dest/b.txt", "dest/pics/cat.png"]
    );
    let copied = e
        .transfer_items(&id, &bucket, &sel(&["dest/"]), &other, "", false)
        .await
        .unwrap();
    assert_eq!(copied.objects, 3);
    assert_eq!(
        all_keys(&client, &other).await,
        vec!["dest/a.txt", "dest/b.txt", "dest/pics/cat.png"]
    );
    assert_eq!(all_keys(&client, &bucket).await.len(), 4, "a copy leaves the sources");
}

#[tokio::test]
async fn versions_are_offered_only_where_the_bucket_keeps_them() {
    let (t, id, client, bucket) = setup("versions-off", &["notes.txt"]).await;
    let e = &t.engine;
    let history = e.list_versions(&id, &bucket, "notes.txt").await.unwrap();
    assert!(!history.versioning_enabled && history.versions.is_empty());
    // Restoring without versioning would overwrite the current file for good: refused.
    let err = e.restore_version(&id, &bucket, "notes.txt", "null").await.unwrap_err();
    assert_eq!(err.code(), ErrorCode::InvalidInput);
    assert!(err.user_message().contains("versions"), "{}", err.user_message());

    // A share link is refused for a file that is not there, instead of handing out a dead link.
    let err = e.share_link(&id, &bucket, "missing.txt", 3600).await.unwrap_err();
    assert_eq!(err.code(), ErrorCode::NoSuchKey);
    let link = e.share_link(&id, &bucket, "notes.txt", 3600).await.unwrap();
    assert!(link.url.contains("X-Amz-Expires=3600"), "{}", link.url);
    let expires = chrono::DateTime::parse_from_rfc3339(&link.expires_at).unwrap();
    let in_an_hour = chrono::Utc::now() + chrono::Duration::hours(1);
    assert!((expires.with_timezone(&chrono::Utc) - in_an_hour).num_seconds().abs() < 60);

    let props = e
        .set_content_type(&id, &bucket, "notes.txt", "text/markdown")
        .await
        .unwrap();
    assert_eq!(props.content_type.as_deref(), Some("text/markdown"));
    let head = client
        .head_object()
        .bucket(&bucket)
        .key("notes.txt")
        .send()
        .await
        .unwrap();
    assert_eq!(head.content_type(), Some("text/markdown"));
}

//! The time machine in the window, on a versioned bucket of the test server: a folder's deleted
//! file shown and brought back, then the whole folder restored to an earlier moment; each checked
//! in the bucket itself.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use pail_e2e::*;

const SECRET: &str = "e2e-history-secret-Distinctive-8830";

/// Ends a moment: returns its second, after waiting until the clock is in a later one so the next
/// writes come after it (S3 keeps times to the second). It orders writes; it asserts nothing.
async fn end_moment() -> u64 {
    let now = || {
        SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .unwrap_or_default()
            .as_secs()
    };
    let second = now();
    while now() <= second {
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    second
}

/// The whole seconds since the epoch of an RFC 3339 time such as 2026-12-02T17:00:05.999Z.
fn seconds_of(rfc3339: &str) -> Option<u64> {
    chrono::DateTime::parse_from_rfc3339(rfc3339)
        .ok()
        .and_then(|t| u64::try_from(t.timestamp()).ok())
}

#[tokio::test]
async fn a_deleted_file_comes_back_and_a_folder_goes_back_to_an_earlier_moment() {
    let endpoint = moto_endpoint();
    let client = sdk_client(&endpoint, "HISTKEY", SECRET);
    let bucket = bucket_name("e2e-history");
    make_bucket(&client, &bucket, &[]).await;
    s3::enable_versioning(&client, &bucket).await;
    // The moment to go back to: a report and its notes.
    s3::put(&client, &bucket, "project/report.txt", b"the first report").await;
    s3::put(&client, &bucket, "project/notes/todo.txt", b"first todo").await;
    let first = end_moment().await;
    // Then a morning of changes: one edited, one deleted, one added.
    s3::put(&client, &bucket, "project/report.txt", b"a rewritten report, longer").await;
    client
        .delete_object()
        .bucket(&bucket)
        .key("project/notes/todo.txt")
        .send()
        .await
        .expect("delete");
    s3::put(&client, &bucket, "project/draft.txt", b"added later").await;
    s3::put(&client, &bucket, "project/old.txt", b"to be deleted").await;
    end_moment().await;
    client
        .delete_object()
        .bucket(&bucket)
        .key("project/old.txt")
        .send()
        .await
        .expect("delete");

    let app = App::launch("time-machine").await;
    app.wait_tid("welcome").await;
    app.add_connection(
        "welcome-add-connection",
        "other",
        "History store",
        &endpoint,
        "HISTKEY",
        SECRET,
    )
    .await;
    let toggle = app
        .wait_for("[data-testid=\"connection-item\"][data-connection-name=\"History store\"] [data-testid=\"connection-toggle\"]")
        .await;
    if app.attr(&toggle, "aria-expanded").await.as_deref() != Some("true") {
        app.step("expand the connection", toggle.click()).await;
    }
    app.click_css(&format!("[data-testid=\"bucket-item\"][data-bucket=\"{bucket}\"]"))
        .await;
    app.wait_rows(&[("folder", "project")]).await;
    app.open_row("project").await;
    app.wait_rows(&[("folder", "notes"), ("file", "draft.txt"), ("file", "report.txt")])
        .await;

    // Recently deleted: old.txt is there; bring it back.
    app.click_tid("action-more").await;
    app.click_tid("action-show-deleted").await;
    app.wait_for("[data-testid=\"deleted-row\"][data-name=\"old.txt\"]")
        .await;
    app.screenshot("recently-deleted").await;
    app.audit_accessibility("recently-deleted").await;
    app.click_css("[data-testid=\"deleted-row\"][data-name=\"old.txt\"] input")
        .await;
    app.click_tid("deleted-restore-selected").await;
    app.wait_tid("restore-report").await;
    // What is left: the notes folder, deleted with everything in it (the restore below brings
    // it back).
    app.wait_for("[data-testid=\"deleted-folder-row\"][data-name=\"notes\"]")
        .await;
    app.eventually("old.txt gone from the list", || async {
        app.client
            .find_all(fantoccini::Locator::Css("[data-testid=\"deleted-row\"]"))
            .await
            .ok()
            .filter(|rows| rows.is_empty())
            .map(|_| ())
    })
    .await;
    assert_eq!(
        s3::get(&client, &bucket, "project/old.txt").await.as_deref(),
        Some(&b"to be deleted"[..]),
        "the deleted file is back"
    );
    app.click_tid("deleted-close").await;
    app.wait_rows(&[
        ("folder", "notes"),
        ("file", "draft.txt"),
        ("file", "old.txt"),
        ("file", "report.txt"),
    ])
    .await;

    // The whole folder back to the first moment.
    app.click_tid("action-more").await;
    app.click_tid("action-restore-folder").await;
    app.wait_tid("restore-folder-dialog").await;
    let moments = app
        .eventually("the folder's moments", || async {
            let found = app
                .client
                .find_all(fantoccini::Locator::Css("[data-testid=\"restore-moment\"]"))
                .await
                .ok()?;
            let mut ats = Vec::new();
            for m in &found {
                ats.push(app.attr(m, "data-at").await?);
            }
            (ats.len() >= 3).then_some(ats)
        })
        .await;
    let target = moments
        .iter()
        .filter(|at| seconds_of(at).is_some_and(|s| s <= first))
        .max_by_key(|at| seconds_of(at))
        .expect("a moment at or before the first one")
        .clone();
    app.click_css(&format!("[data-testid=\"restore-moment\"][data-at=\"{target}\"]"))
        .await;
    app.eventually("what going back changes", || async {
        let el = app.wait_tid("restore-summary").await;
        app.text(&el).await.contains("bring back 1 deleted file").then_some(())
    })
    .await;
    app.screenshot("restore-folder").await;
    app.audit_accessibility("restore-folder").await;
    app.click_tid("restore-folder-confirm").await;
    let report = app.wait_tid("restore-report").await;
    app.screenshot("restore-folder-done").await;
    assert_eq!(app.attr(&report, "data-restored").await.as_deref(), Some("2"));
    assert_eq!(app.attr(&report, "data-removed").await.as_deref(), Some("2"));
    let now: Vec<(String, Vec<u8>)> = s3::objects(&client, &bucket, "project/").await.into_iter().collect();
    assert_eq!(
        now,
        vec![
            ("notes/todo.txt".to_owned(), b"first todo".to_vec()),
            ("report.txt".to_owned(), b"the first report".to_vec()),
        ],
        "the folder as it was at the first moment"
    );
    app.click_tid("restore-close").await;
    app.wait_rows(&[("folder", "notes"), ("file", "report.txt")]).await;
    app.close().await;
}

use pail_e2e::*;

const SECRET: &str = "e2e-ops-secret-Distinctive-4417";

/// WebDriver key codes.
const ENTER: &str = "\u{E007}";
const F2: &str = "\u{E032}";
const DELETE: &str = "\u{E017}";
const SHIFT_F10: &str = "\u{E008}\u{E03A}";

#[tokio::test]
async fn new_folder_rename_and_delete_through_the_window() {
    let endpoint = moto_endpoint();
    let client = sdk_client(&endpoint, "OPSKEY", SECRET);
    let bucket = bucket_name("e2e-ops");
    let seeded: Vec<String> = [
        "readme.txt",
        "notes/a.txt",
        "old/x.txt",
        "old/sub/y.txt",
        "trash/",
        "trash/1.bin",
        "trash/deep/2.bin",
        "trashcan.txt",
    ]
    .map(String::from)
    .to_vec();
    make_bucket(&client, &bucket, &seeded).await;

    let app = App::launch("object-ops").await;
    app.wait_tid("welcome").await;
    app.add_connection(
        "welcome-add-connection",
        "other",
        "Ops store",
        &endpoint,
        "OPSKEY",
        SECRET,
    )
    .await;
    let toggle = app
        .wait_for(
            "[data-testid=\"connection-item\"][data-connection-name=\"Ops store\"] [data-testid=\"connection-toggle\"]",
        )
        .await;
    if app.attr(&toggle, "aria-expanded").await.as_deref() != Some("true") {
        app.step("expand the connection", toggle.click()).await;
    }
    app.click_css(&format!("[data-testid=\"bucket-item\"][data-bucket=\"{bucket}\"]"))
        .await;
    app.wait_rows(&[
        ("file", "readme.txt"),
        ("file", "trashcan.txt"),
        ("folder", "notes"),
        ("folder", "old"),
        ("folder", "trash"),
    ])
    .await;
    app.screenshot("bucket-root").await;

    // New folder: the toolbar button opens a name field at the top of the list.
    app.click_tid("action-new-folder").await;
    app.type_into("new-folder-input", "Projects").await;
    app.screenshot("new-folder-name").await;
    let input = app.wait_tid("new-folder-input").await;
    app.step("press Enter", input.send_keys(ENTER)).await;
    app.wait_rows(&[
        ("file", "readme.txt"),
        ("file", "trashcan.txt"),
        ("folder", "Projects"),
        ("folder", "notes"),
        ("folder", "old"),
        ("folder", "trash"),
    ])
    .await;
    let marker = client
        .head_object()
        .bucket(&bucket)
        .key("Projects/")
        .send()
        .await
        .expect("the folder is a Projects/ marker in the bucket");
    assert_eq!(marker.content_length(), Some(0));
    // The new folder is selected, ready for whatever comes next.
    app.wait_for(&format!(
        "{}[data-name=\"Projects\"][aria-selected=\"true\"]",
        App::tid("row")
    ))
    .await;
    app.screenshot("folder-created").await;

    // Rename a file with F2: same content under the new key, the old key gone.
    app.keys_on_row("readme.txt", F2).await;
    app.type_into("rename-input", "README.md").await;
    app.screenshot("rename-file").await;
    let input = app.wait_tid("rename-input").await;
    app.step("press Enter", input.send_keys(ENTER)).await;
    app.wait_rows(&[
        ("file", "README.md"),
        ("file", "trashcan.txt"),
        ("folder", "Projects"),
        ("folder", "notes"),
        ("folder", "old"),
        ("folder", "trash"),
    ])
    .await;
    assert_eq!(
        s3::get(&client, &bucket, "README.md").await.expect("the object"),
        b"readme.txt"
    );
    assert!(!s3::keys(&client, &bucket, "").await.contains(&"readme.txt".to_string()));
    app.screenshot("file-renamed").await;

    // Rename a folder from its context menu (Shift+F10): every key under it moves.
    app.keys_on_row("old", SHIFT_F10).await;
    app.wait_tid("context-menu").await;
    app.screenshot("context-menu").await;
    app.audit_accessibility("context-menu").await;
    app.click_tid("ctx-rename").await;
    app.type_into("rename-input", &format!("archive{ENTER}")).await;
    app.wait_rows(&[
        ("file", "README.md"),
        ("file", "trashcan.txt"),
        ("folder", "Projects"),
        ("folder", "archive"),
        ("folder", "notes"),
        ("folder", "trash"),
    ])
    .await;
    assert_eq!(
        s3::get(&client, &bucket, "archive/sub/y.txt")
            .await
            .expect("the object"),
        b"old/sub/y.txt"
    );
    assert_eq!(
        s3::get(&client, &bucket, "archive/x.txt").await.expect("the object"),
        b"old/x.txt"
    );
    assert!(
        !s3::keys(&client, &bucket, "")
            .await
            .iter()
            .any(|k| k.starts_with("old/")),
        "nothing left under old/"
    );
    app.screenshot("folder-renamed").await;

    // Delete a folder: the confirmation counts what goes (marker included) before anything does.
    app.keys_on_row("trash", DELETE).await;
    let dialog = app.wait_tid("confirm-dialog").await;
    let summary = app.wait_tid("delete-summary").await;
    let bytes = ("trash/1.bin".len() + "trash/deep/2.bin".len()).to_string();
    assert_eq!(app.attr(&summary, "data-objects").await.as_deref(), Some("3"));
    assert_eq!(app.attr(&summary, "data-bytes").await.as_deref(), Some(bytes.as_str()));
    let text = app.text(&dialog).await;
    assert!(
        text.contains(&format!(
            "Delete 3 items ({bytes} bytes)? This cannot be undone unless the bucket keeps versions."
        )),
        "{text}"
    );
    assert!(text.contains("Delete “trash”?"), "{text}");
    assert_eq!(
        s3::keys(&client, &bucket, "").await.len(),
        9,
        "nothing deleted before confirming (8 seeded keys and Projects/)"
    );
    app.screenshot("confirm-delete").await;
    app.audit_accessibility("confirm-delete").await;
    app.click_tid("confirm-delete").await;
    // (textContent: WebKit's WebDriver leaves the status bar's ellipsised message out of its text.)
    app.eventually("the delete reported in the status bar", || async {
        let message = app.wait_tid("status-message").await;
        let text = app.step("read the status message", message.prop("textContent")).await;
        text.filter(|t| t.contains("Deleted 3 items"))
    })
    .await;
    app.wait_rows(&[
        ("file", "README.md"),
        ("file", "trashcan.txt"),
        ("folder", "Projects"),
        ("folder", "archive"),
        ("folder", "notes"),
    ])
    .await;
    app.screenshot("folder-deleted").await;
    assert_eq!(
        s3::keys(&client, &bucket, "").await,
        vec![
            "Projects/",
            "README.md",
            "archive/sub/y.txt",
            "archive/x.txt",
            "notes/a.txt",
            "trashcan.txt"
        ],
        "exactly trash/ went; trashcan.txt, which shares its first letters, stays"
    );

    // A share link for a file: signed for the chosen time, shown with a Copy button.
    app.keys_on_row("README.md", SHIFT_F10).await;
    app.click_tid("ctx-copy-link").await;
    app.wait_tid("share-dialog").await;
    app.click_css("[data-testid=\"share-expiry\"][value=\"3600\"]").await;
    app.click_tid("share-create").await;
    let url = app.wait_tid("share-url").await;
    let link = app.step("read the link", url.prop("value")).await.unwrap_or_default();
    assert!(
        link.contains("README.md") && link.contains("X-Amz-Expires=3600"),
        "{link}"
    );
    app.screenshot("share-link").await;
    app.audit_accessibility("share-link").await;
    app.click_tid("share-close").await;

    // Properties: change the content type from the panel; the bucket has no versioning, and says so.
    app.click_tid("properties-toggle").await;
    app.click_tid("prop-content-type-edit").await;
    app.type_into("prop-content-type-input", &format!("text/markdown{ENTER}"))
        .await;
    app.eventually("the new content type in the panel", || async {
        let shown = app.wait_tid("prop-content-type").await;
        Some(app.text(&shown).await).filter(|t| t == "text/markdown")
    })
    .await;
    let head = client
        .head_object()
        .bucket(&bucket)
        .key("README.md")
        .send()
        .await
        .expect("head README.md");
    assert_eq!(head.content_type(), Some("text/markdown"));
    assert_eq!(
        s3::get(&client, &bucket, "README.md").await.expect("the object"),
        b"readme.txt"
    );
    app.wait_tid("prop-versions-off").await;
    app.screenshot("content-type").await;
    app.audit_accessibility("content-type").await;
    app.close().await;
}

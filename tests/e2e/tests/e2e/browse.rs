use pail_e2e::*;

/// What the bucket root shows: its folders and its one file.
const ROOT_ROWS: &[(&str, &str)] = &[
    ("file", "readme.txt"),
    ("folder", "docs"),
    ("folder", "empty"),
    ("folder", "photos"),
];

const SECRET: &str = "e2e-secret-Very-Distinctive-7781";

#[tokio::test]
async fn add_a_connection_through_the_form_and_browse_nested_folders() {
    let endpoint = moto_endpoint();
    let bucket = bucket_name("e2e-browse");
    let keys: Vec<String> = [
        "readme.txt",
        "docs/guide.md",
        "docs/2026/q1.csv",
        "docs/2026/q2.csv",
        "photos/cat.png",
        "empty/",
    ]
    .map(String::from)
    .to_vec();
    make_bucket(&sdk_client(&endpoint, "E2EKEY", SECRET), &bucket, &keys).await;

    let app = App::launch("browse").await;
    app.wait_tid("welcome").await;
    app.screenshot("welcome").await;

    // Add the connection through the form, as a user would.
    app.add_connection(
        "welcome-add-connection",
        "other",
        "Local test store",
        &endpoint,
        "E2EKEY",
        SECRET,
    )
    .await;

    // The sidebar shows it; its buckets load; open ours.
    // A new connection opens by itself; expand it only if it is closed.
    let toggle = app
        .wait_for("[data-testid=\"connection-item\"][data-connection-name=\"Local test store\"] [data-testid=\"connection-toggle\"]")
        .await;
    if app.attr(&toggle, "aria-expanded").await.as_deref() != Some("true") {
        app.step("expand the connection", toggle.click()).await;
    }
    let bucket_item = app
        .wait_for(&format!("[data-testid=\"bucket-item\"][data-bucket=\"{bucket}\"]"))
        .await;
    app.step("open the bucket", bucket_item.click()).await;
    app.wait_rows(ROOT_ROWS).await;
    app.screenshot("bucket-root").await;

    // The toolbar names its frequent actions; Storage class is one click of the column chooser away.
    assert!(app.page_source().await.contains("New folder"));
    assert!(!app.page_source().await.contains("Storage class"));
    app.click_tid("columns-button").await;
    app.click_tid("column-storage-class").await;
    app.wait_for("[role=\"columnheader\"].class-cell").await;
    app.screenshot("storage-class-shown").await;
    app.click_tid("columns-button").await;
    // The chooser's item is a checkbox, ticked while the column shows.
    app.wait_for("[data-testid=\"column-storage-class\"][role=\"menuitemcheckbox\"][aria-checked=\"true\"]")
        .await;
    app.screenshot("columns-menu").await;
    app.audit_accessibility("columns-menu").await;
    app.click_tid("column-storage-class").await;

    // Into docs/, then docs/2026/.
    app.open_row("docs").await;
    app.wait_rows(&[("file", "guide.md"), ("folder", "2026")]).await;
    app.open_row("2026").await;
    app.wait_rows(&[("file", "q1.csv"), ("file", "q2.csv")]).await;
    let crumbs = app
        .client
        .find_all(fantoccini::Locator::Css(&App::tid("breadcrumb")))
        .await
        .expect("breadcrumbs");
    let mut prefixes = Vec::new();
    for c in &crumbs {
        prefixes.push(app.attr(c, "data-prefix").await.unwrap_or_default());
    }
    assert_eq!(prefixes, vec!["", "docs/", "docs/2026/"]);
    app.screenshot("nested-folder").await;

    // Back up through the breadcrumbs: to docs/, then the bucket root.
    app.click_css("[data-testid=\"breadcrumb\"][data-prefix=\"docs/\"]")
        .await;
    app.wait_rows(&[("file", "guide.md"), ("folder", "2026")]).await;
    app.click_css("[data-testid=\"breadcrumb\"][data-prefix=\"\"]").await;
    app.wait_rows(ROOT_ROWS).await;

    // Filtering by name narrows the list as you type; clearing it brings everything back.
    app.type_into("filter-input", "READ").await;
    app.wait_rows(&[("file", "readme.txt")]).await;
    app.type_into("filter-input", "").await;
    app.wait_rows(ROOT_ROWS).await;

    // Enter on a file shows its properties.
    app.open_row("readme.txt").await;
    let panel = app.wait_tid("properties-panel").await;
    app.eventually("the file's properties", || async {
        Some(app.text(&panel).await).filter(|t| t.contains("readme.txt") && t.contains("10 bytes"))
    })
    .await;
    app.screenshot("properties").await;
    app.audit_accessibility("properties").await;

    // An empty folder says so instead of showing a blank list.
    app.open_row("empty").await;
    let list = app.wait_tid("file-list").await;
    app.eventually("the empty-folder message", || async {
        Some(app.text(&list).await).filter(|t| t.contains("This folder is empty"))
    })
    .await;
    app.screenshot("empty-folder").await;

    // The secret is not left anywhere in the page after saving...
    assert!(
        !app.page_source().await.contains(SECRET),
        "secret still in the page after saving"
    );
    // ...nor in any file the app wrote, its debug log included; it is in the keyring (the engine
    // tests read the exact entry back).
    let files = pail_testkit::files_under(app.data_dir.path());
    let log = app.data_dir.path().join("logs/pail.log");
    assert!(files.contains(&log), "the app keeps a log file: {files:?}");
    assert!(std::fs::metadata(&log).is_ok_and(|m| m.len() > 0));
    for path in files {
        if let Ok(bytes) = std::fs::read(&path) {
            assert!(
                !bytes.windows(SECRET.len()).any(|w| w == SECRET.as_bytes()),
                "secret in {}",
                path.display()
            );
        }
    }
    app.close().await;
}

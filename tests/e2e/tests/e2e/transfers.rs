//! Uploading a folder tree through the Upload folder button (the system picker is answered by the
//! harness; a drop takes the same grant route), seeing it in the browser and the Transfers view,
//! then renaming and deleting through the UI. Every result is checked in the bucket itself.

use pail_e2e::*;

const SECRET: &str = "e2e-transfers-secret-Distinctive-9931";
const DELETE: &str = "\u{E017}";
const SHIFT_F10: &str = "\u{E008}\u{E03A}";
const ENTER: &str = "\u{E007}";

#[tokio::test]
async fn a_dropped_folder_tree_uploads_shows_in_transfers_and_can_be_renamed_and_deleted() {
    let endpoint = moto_endpoint();
    let client = sdk_client(&endpoint, "XFERKEY", SECRET);
    let bucket = bucket_name("e2e-xfer");
    make_bucket(&client, &bucket, &["keep.txt".to_string()]).await;

    // What a user drops: a folder with a nested folder and a file large enough for parts.
    let local = tempfile::tempdir().expect("temp dir");
    let album = local.path().join("album");
    std::fs::create_dir_all(album.join("raw")).expect("mkdir");
    std::fs::write(album.join("cover.txt"), b"cover").expect("write");
    std::fs::write(album.join("raw/take1.txt"), b"take one").expect("write");
    let big: Vec<u8> = (0..20 * 1024 * 1024u32)
        .map(|i| (i.wrapping_mul(2_654_435_761) >> 24) as u8)
        .collect();
    std::fs::write(album.join("raw/master.bin"), &big).expect("write");

    let app = App::launch("transfers").await;
    app.wait_tid("welcome").await;
    app.add_connection(
        "welcome-add-connection",
        "other",
        "Transfer store",
        &endpoint,
        "XFERKEY",
        SECRET,
    )
    .await;
    let toggle = app
        .wait_for("[data-testid=\"connection-item\"][data-connection-name=\"Transfer store\"] [data-testid=\"connection-toggle\"]")
        .await;
    if app.attr(&toggle, "aria-expanded").await.as_deref() != Some("true") {
        app.step("expand the connection", toggle.click()).await;
    }
    app.click_css(&format!("[data-testid=\"bucket-item\"][data-bucket=\"{bucket}\"]"))
        .await;
    app.wait_rows(&[("file", "keep.txt")]).await;

    // The picker runs in the backend, which hands the window a grant for the chosen folder.
    app.answer_next_pick(&[album.as_path()]);
    // "Upload a folder…" is one of the rarer actions, under More.
    app.click_tid("action-more").await;
    app.screenshot("more-menu").await;
    app.audit_accessibility("more-menu").await;
    app.click_tid("action-upload-folder").await;

    // The folder shows up in the list once its files are uploaded (the list refreshes itself).
    app.wait_rows(&[("file", "keep.txt"), ("folder", "album")]).await;
    app.screenshot("uploaded-folder").await;

    // The Transfers view lists each file, done, with the totals on top.
    app.click_tid("sidebar-transfers").await;
    app.wait_tid("transfers-view").await;
    app.eventually("three finished uploads", || async {
        let rows = app
            .client
            .find_all(fantoccini::Locator::Css(
                "[data-testid=\"transfer-row\"][data-state=\"done\"]",
            ))
            .await
            .ok()?;
        (rows.len() == 3).then_some(())
    })
    .await;
    app.screenshot("transfers-view").await;
    app.audit_accessibility("transfers-view").await;
    assert_eq!(
        s3::keys(&client, &bucket, "").await,
        vec![
            "album/cover.txt",
            "album/raw/master.bin",
            "album/raw/take1.txt",
            "keep.txt"
        ]
    );
    let master = client
        .get_object()
        .bucket(&bucket)
        .key("album/raw/master.bin")
        .send()
        .await
        .expect("get");
    assert!(
        master.e_tag().unwrap_or_default().contains('-'),
        "uploaded in parts: {:?}",
        master.e_tag()
    );
    let got = master.body.collect().await.expect("body").into_bytes();
    assert!(got.as_ref() == big.as_slice(), "content identical");

    // Clear finished empties the list.
    app.click_tid("transfers-clear").await;
    app.wait_tid("transfers-empty").await;

    // Back to the bucket: rename the uploaded folder from its context menu, then delete a file.
    app.click_css(&format!("[data-testid=\"bucket-item\"][data-bucket=\"{bucket}\"]"))
        .await;
    app.wait_rows(&[("file", "keep.txt"), ("folder", "album")]).await;
    app.keys_on_row("album", SHIFT_F10).await;
    app.click_tid("ctx-rename").await;
    app.type_into("rename-input", &format!("photos{ENTER}")).await;
    app.wait_rows(&[("file", "keep.txt"), ("folder", "photos")]).await;
    assert_eq!(
        s3::keys(&client, &bucket, "").await,
        vec![
            "keep.txt",
            "photos/cover.txt",
            "photos/raw/master.bin",
            "photos/raw/take1.txt"
        ]
    );
    app.keys_on_row("keep.txt", DELETE).await;
    app.wait_tid("confirm-dialog").await;
    // The button is enabled once the dialog has counted what goes; a click before that is lost.
    app.wait_tid("delete-summary").await;
    app.click_tid("confirm-delete").await;
    app.wait_rows(&[("folder", "photos")]).await;
    app.screenshot("renamed-and-deleted").await;
    assert_eq!(
        s3::keys(&client, &bucket, "").await,
        vec!["photos/cover.txt", "photos/raw/master.bin", "photos/raw/take1.txt"]
    );
    app.close().await;
}

use std::time::{Duration, Instant};

use pail_e2e::*;

const SECRET: &str = "e2e-sync-secret-Distinctive-5521";

/// The state the first pair row shows now.
async fn row_state(app: &App) -> Option<String> {
    let row = app.wait_tid("pair-row").await;
    tokio::time::timeout(Duration::from_secs(30), row.attr("data-state"))
        .await
        .ok()?
        .ok()?
}

#[tokio::test]
async fn pair_a_folder_and_follow_it_through_sync_pause_and_a_conflict() {
    let endpoint = moto_endpoint();
    let client = sdk_client(&endpoint, "SYNCKEY", SECRET);
    let bucket = bucket_name("e2e-sync");
    make_bucket(&client, &bucket, &["archive/old.txt".to_owned()]).await;
    let home = tempfile::tempdir().expect("temp dir");
    // The folder does not exist yet: the first step of the flow offers to create it.
    let folder = home.path().canonicalize().expect("canonical home").join("Team Docs");

    let app = App::launch("sync-pairs").await;
    app.wait_tid("welcome").await;
    app.add_connection(
        "welcome-add-connection",
        "other",
        "Sync store",
        &endpoint,
        "SYNCKEY",
        SECRET,
    )
    .await;

    // Settings: check the bucket every 5 seconds, so the test sees remote changes soon.
    app.click_tid("nav-settings").await;
    app.type_into("setting-poll", "5").await;
    // Saved as typed, with no Save button: the title says so once the engine took it.
    app.wait_for("[data-testid=\"settings-saved\"][data-state=\"saved\"]")
        .await;
    assert!(!app.page_source().await.contains("save-settings"));
    app.screenshot("settings").await;

    // Start at login writes the desktop's autostart entry (Pail then starts hidden, in the tray)
    // and removes it again. Skipped where the user already has it, so a test never removes it.
    let autostart =
        std::path::PathBuf::from(std::env::var("HOME").unwrap_or_default()).join(".config/autostart/Pail.desktop");
    if !autostart.exists() {
        app.click_tid("setting-start-at-login").await;
        eventually("the autostart entry", || async { autostart.exists() }).await;
        let entry = std::fs::read_to_string(&autostart).unwrap_or_default();
        assert!(entry.contains("--hidden"), "{entry}");
        app.click_tid("setting-start-at-login").await;
        eventually("the autostart entry removed", || async { !autostart.exists() }).await;
    }

    // The add-pair flow: folder, then a new folder in the bucket, then the mode.
    app.click_tid("nav-sync").await;
    app.wait_tid("no-pairs").await;
    app.screenshot("no-pairs").await;
    app.click_tid("add-pair").await;
    // The folder picker is the system's (run by the backend): answer it as the user would.
    app.answer_next_pick(&[folder.as_path()]);
    app.click_tid("pair-choose-folder").await;
    app.eventually("the chosen folder shown", || async {
        let el = app.wait_tid("pair-folder").await;
        (app.attr(&el, "title").await.as_deref() == Some(&*folder.to_string_lossy())).then_some(())
    })
    .await;
    app.wait_tid("pair-folder-missing").await;
    app.screenshot("add-pair-folder-missing").await;
    app.click_tid("pair-create-folder").await;
    app.wait_tid("pair-folder-ready").await;
    assert!(folder.is_dir(), "the folder was not created");
    app.screenshot("add-pair-folder").await;
    app.click_tid("pair-next").await;
    // The test server holds other tests' buckets too: pick ours.
    let select = app.wait_tid("pair-bucket").await;
    app.step("choose the bucket", select.select_by_value(&bucket)).await;
    app.eventually("the bucket chosen", || async {
        let el = app.wait_tid("prefix-current").await;
        (app.attr(&el, "data-bucket").await.as_deref() == Some(bucket.as_str())).then_some(())
    })
    .await;
    app.wait_tid("prefix-picker").await;
    app.click_tid("prefix-new-folder").await;
    app.type_into("prefix-new-name", "shared").await;
    app.click_tid("prefix-create").await;
    app.eventually("the new bucket folder chosen", || async {
        let el = app.wait_tid("pair-target").await;
        (app.attr(&el, "data-prefix").await.as_deref() == Some("shared/")).then_some(())
    })
    .await;
    app.screenshot("add-pair-prefix").await;
    app.click_tid("pair-next").await;
    app.wait_tid("mode-TwoWay").await;
    // The bucket keeps no versions: the last step says what that means and offers to turn them on.
    app.wait_tid("pair-versioning-off").await;
    app.screenshot("add-pair-mode").await;
    app.click_tid("pair-keep-versions").await;
    app.click_tid("pair-add-confirm").await;
    app.wait_tid("pair-row").await;
    app.eventually("the new pair up to date", || async {
        (row_state(&app).await.as_deref() == Some("upToDate")).then_some(())
    })
    .await;
    app.screenshot("pair-up-to-date").await;
    // Versioning is on (the detail reads it back), with a rule in the bucket that expires old
    // versions after 30 days.
    let rules = client
        .get_bucket_lifecycle_configuration()
        .bucket(&bucket)
        .send()
        .await
        .expect("the bucket's lifecycle rules");
    assert!(
        rules.rules().iter().any(|r| r.id() == Some("pail-keep-old-versions")
            && r.noncurrent_version_expiration().and_then(|e| e.noncurrent_days()) == Some(30)),
        "{rules:?}"
    );
    app.wait_for("[data-testid=\"pair-versions\"][data-keeps=\"true\"][data-days=\"30\"]")
        .await;

    // One Pail per user (per data folder): a second launch hands over to this one and exits.
    let mut second = std::process::Command::new(app_binary());
    second
        .env("PAIL_DATA_DIR", app.data_dir.path())
        .env("PAIL_KEYRING_SERVICE", &app.keyring_service)
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null());
    let mut second = pail_testkit::spawn_tied_to_process(second).expect("launch a second Pail");
    let deadline = Instant::now() + Duration::from_secs(30);
    let exited = loop {
        if let Some(status) = second.try_wait().expect("wait for the second Pail") {
            break status;
        }
        if Instant::now() > deadline {
            let _ = second.kill();
            panic!("a second Pail kept running beside the first");
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    assert!(exited.success(), "the second Pail failed: {exited}");
    app.wait_tid("pair-row").await;

    // A file written into the folder reaches the bucket; the status goes syncing → up to date.
    let big = vec![7u8; 24 * 1024 * 1024];
    std::fs::write(folder.join("report.bin"), &big).expect("write a file");
    let mut seen: Vec<String> = Vec::new();
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        if let Some(s) = row_state(&app).await {
            if seen.last() != Some(&s) {
                if s == "syncing" {
                    app.screenshot("pair-syncing").await;
                }
                seen.push(s.clone());
            }
            // A pass may start (and end) before the file is complete: done means up to date
            // after syncing *and* the object in the bucket.
            if s == "upToDate"
                && seen.iter().any(|x| x == "syncing")
                && s3::get(&client, &bucket, "shared/report.bin").await.map(|b| b.len()) == Some(big.len())
            {
                break;
            }
        }
        assert!(
            Instant::now() < deadline,
            "no syncing → up to date; states seen {seen:?}"
        );
        tokio::time::sleep(Duration::from_millis(40)).await;
    }
    assert_eq!(
        s3::get(&client, &bucket, "shared/report.bin").await.map(|b| b.len()),
        Some(big.len())
    );
    app.screenshot("pair-synced").await;

    // An object written into the bucket by another client (not Pail: no change marker moves)
    // appears in the folder at once on "Check now" (else at the next full listing).
    s3::put(&client, &bucket, "shared/from-colleague.txt", b"hello from elsewhere").await;
    app.click_tid("pair-check-now").await;
    eventually("the colleague's file in the folder", || async {
        std::fs::read(folder.join("from-colleague.txt")).ok().as_deref() == Some(&b"hello from elsewhere"[..])
    })
    .await;
    app.click_tid("tab-activity").await;
    app.wait_tid("activity-item").await;
    // The lines are worded by the engine: the colleague's file "Downloaded".
    let line = app
        .wait_for("[data-testid=\"activity-item\"][data-action=\"download\"] .activity-what")
        .await;
    assert_eq!(app.text(&line).await, "Downloaded");
    app.screenshot("activity").await;
    app.audit_accessibility("activity").await;

    // Undo a sync: the colleague's file is rewritten by mistake and comes down; "Undo this
    // sync…" on that pass puts the earlier version back in the bucket, and the folder follows.
    s3::put(&client, &bucket, "shared/from-colleague.txt", b"overwritten by mistake").await;
    app.click_tid("pair-check-now").await;
    eventually("the mistaken rewrite in the folder", || async {
        std::fs::read(folder.join("from-colleague.txt")).ok().as_deref() == Some(&b"overwritten by mistake"[..])
    })
    .await;
    // Only that pass replaced something: the passes before it only added files.
    app.wait_tid("activity-undo").await;
    app.click_tid("activity-undo").await;
    let dialog = app.wait_tid("undo-pass-dialog").await;
    assert!(app.text(&dialog).await.contains("from-colleague.txt"));
    app.screenshot("undo-sync-confirm").await;
    app.audit_accessibility("undo-sync-confirm").await;
    app.click_tid("undo-pass-confirm").await;
    let put_back = app.wait_tid("undo-put-back-item").await;
    assert!(app.text(&put_back).await.contains("from-colleague.txt"));
    app.screenshot("undo-sync-report").await;
    app.click_tid("undo-pass-close").await;
    app.wait_tid("activity-undone").await;
    eventually("the earlier version back on both sides", || async {
        std::fs::read(folder.join("from-colleague.txt")).ok().as_deref() == Some(&b"hello from elsewhere"[..])
            && s3::get(&client, &bucket, "shared/from-colleague.txt").await.as_deref()
                == Some(&b"hello from elsewhere"[..])
    })
    .await;
    app.screenshot("activity-undone").await;

    // What syncing cost: the requests this pair sent, in Settings and in the pair's detail (a
    // custom endpoint: no known prices). Opening either reads the request log at once.
    app.click_tid("nav-settings").await;
    let total = app.wait_tid("request-costs-total").await;
    let text = app.text(&total).await;
    assert!(
        text.contains("requests (") && text.contains("in the last 24 hours"),
        "{text}"
    );
    let row = app.text(&app.wait_tid("request-costs-pair").await).await;
    assert!(
        row.contains("Team Docs") && row.contains("price unknown for this store"),
        "{row}"
    );
    app.screenshot("settings-request-costs").await;
    app.audit_accessibility("settings-request-costs").await;
    app.click_tid("nav-sync").await;
    let line = app.text(&app.wait_tid("pair-cost").await).await;
    assert!(line.starts_with("Store requests: ") && line.contains("list"), "{line}");

    // Pause stops transfers; resume continues.
    app.click_tid("pair-pause").await;
    app.eventually("the pair paused", || async {
        (row_state(&app).await.as_deref() == Some("paused")).then_some(())
    })
    .await;
    std::fs::write(folder.join("while-paused.txt"), b"later").expect("write");
    tokio::time::sleep(Duration::from_secs(3)).await;
    assert_eq!(
        s3::get(&client, &bucket, "shared/while-paused.txt").await,
        None,
        "a paused pair uploaded"
    );
    app.screenshot("pair-paused").await;

    // An edit on both sides while paused: a conflict once resumed.
    std::fs::write(folder.join("from-colleague.txt"), b"my edit here").expect("edit");
    s3::put(
        &client,
        &bucket,
        "shared/from-colleague.txt",
        b"their edit in the bucket",
    )
    .await;
    app.click_tid("pair-pause").await;
    let deadline = Instant::now() + Duration::from_secs(30);
    while s3::get(&client, &bucket, "shared/while-paused.txt").await.is_none() {
        assert!(
            Instant::now() < deadline,
            "the file written while paused never arrived after resume"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    let conflicts = app.eventually("the conflict in the tab", || async {
        let tab = app.wait_tid("tab-conflicts").await;
        app.text(&tab).await.contains("(1)").then_some(tab)
    });
    let tab = conflicts.await;
    app.step("open the conflicts tab", tab.click()).await;
    let item = app.wait_tid("conflict-item").await;
    let copy = app.attr(&item, "data-copy").await.expect("the copy's path");
    assert!(copy.contains("conflict") && copy.ends_with(".txt"), "{copy}");
    app.screenshot("conflict").await;
    app.audit_accessibility("conflict").await;
    app.click_tid("keep-both").await;
    app.wait_tid("no-conflicts").await;
    app.screenshot("conflict-kept-both").await;
    assert_eq!(
        std::fs::read(folder.join(&copy)).expect("my version kept"),
        b"my edit here"
    );
    assert_eq!(
        std::fs::read(folder.join("from-colleague.txt")).expect("their version kept"),
        b"their edit in the bucket"
    );
    let copy_key = format!("shared/{copy}");
    let deadline = Instant::now() + Duration::from_secs(30);
    while s3::get(&client, &bucket, &copy_key).await.is_none() {
        assert!(Instant::now() < deadline, "the conflict copy never reached the bucket");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    // Nothing outside the prefix was touched.
    assert_eq!(
        s3::get(&client, &bucket, "archive/old.txt").await.as_deref(),
        Some(&b"archive/old.txt"[..])
    );
    app.close().await;
}

use pail_e2e::*;

/// A state database that is not a database (a crash mid-copy, a disk fault, a sync tool that
/// synced Pail's own data folder): Pail asks instead of exiting in silence, and "start fresh"
/// keeps the damaged file beside a new, empty one.
#[tokio::test]
async fn a_damaged_state_database_is_moved_aside_and_the_app_starts_fresh() {
    let garbage = b"this is not a SQLite database, just what was left of one".repeat(200);
    let app = App::launch_prepared("damaged-state", |dir| {
        std::fs::write(dir.join("state.sqlite3"), &garbage).expect("write a damaged database");
        // The native question's first button: "Move it aside and start fresh".
        queue_scripted_answer(dir, &serde_json::json!(true));
    })
    .await;
    app.wait_tid("welcome").await;
    app.screenshot("started-fresh").await;
    let kept: Vec<std::path::PathBuf> = std::fs::read_dir(app.data_dir.path())
        .expect("read the data folder")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.to_string_lossy().contains("state.sqlite3.damaged-"))
        .collect();
    assert_eq!(kept.len(), 1, "{kept:?}");
    assert_eq!(std::fs::read(&kept[0]).expect("read the kept file"), garbage);
    // The app works on its new database: the demo store can be started from the welcome screen.
    let presets = app.invoke_raw("list_presets", serde_json::json!({})).await;
    assert!(presets.is_ok(), "{presets:?}");
    let connections = app.invoke_raw("list_connections", serde_json::json!({})).await;
    assert_eq!(connections, Ok(serde_json::json!([])));
    app.close().await;
}

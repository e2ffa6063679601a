use pail_e2e::*;
use serde_json::json;

/// Script running in the window (say, injected through a rendered file name) can reach only the
/// commands the capability grants, and those check their input: crafted calls are refused.
#[tokio::test]
async fn crafted_ipc_calls_are_refused() {
    let app = App::launch("ipc-security").await;
    app.wait_tid("welcome").await;

    // A granted command works from the page.
    let presets = app.invoke_raw("list_presets", json!({})).await;
    assert!(presets.is_ok_and(|v| v.as_array().is_some_and(|a| !a.is_empty())));

    // Tauri core commands the window has no use for are not granted.
    let retitle = app
        .invoke_raw("plugin:window|set_title", json!({ "label": "main", "value": "pwned" }))
        .await;
    assert!(
        retitle.as_ref().is_err_and(|e| e.contains("not allowed")),
        "{retitle:?}"
    );
    let exit = app.invoke_raw("plugin:process|exit", json!({ "code": 0 })).await;
    assert!(exit.is_err(), "{exit:?}");
    // Commands that do not exist are refused, not guessed at.
    let read = app
        .invoke_raw("plugin:fs|read_text_file", json!({ "path": "/etc/passwd" }))
        .await;
    assert!(read.is_err(), "{read:?}");

    // Granted commands validate what they are given.
    let bad_bucket = app
        .invoke_raw(
            "object_properties",
            json!({ "connectionId": "nope", "bucket": "../../etc", "key": "passwd" }),
        )
        .await;
    assert!(
        bad_bucket
            .as_ref()
            .is_err_and(|e| e.contains("not a valid bucket name")),
        "{bad_bucket:?}"
    );
    let bad_delete = app
        .invoke_raw(
            "delete_items",
            json!({ "connectionId": "nope", "bucket": "../../etc", "keys": ["passwd"] }),
        )
        .await;
    assert!(
        bad_delete
            .as_ref()
            .is_err_and(|e| e.contains("not a valid bucket name")),
        "{bad_delete:?}"
    );
    let empty_key = app
        .invoke_raw(
            "delete_items",
            json!({ "connectionId": "nope", "bucket": "some-bucket", "keys": [""] }),
        )
        .await;
    assert!(empty_key.is_err(), "{empty_key:?}");
    let bad_shape = app
        .invoke_raw("rename_connection", json!({ "id": 42, "name": ["not", "a", "string"] }))
        .await;
    assert!(bad_shape.is_err(), "{bad_shape:?}");

    // Local paths: the window holds grants for what the user chose, never paths of its own.
    let dialog = app
        .invoke_raw("plugin:dialog|open", json!({ "options": { "directory": true } }))
        .await;
    assert!(dialog.as_ref().is_err_and(|e| e.contains("not allowed")), "{dialog:?}");
    let ssh = "/root/.ssh";
    for (command, args) in [
        (
            "check_upload",
            json!({ "connectionId": "c", "bucket": "some-bucket", "prefix": "", "grant": ssh }),
        ),
        (
            "upload_paths",
            json!({ "connectionId": "c", "bucket": "some-bucket", "prefix": "", "grant": ssh, "policy": "replace", "perKey": {} }),
        ),
        (
            "download_items",
            json!({ "connectionId": "c", "bucket": "some-bucket", "keys": ["x"], "grant": "/root/.config/autostart" }),
        ),
        (
            "add_pair",
            json!({ "request": { "connectionId": "c", "bucket": "some-bucket", "prefix": "", "folder": "/root", "mode": "TwoWay" } }),
        ),
        (
            "check_pair",
            json!({ "request": { "connectionId": "c", "bucket": "some-bucket", "prefix": "", "folder": "/root", "mode": "TwoWay" } }),
        ),
    ] {
        let r = app.invoke_raw(command, args).await;
        assert!(
            r.as_ref()
                .is_err_and(|e| e.contains("no longer knows which files you chose")),
            "{command}: {r:?}"
        );
    }
    // The old shapes (a list of paths, a folder path) are no longer understood at all.
    let old = app
        .invoke_raw(
            "upload_paths",
            json!({ "connectionId": "c", "bucket": "some-bucket", "prefix": "", "paths": [ssh], "policy": "replace", "perKey": {} }),
        )
        .await;
    assert!(old.is_err(), "{old:?}");
    let old_download = app
        .invoke_raw(
            "download_items",
            json!({ "connectionId": "c", "bucket": "some-bucket", "keys": ["x"], "dest": "/root/.config/autostart" }),
        )
        .await;
    assert!(old_download.is_err(), "{old_download:?}");

    // A real grant works only for what it was chosen for: files picked for an upload are not a
    // download folder, and a folder picked for downloads is not a folder to sync.
    let picked = tempfile::tempdir().expect("temp dir");
    app.answer_next_pick(&[picked.path()]);
    let upload = app
        .invoke_raw("pick_upload", json!({ "folders": true }))
        .await
        .expect("a scripted pick");
    assert_eq!(upload["purpose"], "Upload", "{upload}");
    assert_eq!(upload["paths"], json!([picked.path().to_string_lossy()]), "{upload}");
    let misuse = app
        .invoke_raw(
            "download_items",
            json!({ "connectionId": "c", "bucket": "some-bucket", "keys": ["x"], "grant": upload["id"] }),
        )
        .await;
    assert!(
        misuse.as_ref().is_err_and(|e| e.contains("chosen for something else")),
        "{misuse:?}"
    );
    app.answer_next_pick(&[picked.path()]);
    let download = app
        .invoke_raw("pick_download_folder", json!({}))
        .await
        .expect("a scripted pick");
    let as_pair = app
        .invoke_raw(
            "check_pair",
            json!({ "request": { "connectionId": "c", "bucket": "some-bucket", "prefix": "", "folder": download["id"], "mode": "TwoWay" } }),
        )
        .await;
    assert!(
        as_pair.as_ref().is_err_and(|e| e.contains("chosen for something else")),
        "{as_pair:?}"
    );
    // A cancelled picker grants nothing.
    app.answer_next_pick(&[]);
    let cancelled = app.invoke_raw("pick_upload", json!({ "folders": false })).await;
    assert_eq!(cancelled, Ok(serde_json::Value::Null));
    app.screenshot("after-crafted-calls").await;
    app.close().await;
}

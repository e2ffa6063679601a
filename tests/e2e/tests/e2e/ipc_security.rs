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
    app.screenshot("after-crafted-calls").await;
    app.close().await;
}

//! The secret access key lives in the OS keyring and nowhere else.

use crate::support::*;

const SECRET: &str = "Zk9-very-secret-value-4242-ShouldNeverLeak";

#[tokio::test]
async fn secret_round_trips_through_the_os_keyring_and_no_file_or_log_holds_it() {
    let t = TestEngine::new().await;
    let endpoint = moto_endpoint();
    let conn = t
        .engine
        .create_connection(&draft(&endpoint, "AKIATESTKEY", SECRET))
        .await
        .unwrap();

    // The real keyring holds it, as libsecret's own tool sees it.
    assert_eq!(secret_tool_lookup(&t.service, &conn.id).as_deref(), Some(SECRET));
    // And the connection works with it.
    let buckets = t.engine.list_buckets(&conn.id).await.unwrap();
    assert!(buckets.can_list_buckets);

    // Editing without a secret keeps the stored one; with one, replaces it.
    let mut edit = draft(&endpoint, "AKIATESTKEY", "");
    edit.secret_access_key = None;
    edit.name = "Renamed".into();
    t.engine.update_connection(&conn.id, &edit).await.unwrap();
    assert_eq!(secret_tool_lookup(&t.service, &conn.id).as_deref(), Some(SECRET));
    let newer = format!("{SECRET}-rotated");
    t.engine
        .update_connection(&conn.id, &draft(&endpoint, "AKIATESTKEY", &newer))
        .await
        .unwrap();
    assert_eq!(secret_tool_lookup(&t.service, &conn.id), Some(newer.clone()));

    // Nothing Pail wrote to disk (DB, WAL while open, anything in its data folder) or logged contains it.
    let needles = [SECRET, newer.as_str()];
    assert_no_file_contains(&t, &needles);
    t.engine.db().close().await;
    assert_no_file_contains(&t, &needles);
    let log = captured_log();
    assert!(!log.is_empty(), "the engine should have logged something");
    assert!(!log.contains(SECRET), "secret found in logs");
}

#[tokio::test]
async fn removing_a_connection_deletes_its_keyring_entry() {
    let t = TestEngine::new().await;
    let conn = t
        .engine
        .create_connection(&draft(&moto_endpoint(), "AKIA2", SECRET))
        .await
        .unwrap();
    assert!(secret_tool_lookup(&t.service, &conn.id).is_some());
    t.engine.delete_connection(&conn.id).await.unwrap();
    assert_eq!(secret_tool_lookup(&t.service, &conn.id), None);
    assert!(t.engine.list_connections().await.unwrap().is_empty());
    let err = t.engine.delete_connection(&conn.id).await.unwrap_err();
    assert_eq!(err.code(), pail_engine::ErrorCode::NotFound);
}

#[tokio::test]
async fn a_connection_without_a_secret_is_refused_with_a_plain_message() {
    let t = TestEngine::new().await;
    let mut d = draft(&moto_endpoint(), "AKIA3", "");
    d.secret_access_key = None;
    let err = t.engine.create_connection(&d).await.unwrap_err();
    assert_eq!(err.user_message(), "Enter the secret access key.");
    assert!(
        t.engine.list_connections().await.unwrap().is_empty(),
        "nothing half-saved"
    );
}

#[tokio::test]
async fn a_secret_deleted_from_the_keyring_behind_our_back_is_explained() {
    let t = TestEngine::new().await;
    let conn = t
        .engine
        .create_connection(&draft(&moto_endpoint(), "AKIA4", SECRET))
        .await
        .unwrap();
    let status = std::process::Command::new("secret-tool")
        .args(["clear", "service", &t.service, "username", &conn.id])
        .status()
        .unwrap();
    assert!(status.success());
    let err = t.engine.list_buckets(&conn.id).await.unwrap_err();
    assert_eq!(err.code(), pail_engine::ErrorCode::KeyringUnavailable);
    assert!(
        err.user_message().contains("missing from your system keyring"),
        "{}",
        err.user_message()
    );
}

fn assert_no_file_contains(t: &TestEngine, needles: &[&str]) {
    let files = t.files();
    assert!(files.iter().any(|f| f.file_name().unwrap() == "state.sqlite3"));
    for f in files {
        // SQLite removes its -wal/-shm files when the last connection closes; a vanished file holds nothing.
        let Ok(bytes) = std::fs::read(&f) else { continue };
        for s in needles {
            assert!(!contains(&bytes, s.as_bytes()), "secret found in {}", f.display());
        }
    }
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle)
}

#[tokio::test]
async fn a_secret_already_gone_from_the_keyring_does_not_block_removing_the_connection() {
    let t = TestEngine::new().await;
    let conn = t
        .engine
        .create_connection(&draft(&moto_endpoint(), "AKIA5", SECRET))
        .await
        .unwrap();
    secret_tool(&["clear", "service", &t.service, "username", &conn.id], None);
    t.engine.delete_connection(&conn.id).await.unwrap();
    assert!(t.engine.list_connections().await.unwrap().is_empty());
}

#[tokio::test]
async fn a_keyring_that_fails_to_delete_the_secret_keeps_the_connection_for_a_retry() {
    let t = TestEngine::new().await;
    let conn = t
        .engine
        .create_connection(&draft(&moto_endpoint(), "AKIA6", SECRET))
        .await
        .unwrap();
    // A second item matching the same service, account and collection (another tool wrote one):
    // the keyring cannot tell which to delete and refuses, a real failure without any mock.
    secret_tool(
        &[
            "store",
            "--label=twin",
            "service",
            &t.service,
            "username",
            &conn.id,
            "target",
            "default",
            "twin",
            "yes",
        ],
        Some("another secret"),
    );

    let err = t.engine.delete_connection(&conn.id).await.unwrap_err();
    assert!(matches!(err, pail_engine::Error::ConnectionKept { .. }), "{err:?}");
    assert_eq!(err.code(), pail_engine::ErrorCode::KeyringUnavailable);
    assert!(err.user_message().contains("was not removed"), "{}", err.user_message());
    assert_eq!(
        t.engine.connection(&conn.id).await.unwrap().id,
        conn.id,
        "the connection stays, so removing it can be retried"
    );

    // Once the keyring answers again, removing it again works and leaves nothing behind.
    secret_tool(&["clear", "service", &t.service, "twin", "yes"], None);
    t.engine.delete_connection(&conn.id).await.unwrap();
    assert_eq!(secret_tool_lookup(&t.service, &conn.id), None);
    assert!(t.engine.list_connections().await.unwrap().is_empty());
}

/// Runs libsecret's own tool (bypassing our code), with `input` on stdin, and requires success.
fn secret_tool(args: &[&str], input: Option<&str>) {
    use std::io::Write;
    let mut child = std::process::Command::new("secret-tool")
        .args(args)
        .stdin(std::process::Stdio::piped())
        .spawn()
        .expect("secret-tool (libsecret-tools) must be installed");
    let mut stdin = child.stdin.take().unwrap();
    if let Some(text) = input {
        stdin.write_all(text.as_bytes()).unwrap();
    }
    drop(stdin);
    assert!(child.wait().unwrap().success(), "secret-tool {args:?}");
}

//! The built-in demo store: a newcomer with no account gets a working connection and sample data.

use std::ops::ControlFlow;

use pail_engine::providers::Provider;
use pail_engine::remote::EntryKind;
use pail_engine::{Engine, EngineConfig};

use crate::support::*;

#[tokio::test]
async fn the_demo_store_starts_with_a_sample_bucket_and_resumes_after_restart() {
    let t = TestEngine::new().await;
    let (id, running) = t.engine.demo_status().await.unwrap();
    assert!(id.is_none() && !running);

    let conn = t.engine.start_demo().await.unwrap();
    assert_eq!(conn.provider, Provider::Demo);
    assert!(conn.endpoint.as_deref().unwrap().starts_with("http://127.0.0.1:"));
    assert!(
        secret_tool_lookup(&t.service, &conn.id).is_some(),
        "even the demo key lives in the keyring"
    );
    let buckets = t.engine.list_buckets(&conn.id).await.unwrap();
    assert_eq!(
        buckets.buckets.iter().map(|b| b.name.as_str()).collect::<Vec<_>>(),
        vec!["pail-demo"]
    );
    let mut rows = Vec::new();
    t.engine
        .list_folder(&conn.id, "pail-demo", "", |p| {
            rows.extend(p);
            ControlFlow::Continue(())
        })
        .await
        .unwrap();
    assert!(
        rows.iter().any(|e| e.kind == EntryKind::Folder),
        "sample folders: {rows:?}"
    );
    assert!(rows.iter().any(|e| e.kind == EntryKind::File), "sample files: {rows:?}");

    // Starting again is harmless and keeps one demo connection.
    let again = t.engine.start_demo().await.unwrap();
    assert_eq!(again.id, conn.id);
    assert_eq!(t.engine.list_connections().await.unwrap().len(), 1);

    // After an app restart the demo comes back on its own, with its data.
    t.engine.shutdown().await;
    let engine = Engine::open(EngineConfig {
        data_dir: t.data_dir.path().to_path_buf(),
        keyring_service: t.service.clone(),
        aws_files: Default::default(),
    })
    .await
    .unwrap();
    let resumed = engine.resume_demo_if_configured().await.unwrap().expect("demo resumes");
    assert_eq!(resumed.id, conn.id);
    let buckets = engine.list_buckets(&resumed.id).await.unwrap();
    assert_eq!(buckets.buckets.len(), 1);

    // Removing the demo connection stops it and forgets it.
    engine.delete_connection(&resumed.id).await.unwrap();
    assert_eq!(engine.demo_status().await.unwrap(), (None, false));
}

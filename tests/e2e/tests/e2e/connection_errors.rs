use pail_devstore::{DevStore, DevStoreConfig};
use pail_e2e::*;

#[tokio::test]
async fn a_wrong_secret_is_explained_in_the_form_with_details() {
    let dir = tempfile::tempdir().expect("temp dir");
    let store = DevStore::start(DevStoreConfig::new(
        dir.path().to_path_buf(),
        "E2EKEY",
        "the-right-secret",
    ))
    .await
    .expect("devstore");

    let app = App::launch("connection-error").await;
    app.click_tid("welcome-add-connection").await;
    app.wait_tid("conn-provider")
        .await
        .select_by_value("minio")
        .await
        .expect("choose MinIO");
    app.type_into("conn-name", "Typo").await;
    app.type_into("conn-endpoint", &store.endpoint()).await;
    app.type_into("conn-access-key", "E2EKEY").await;
    app.type_into("conn-secret-key", "the-wrong-secret").await;
    app.click_tid("conn-test").await;
    let result = app
        .eventually("a failed connection test", || async {
            let el = app.wait_tid("conn-test-result").await;
            (app.attr(&el, "data-status").await.as_deref() == Some("error")).then_some(el)
        })
        .await;
    let text = app.text(&result).await;
    assert!(
        text.contains("secret access key does not match"),
        "message shown: {text}"
    );
    assert!(
        !text.contains("SignatureDoesNotMatch"),
        "technical detail hidden until asked: {text}"
    );
    app.click_tid("conn-test-detail-toggle").await;
    app.eventually("the technical detail", || async {
        Some(app.text(&result).await).filter(|t| t.contains("SignatureDoesNotMatch"))
    })
    .await;
    app.screenshot("wrong-secret").await;
    app.audit_accessibility("wrong-secret").await;
    app.close().await;
}

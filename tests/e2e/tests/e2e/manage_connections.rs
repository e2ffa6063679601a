use pail_e2e::*;

const SECRET: &str = "manage-secret-Distinctive-5512";

/// How many secrets the app has under its keyring service, read with libsecret's own tool.
fn keyring_items(service: &str) -> usize {
    let out = std::process::Command::new("secret-tool")
        .args(["search", "--all", "service", service])
        .output()
        .expect("secret-tool (libsecret-tools) must be installed");
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .chain(String::from_utf8_lossy(&out.stderr).lines())
        .filter(|l| l.starts_with("[/"))
        .count()
}

#[tokio::test]
async fn rename_and_remove_a_connection_from_the_sidebar() {
    let endpoint = moto_endpoint();
    let app = App::launch("manage").await;
    app.wait_tid("welcome").await;
    app.add_connection(
        "welcome-add-connection",
        "minio",
        "Office NAS",
        &endpoint,
        "MANAGEKEY",
        SECRET,
    )
    .await;
    assert_eq!(keyring_items(&app.keyring_service), 1, "the secret went to the keyring");

    // Rename inline from the ⋯ menu.
    app.click_css("[data-testid=\"connection-item\"][data-connection-name=\"Office NAS\"] [data-testid=\"connection-menu-button\"]").await;
    app.click_tid("connection-rename").await;
    app.type_into("connection-rename-input", "Home NAS\u{E007}").await;
    app.wait_for("[data-testid=\"connection-item\"][data-connection-name=\"Home NAS\"]")
        .await;
    app.screenshot("renamed").await;

    // Remove, after a confirmation; the keyring entry goes with it and the welcome screen returns.
    app.click_css(
        "[data-testid=\"connection-item\"][data-connection-name=\"Home NAS\"] [data-testid=\"connection-menu-button\"]",
    )
    .await;
    app.click_tid("connection-remove").await;
    let dialog = app.wait_tid("confirm-dialog").await;
    let text = app.text(&dialog).await;
    assert!(
        text.to_lowercase().contains("keyring"),
        "the confirmation says the secret is deleted: {text}"
    );
    app.screenshot("confirm-remove").await;
    app.audit_accessibility("confirm-remove").await;
    app.click_tid("confirm-remove").await;
    app.wait_tid("welcome").await;
    assert_eq!(keyring_items(&app.keyring_service), 0, "the secret left the keyring");
    app.close().await;
}

//! The package a user installs with `scripts/install` (README, "Install Pail"): the installed
//! binary starts and shows its window, the menu entry and icon are in place, and "Start at login"
//! points at the installed binary. Run by `.ci/run` after installing the `.deb`, with
//! `PAIL_E2E_APP=/usr/bin/pail-app`; ignored otherwise, as it needs the package installed.

use pail_e2e::*;

#[tokio::test]
#[ignore = "needs the .deb installed; .ci/run runs it after scripts/install"]
async fn the_installed_app_starts_with_its_menu_entry_icon_and_start_at_login() {
    let installed = app_binary();
    assert!(
        installed.starts_with("/usr/bin"),
        "set {APP_ENV}=/usr/bin/pail-app to test the installed package (got {})",
        installed.display()
    );
    let entry = std::fs::read_to_string("/usr/share/applications/Pail.desktop").expect("the menu entry");
    assert!(entry.contains("Exec=pail-app"), "{entry}");
    let icon = entry
        .lines()
        .find_map(|l| l.strip_prefix("Icon="))
        .expect("the menu entry names an icon");
    let icons = std::process::Command::new("find")
        .args(["/usr/share/icons/hicolor", "-name", &format!("{icon}.png")])
        .output()
        .expect("find the icon");
    assert!(!icons.stdout.is_empty(), "no {icon}.png under /usr/share/icons/hicolor");

    // A home of its own, so the autostart entry lands where the test can read and drop it.
    let home = tempfile::tempdir().expect("temp home");
    let home_str = home.path().to_string_lossy().into_owned();
    let config = format!("{home_str}/.config");
    let app = App::launch_on(
        "installed",
        &[("HOME", &home_str), ("XDG_CONFIG_HOME", &config)],
        |_| {},
    )
    .await;
    app.wait_tid("welcome").await;
    app.screenshot("installed-welcome").await;
    // The demo store works from the package too (it is built into the app); then Settings.
    app.click_tid("welcome-demo").await;
    app.eventually("the sample bucket", || async {
        app.rows().await.iter().any(|(k, _)| k == "file").then_some(())
    })
    .await;
    app.screenshot("installed-demo").await;
    app.click_tid("nav-settings").await;
    app.click_tid("setting-start-at-login").await;
    let autostart = home.path().join(".config/autostart/Pail.desktop");
    eventually("the autostart entry", || async { autostart.exists() }).await;
    let entry = std::fs::read_to_string(&autostart).expect("read the autostart entry");
    assert!(
        entry.contains(&*installed.to_string_lossy()),
        "start at login does not run {}: {entry}",
        installed.display()
    );
    app.close().await;
}

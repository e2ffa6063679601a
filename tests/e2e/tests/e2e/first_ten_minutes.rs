//! A newcomer's first ten minutes, walked the way a person would, with an accessibility audit
//! (axe-core) and a keyboard tour on every screen: first start → demo store → upload with the
//! button → quick look with Space → pair a folder that does not exist yet (created on the first
//! step) → stop syncing (files kept on both sides) → Settings. Once in the light appearance on the
//! suite's screen, once in the dark one on a 1024×700 screen.

use std::path::Path;

use pail_e2e::*;

/// WebDriver's code for the space bar.
const SPACE: &str = " ";
/// WebDriver's code for Escape.
const ESCAPE: &str = "\u{E00C}";

/// Audits the screen as it is now: a screenshot, axe, and a Tab tour with visible focus.
async fn check_screen(app: &App, label: &str) {
    app.screenshot(label).await;
    app.audit_accessibility(label).await;
    app.keyboard_tour(label).await;
}

async fn walk(app: &App, home: &Path) {
    app.wait_tid("welcome").await;
    check_screen(app, "welcome").await;

    // The demo store opens its sample bucket at once.
    app.click_tid("welcome-demo").await;
    app.eventually("the sample bucket", || async {
        app.rows().await.iter().any(|(k, _)| k == "file").then_some(())
    })
    .await;
    check_screen(app, "demo-bucket").await;

    // Upload with the toolbar button; the file shows up selected, with a message saying so.
    let file = home.join("hello from the walk.txt");
    std::fs::write(&file, b"written during the first ten minutes\n").expect("write a file");
    app.answer_next_pick(&[file.as_path()]);
    app.click_tid("action-upload-files").await;
    app.wait_for("[data-testid=\"row\"][data-name=\"hello from the walk.txt\"]")
        .await;
    app.wait_tid("toast").await;
    check_screen(app, "uploaded").await;

    // Space opens quick look on the file, as in Finder and Files; Escape closes it.
    app.keys_on_row("hello from the walk.txt", SPACE).await;
    app.wait_tid("preview-text").await;
    check_screen(app, "quick-look").await;
    let active = app.step("find the focused element", app.client.active_element()).await;
    app.step("close quick look", active.send_keys(ESCAPE)).await;
    app.eventually("quick look closed", || async {
        (!app.page_source().await.contains("data-testid=\"preview-dialog\"")).then_some(())
    })
    .await;

    // Pair a folder that does not exist yet: the first step offers to create it.
    app.click_tid("nav-sync").await;
    app.wait_tid("no-pairs").await;
    check_screen(app, "sync-empty").await;
    let folder = home.join("Walk Folder");
    app.click_tid("add-pair").await;
    app.answer_next_pick(&[folder.as_path()]);
    app.click_tid("pair-choose-folder").await;
    app.wait_tid("pair-folder-missing").await;
    check_screen(app, "wizard-folder-missing").await;
    app.click_tid("pair-create-folder").await;
    app.wait_tid("pair-folder-ready").await;
    assert!(folder.is_dir(), "the folder was not created");
    app.click_tid("pair-next").await;
    app.wait_tid("prefix-picker").await;
    // A new bucket folder's name, typed and then Next at once: the name is not lost.
    app.click_tid("prefix-new-folder").await;
    app.type_into("prefix-new-name", "from-the-walk").await;
    app.eventually("the typed bucket folder chosen", || async {
        let el = app.wait_tid("pair-target").await;
        (app.attr(&el, "data-prefix").await.as_deref() == Some("from-the-walk/")).then_some(())
    })
    .await;
    check_screen(app, "wizard-bucket-folder").await;
    app.click_tid("pair-next").await;
    app.wait_tid("mode-TwoWay").await;
    check_screen(app, "wizard-mode").await;
    app.click_tid("pair-add-confirm").await;
    app.wait_tid("pair-row").await;
    std::fs::write(folder.join("notes.txt"), b"synced by the walk\n").expect("write a synced file");
    app.click_tid("pair-check-now").await;
    app.eventually("the file synced", || async {
        let row = app.wait_tid("pair-row").await;
        (app.attr(&row, "data-state").await.as_deref() == Some("upToDate")
            && app.page_source().await.contains("notes.txt"))
        .then_some(())
    })
    .await;
    check_screen(app, "pair-up-to-date").await;

    // Stop syncing: a neutral button, a confirmation that says the files stay, and they do.
    app.click_tid("pair-remove").await;
    app.wait_tid("confirm-remove-pair").await;
    assert!(app.page_source().await.contains("No file is deleted"));
    check_screen(app, "stop-syncing").await;
    app.click_tid("confirm-remove-pair").await;
    app.wait_tid("no-pairs").await;
    assert!(folder.join("notes.txt").is_file(), "the local file went with the pair");
    app.click_css("[data-testid=\"bucket-item\"][data-bucket=\"pail-demo\"]")
        .await;
    app.open_row("from-the-walk").await;
    app.wait_for("[data-testid=\"row\"][data-name=\"notes.txt\"]").await;

    app.click_tid("nav-settings").await;
    app.wait_for("[data-testid=\"settings-saved\"]").await;
    check_screen(app, "settings").await;
}

#[tokio::test]
async fn a_newcomers_first_ten_minutes_in_the_light_appearance() {
    let tmp = tempfile::tempdir().expect("temp dir");
    let home = tmp.path().canonicalize().expect("canonical temp dir");
    let app = App::launch("first-minutes-light").await;
    walk(&app, &home).await;
    app.close().await;
}

#[tokio::test]
async fn a_newcomers_first_ten_minutes_dark_on_a_small_screen() {
    let screen = SmallScreen::start(1024, 700);
    let tmp = tempfile::tempdir().expect("temp dir");
    let home = tmp.path().canonicalize().expect("canonical temp dir");
    let app = App::launch_on(
        "first-minutes-dark-small",
        &[("DISPLAY", &screen.name), ("GTK_THEME", "Adwaita:dark")],
        |_| {},
    )
    .await;
    let dark: serde_json::Value = app
        .step(
            "ask for the appearance",
            app.client.execute(
                "return window.matchMedia('(prefers-color-scheme: dark)').matches",
                vec![],
            ),
        )
        .await;
    assert_eq!(
        dark,
        serde_json::Value::Bool(true),
        "the window is not in the dark appearance"
    );
    walk(&app, &home).await;
    app.close().await;
}

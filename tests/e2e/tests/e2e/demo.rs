use pail_e2e::*;

/// WebDriver's code for the right arrow key.
const ARROW_RIGHT: &str = "\u{E014}";

#[tokio::test]
async fn first_run_opens_the_demo_stores_sample_bucket_with_a_tip() {
    let app = App::launch("demo").await;
    app.wait_tid("welcome").await;
    app.click_tid("welcome-demo").await;
    // No "choose a bucket" pane: the sample bucket opens by itself, with a tip on what to do.
    app.eventually("sample rows", || async {
        let rows = app.rows().await;
        (rows.iter().any(|(k, _)| k == "folder") && rows.iter().any(|(k, _)| k == "file")).then_some(())
    })
    .await;
    // The sidebar marks the sample bucket as the one open.
    app.wait_for("[data-testid=\"bucket-item\"][data-bucket=\"pail-demo\"][aria-current=\"true\"]")
        .await;
    app.wait_tid("hint").await;
    assert!(app.page_source().await.contains("Drop files here or click Upload"));
    app.screenshot("demo-bucket").await;

    // A long connection name can be read in full on hover, and the sidebar can be made wider.
    let item = app.wait_tid("connection-item").await;
    let full = app.attr(&item, "data-connection-name").await;
    assert!(full.is_some());
    let name = app.wait_for(".connection-name").await;
    assert_eq!(app.attr(&name, "title").await, full);
    let resizer = app.wait_tid("sidebar-resizer").await;
    let before: u32 = app.attr(&resizer, "aria-valuenow").await.unwrap().parse().unwrap();
    app.step("widen the sidebar", resizer.send_keys(&ARROW_RIGHT.repeat(3)))
        .await;
    app.eventually("a wider sidebar", || async {
        let now: u32 = app.attr(&resizer, "aria-valuenow").await?.parse().ok()?;
        (now > before).then_some(())
    })
    .await;

    app.click_css("[data-testid=\"hint\"] button").await;
    app.eventually("the tip closed", || async {
        (!app.page_source().await.contains("data-testid=\"hint\"")).then_some(())
    })
    .await;
    app.close().await;
}

use pail_e2e::*;

#[tokio::test]
async fn first_run_offers_the_demo_store_and_it_browses() {
    let app = App::launch("demo").await;
    app.wait_tid("welcome").await;
    app.click_tid("welcome-demo").await;
    let bucket = app
        .wait_for("[data-testid=\"bucket-item\"][data-bucket=\"pail-demo\"]")
        .await;
    app.step("open the demo bucket", bucket.click()).await;
    app.eventually("sample rows", || async {
        let rows = app.rows().await;
        (rows.iter().any(|(k, _)| k == "folder") && rows.iter().any(|(k, _)| k == "file")).then_some(())
    })
    .await;
    app.screenshot("demo-bucket").await;
    app.close().await;
}

//! A small screen (1024×700): the window opens inside it, and where the user leaves the window is
//! where it opens the next time.

use pail_e2e::*;

#[tokio::test]
async fn the_window_fits_a_small_screen_and_reopens_where_it_was_left() {
    let screen = SmallScreen::start(1024, 700);
    let app = App::launch_on("small-screen", &[("DISPLAY", &screen.name)], |_| {}).await;
    app.wait_tid("welcome").await;
    let (x, y, width, height) = app.step("read the window's place", app.client.get_window_rect()).await;
    assert!(
        x + width <= 1024 && y + height <= 700,
        "the window at ({x}, {y}), {width}×{height}, is not inside a 1024×700 screen"
    );
    app.screenshot("fits").await;

    // The user makes it smaller and moves it; Pail remembers that.
    app.step(
        "move and resize the window",
        app.client.set_window_rect(40, 30, 800, 560),
    )
    .await;
    let saved = app.data_dir.path().join("window.json");
    eventually("the window's place remembered", || async {
        let text = std::fs::read_to_string(&saved).unwrap_or_default();
        let v: serde_json::Value = serde_json::from_str(&text).unwrap_or_default();
        v["width"] == 800 && v["height"] == 560
    })
    .await;
    let remembered = std::fs::read_to_string(&saved).expect("window.json");
    app.close().await;

    let again = App::launch_on("small-screen-again", &[("DISPLAY", &screen.name)], |dir| {
        std::fs::write(dir.join("window.json"), &remembered).expect("copy window.json")
    })
    .await;
    again.wait_tid("welcome").await;
    let (x, y, width, height) = again
        .step("read the window's place again", again.client.get_window_rect())
        .await;
    assert_eq!((width, height), (800, 560), "the size the user left");
    assert!(
        x.abs_diff(40) <= 8 && y.abs_diff(30) <= 8,
        "the place the user left: ({x}, {y})"
    );
    again.screenshot("reopened").await;
    again.close().await;
}

//! A small screen (1024×700): the window opens inside it, and where the user leaves the window is
//! where it opens the next time.

use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use pail_e2e::*;

/// An X display of its own at 1024×700, stopped when dropped.
struct SmallScreen {
    child: Child,
    name: String,
}

impl SmallScreen {
    fn start() -> SmallScreen {
        for n in 200..260 {
            if Path::new(&format!("/tmp/.X11-unix/X{n}")).exists() {
                continue;
            }
            let child = Command::new("Xvfb")
                .args([&format!(":{n}"), "-screen", "0", "1024x700x24", "-nolisten", "tcp"])
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .spawn()
                .expect("Xvfb");
            // Xvfb is ready once its socket exists.
            let deadline = Instant::now() + Duration::from_secs(30);
            while !Path::new(&format!("/tmp/.X11-unix/X{n}")).exists() {
                assert!(Instant::now() < deadline, "Xvfb :{n} did not start");
                std::thread::sleep(Duration::from_millis(50));
            }
            return SmallScreen {
                child,
                name: format!(":{n}"),
            };
        }
        panic!("no free X display number");
    }
}

impl Drop for SmallScreen {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

#[tokio::test]
async fn the_window_fits_a_small_screen_and_reopens_where_it_was_left() {
    let screen = SmallScreen::start();
    let app = App::launch_on("small-screen", Some(&screen.name), |_| {}).await;
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

    let again = App::launch_on("small-screen-again", Some(&screen.name), |dir| {
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

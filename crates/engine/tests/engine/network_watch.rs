//! The network watcher hears a real change announced by the OS: an address added in a network
//! namespace of the test's own (`unshare --user --map-root-user --net`, so it needs no root and
//! touches no real interface).

use std::process::Command;
use std::time::Duration;

use pail_engine::sync::network::watch_network;

#[test]
fn the_network_watcher_hears_an_address_added() {
    let exe = std::env::current_exe().expect("the test binary");
    let out = Command::new("unshare")
        .args(["--user", "--map-root-user", "--net"])
        .arg(&exe)
        .args([
            "--exact",
            "network_watch::heard_in_a_private_network",
            "--ignored",
            "--nocapture",
            "--test-threads=1",
        ])
        .output()
        .expect("run unshare (util-linux)");
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(out.status.success(), "{text}");
    assert!(text.contains("1 passed"), "the child test did not run: {text}");
}

/// Run by the test above inside its private network namespace.
#[tokio::test]
#[ignore = "runs inside a private network namespace, started by the_network_watcher_hears_an_address_added"]
async fn heard_in_a_private_network() {
    let changes = watch_network();
    let mut heard = changes.subscribe();
    // The watcher's first report lists the addresses there are: not a change.
    tokio::time::sleep(Duration::from_secs(3)).await;
    assert!(
        !heard.has_changed().unwrap(),
        "the addresses already there counted as a change"
    );
    for args in [
        &["link", "set", "lo", "up"][..],
        &["addr", "add", "10.254.0.1/32", "dev", "lo"][..],
    ] {
        let status = Command::new("ip").args(args).status().expect("run ip (iproute2)");
        assert!(status.success(), "ip {args:?}");
    }
    tokio::time::timeout(Duration::from_secs(15), heard.changed())
        .await
        .expect("the change was heard within 15 s")
        .expect("the watcher is running");
}

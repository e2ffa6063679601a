//! Tells continuous sync when this computer's network changed (an address came or went: Wi-Fi
//! joined, a cable plugged in, a VPN up), so a pair looks at both sides at once instead of at its
//! next poll or its next retry after going offline.
//!
//! Built on `if-watch` (the libp2p project's cross-platform watcher: netlink on Linux, the
//! System Configuration framework on macOS, `NotifyIpInterfaceChange` on Windows), not on a
//! timer of our own: it reports changes as the OS announces them and costs nothing meanwhile.

use std::time::Duration;

use futures_util::StreamExt;
use tokio::sync::watch;

/// How long the network must stay quiet before a change is announced: joining a network adds
/// and removes several addresses within a moment, which should wake the pairs once.
const SETTLE: Duration = Duration::from_secs(2);

/// Starts watching the network; the counter in the returned sender moves once per settled
/// change. Subscribers (`Sender::subscribe`) wake on each move. Where the OS watcher cannot
/// start, the counter never moves and pairs rely on their polls. Needs a tokio runtime.
pub fn watch_network() -> watch::Sender<u64> {
    let (tx, _) = watch::channel(0u64);
    let announce = tx.clone();
    tokio::spawn(async move {
        let mut watcher = match if_watch::tokio::IfWatcher::new() {
            Ok(w) => w,
            Err(e) => {
                tracing::info!("cannot watch the network for changes ({e}); relying on polls");
                return;
            }
        };
        // The watcher first reports every address the computer already has: no change.
        let started = tokio::time::Instant::now();
        let mut pending: Option<tokio::time::Instant> = None;
        loop {
            let settle = async {
                match pending {
                    Some(at) => tokio::time::sleep_until(at).await,
                    None => std::future::pending().await,
                }
            };
            tokio::select! {
                event = watcher.next() => match event {
                    Some(Ok(event)) => {
                        let now = tokio::time::Instant::now();
                        if now.duration_since(started) >= SETTLE {
                            tracing::debug!(?event, "the network changed");
                            pending = Some(now + SETTLE);
                        }
                    }
                    Some(Err(e)) => tracing::debug!("network watcher: {e}"),
                    None => return,
                },
                () = settle => {
                    pending = None;
                    tracing::info!("the network changed; synced folders look again");
                    announce.send_modify(|n| *n = n.wrapping_add(1));
                }
            }
        }
    });
    tx
}

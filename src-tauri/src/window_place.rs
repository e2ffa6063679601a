//! The main window's size and place: where the user left it last time, always fitted inside the
//! screen it opens on (a 1120×720 window on a 1024×700 screen would hide the status bar and the
//! toolbar's right end).
//!
//! Kept in Pail's data folder (`window.json`), not in the window-state plugin's file under the
//! system config folder: a data folder is a whole profile (tests, portable installs), and one
//! profile's window must not move another's.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use serde::{Deserialize, Serialize};
use tauri::{Manager, PhysicalPosition, PhysicalSize, WebviewWindow};

/// The file, in the data folder.
const FILE: &str = "window.json";
/// The size the window opens at the first time, in logical pixels (as in tauri.conf.json).
const DEFAULT_SIZE: (f64, f64) = (1120.0, 720.0);
/// Room left around a window that had to shrink to fit, in physical pixels.
const MARGIN: u32 = 16;
/// Moves and resizes come in bursts while the user drags; the last one is written after this.
const SAVE_AFTER: Duration = Duration::from_millis(500);

/// A window's outer position and inner size, in physical pixels.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Placement {
    /// Left edge.
    pub x: i32,
    /// Top edge.
    pub y: i32,
    /// Width.
    pub width: u32,
    /// Height.
    pub height: u32,
}

/// The part of a screen windows may use (without panels and docks), in physical pixels.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Area {
    /// Left edge.
    pub x: i32,
    /// Top edge.
    pub y: i32,
    /// Width.
    pub width: u32,
    /// Height.
    pub height: u32,
}

/// Where the window goes: the wanted size shrunk to fit `area` (with a margin), at the wanted
/// place if the whole window is inside `area` there, else centred in it.
pub fn fit(wanted: Placement, area: Area, has_place: bool) -> Placement {
    let room_w = area.width.saturating_sub(2 * MARGIN).max(1);
    let room_h = area.height.saturating_sub(2 * MARGIN).max(1);
    let (width, height) = if wanted.width > area.width || wanted.height > area.height {
        (wanted.width.min(room_w), wanted.height.min(room_h))
    } else {
        (wanted.width, wanted.height)
    };
    let inside = |x: i32, y: i32| {
        let (right, bottom) = (i64::from(x) + i64::from(width), i64::from(y) + i64::from(height));
        x >= area.x
            && y >= area.y
            && right <= i64::from(area.x) + i64::from(area.width)
            && bottom <= i64::from(area.y) + i64::from(area.height)
    };
    let (x, y) = if has_place && inside(wanted.x, wanted.y) {
        (wanted.x, wanted.y)
    } else {
        let centre =
            |start: i32, room: u32, size: u32| start + i32::try_from(room.saturating_sub(size) / 2).unwrap_or(0);
        (centre(area.x, area.width, width), centre(area.y, area.height, height))
    };
    Placement { x, y, width, height }
}

/// The placement saved last time, if any (a damaged file counts as none).
fn load(data_dir: &Path) -> Option<Placement> {
    let text = std::fs::read_to_string(data_dir.join(FILE)).ok()?;
    serde_json::from_str(&text).ok()
}

fn save(data_dir: &Path, placement: Placement) -> std::io::Result<()> {
    let path = data_dir.join(FILE);
    let tmp = data_dir.join(format!("{FILE}.tmp"));
    let mut file = pail_engine::private_files::private_open_options()
        .write(true)
        .create(true)
        .truncate(true)
        .open(&tmp)?;
    file.write_all(serde_json::to_string(&placement).unwrap_or_default().as_bytes())?;
    drop(file);
    std::fs::rename(tmp, path)
}

/// Remembers the window's placement as the user moves and resizes it.
pub struct PlacementKeeper {
    data_dir: PathBuf,
    latest: Mutex<(Option<Placement>, bool)>,
}

impl PlacementKeeper {
    /// A keeper writing into `data_dir`.
    pub fn new(data_dir: PathBuf) -> Self {
        Self {
            data_dir,
            latest: Mutex::new((None, false)),
        }
    }

    /// Notes where the window is now; the last of a burst is written shortly after.
    pub fn changed(self: &Arc<Self>, window: &WebviewWindow) {
        // A minimised or maximised window's size is not the one to open with next time.
        if window.is_minimized().unwrap_or(false) || window.is_maximized().unwrap_or(false) {
            return;
        }
        let (Ok(pos), Ok(size)) = (window.outer_position(), window.inner_size()) else {
            return;
        };
        let now = Placement {
            x: pos.x,
            y: pos.y,
            width: size.width,
            height: size.height,
        };
        let start_timer = match self.latest.lock() {
            Ok(mut l) => {
                l.0 = Some(now);
                !std::mem::replace(&mut l.1, true)
            }
            Err(_) => false,
        };
        if start_timer {
            let this = self.clone();
            tauri::async_runtime::spawn(async move {
                tokio::time::sleep(SAVE_AFTER).await;
                let latest = this.latest.lock().ok().and_then(|mut l| {
                    l.1 = false;
                    l.0
                });
                if let Some(p) = latest {
                    if let Err(e) = save(&this.data_dir, p) {
                        tracing::debug!("could not remember the window's place: {e}");
                    }
                }
            });
        }
    }
}

/// Sizes and places the main window: as the user left it, fitted to the screen it is on.
pub fn place(window: &WebviewWindow, data_dir: &Path) {
    let monitor = window
        .current_monitor()
        .ok()
        .flatten()
        .or_else(|| window.primary_monitor().ok().flatten());
    let Some(monitor) = monitor else { return };
    let work = monitor.work_area();
    let area = Area {
        x: work.position.x,
        y: work.position.y,
        width: work.size.width,
        height: work.size.height,
    };
    let saved = load(data_dir);
    let scale = monitor.scale_factor();
    let wanted = saved.unwrap_or(Placement {
        x: 0,
        y: 0,
        width: (DEFAULT_SIZE.0 * scale).round() as u32,
        height: (DEFAULT_SIZE.1 * scale).round() as u32,
    });
    let p = fit(wanted, area, saved.is_some());
    let _ = window.set_size(PhysicalSize::new(p.width, p.height));
    let _ = window.set_position(PhysicalPosition::new(p.x, p.y));
    tracing::debug!(?p, ?area, "window placed");
}

/// Puts the main window in place and starts remembering where the user moves it.
pub fn manage(app: &tauri::AppHandle, data_dir: &Path) {
    let Some(window) = app.get_webview_window("main") else {
        return;
    };
    place(&window, data_dir);
    let keeper = Arc::new(PlacementKeeper::new(data_dir.to_path_buf()));
    let watched = window.clone();
    window.on_window_event(move |event| {
        if matches!(event, tauri::WindowEvent::Moved(_) | tauri::WindowEvent::Resized(_)) {
            keeper.changed(&watched);
        }
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    const SMALL: Area = Area {
        x: 0,
        y: 0,
        width: 1024,
        height: 700,
    };

    fn at(x: i32, y: i32, width: u32, height: u32) -> Placement {
        Placement { x, y, width, height }
    }

    #[test]
    fn a_window_too_big_for_the_screen_shrinks_inside_it_and_is_centred() {
        let p = fit(at(0, 0, 1120, 720), SMALL, false);
        assert!(p.width <= 1024 && p.height <= 700, "{p:?}");
        assert_eq!((p.width, p.height), (1024 - 2 * MARGIN, 700 - 2 * MARGIN));
        assert_eq!((p.x, p.y), (16, 16));
    }

    #[test]
    fn a_saved_place_inside_the_screen_is_kept_and_one_outside_is_centred() {
        let big = Area {
            x: 0,
            y: 0,
            width: 1920,
            height: 1080,
        };
        assert_eq!(fit(at(100, 50, 900, 600), big, true), at(100, 50, 900, 600));
        // Saved on a second screen that is gone now: back onto this one.
        let gone = fit(at(2500, 50, 900, 600), big, true);
        assert_eq!(gone, at(510, 240, 900, 600));
        // The first start has no place of its own: centred.
        assert_eq!(fit(at(0, 0, 1120, 720), big, false), at(400, 180, 1120, 720));
    }

    #[test]
    fn a_screen_that_does_not_start_at_zero_is_respected() {
        let right = Area {
            x: 1920,
            y: 30,
            width: 1024,
            height: 700,
        };
        let p = fit(at(0, 0, 1120, 720), right, false);
        assert!(p.x >= 1920 && p.y >= 30, "{p:?}");
        assert!(i64::from(p.x) + i64::from(p.width) <= 1920 + 1024);
    }
}

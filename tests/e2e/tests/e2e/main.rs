//! End-to-end tests of the real app window (WebKitGTK under Xvfb, driven through tauri-driver),
//! against a real S3 server and the real keyring. Each test saves screenshots under
//! build-output/e2e/ for a person to review.
//!
//! Modules:
//! - `browse`: add a connection through the form, open a bucket, walk folders and breadcrumbs.
//! - `manage_connections`: rename and remove from the sidebar; the keyring entry goes too.
//! - `demo`: the first-run "try it" path with the built-in demo store.
//! - `connection_errors`: a wrong secret is explained in the form, with details one click away.
//! - `object_ops`: new folder, rename (a file with F2, a folder from the context menu), delete a
//!   folder after a confirmation that counts it, a share link; each checked in the bucket itself.
//! - `transfers`: a folder tree uploaded through the Upload folder button (picker answered by the
//!   harness), shown in the list and the Transfers
//!   view, then renamed and deleted through the UI.
//! - `ipc_security`: crafted IPC calls from the page are refused (capability, input checks, path
//!   grants: the window cannot name local paths, and a grant serves only what it was chosen for).
//! - `damaged_state`: a damaged state database is explained in a native question, moved aside
//!   (kept) on "start fresh", and the app starts with an empty list.
//! - `sync_pairs`: pair a folder through the three-step flow; a local file reaches the bucket
//!   (syncing → up to date), a bucket object reaches the folder on "Check now", pause/resume, a conflict kept both;
//!   start at login writes the autostart entry; a second launch hands over and exits.
//! - `first_ten_minutes`: a newcomer's walk (demo store, upload, quick look with Space, a pair
//!   whose folder is created on the wizard's first step, stop syncing, Settings) with an axe-core
//!   audit and a Tab tour of every screen, light on the suite's screen and dark at 1024×700.
//! - `installed` (ignored unless run by `.ci/run` after installing the `.deb`): the installed
//!   binary starts, with its menu entry, icon and a start-at-login entry that runs it.
//! - `time_machine`: on a versioned bucket, a folder's deleted file shown and brought back, then
//!   the folder restored to an earlier moment (checked in the bucket).
//! - `small_screen`: on a 1024×700 screen of its own the window opens inside it, and it reopens
//!   where and as large as the user left it.

mod browse;
mod connection_errors;
mod damaged_state;
mod demo;
mod first_ten_minutes;
mod installed;
mod ipc_security;
mod manage_connections;
mod object_ops;
mod small_screen;
mod sync_pairs;
mod time_machine;
mod transfers;

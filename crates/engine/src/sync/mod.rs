//! Two-way sync between a local folder and a bucket prefix.
//!
//! Where things are:
//! - [`model`]: the state the planner reads — validated relative paths ([`RelPath`]), what each
//!   side holds ([`LocalState`], [`RemoteState`]), the last synced [`BaseState`], one [`PathView`]
//!   per path, and the pair's [`PairSettings`].
//! - [`plan`](mod@plan): the pure three-way reconcile, [`plan()`](fn@plan) → [`Plan`] of [`Action`]s. No
//!   I/O: the executor applies actions, the state DB stores bases, the scanner and the lister
//!   build the views.
//! - [`conflict_name`]: `name (conflict from HOST YYYY-MM-DD HHMM).ext`.
//! - [`local_name`]: the one check a key passes before it becomes a local file (sync, the
//!   transfer queue and `pail cp`), with Windows naming rules testable on any system.
//! - [`change_marker`]: the one object other computers HEAD to learn that a bucket folder
//!   changed, so an idle pair does not list it every poll.
//! - [`idle_mark`]: what an idle pass saw, so an unchanged pair is recognised without loading
//!   its bases.
//!
//! The executor's side of the contract, in short (each [`Action`] documents its own):
//! - Every action carries what the planner saw; the executor checks it right before acting
//!   (`If-Match` / `If-None-Match: *` remotely, a re-stat and hash locally). A mismatch means the
//!   path changed meanwhile: drop the action and re-plan, never overwrite.
//! - Actions of one [`Phase`] are independent and may run concurrently; phases run in order.
//! - On success the executor records the base the action describes; [`Action::RecordBase`] and
//!   [`Action::ForgetBase`] only touch the state DB.
//! - Conflicts: the remote version keeps the path and the local edit becomes a conflict copy named
//!   after this computer. Only the computer whose edit lost the race to the bucket makes a copy;
//!   the others just download it, so every computer ends with both files.

pub mod change_marker;
pub mod conflict_name;
pub mod conflicts;
pub mod executor;
pub mod folder;
pub mod idle_mark;
pub mod local_root;
pub use crate::core::local_name;
pub mod manager;
pub use crate::core::model;
pub mod network;
pub mod pair_files;
pub mod pass;
pub mod plan;
pub mod retry;
pub mod runner;
pub mod session;
pub mod status;
pub mod undo;
pub mod views;
pub mod watcher;

#[cfg(test)]
mod simulation;

pub use conflict_name::{conflict_file_name, conflict_path};
pub use local_name::{windows_name_issue, WindowsNameIssue};
pub use model::{
    BaseFile, BaseState, ContentHash, DeletionConsent, LocalFile, LocalState, MassDeleteGuard, Mode, PairSettings,
    PathView, RelPath, RelPathError, RemoteState,
};
pub use pass::PassReport;
pub use plan::{plan, Action, MassDeleteGuardTripped, Phase, Plan, Side, SkipReason};
pub use runner::OnceSummary;
pub use session::{host_name, PairSync, SyncEvent, SyncOptions};
pub use watcher::{LocalWatcher, WatchEvent};

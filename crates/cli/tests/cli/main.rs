//! The `pail` binary's integration tests, in one test binary (one link, one moto server): each
//! module runs the real binary against real parts, as a script or a user would. The chaos test
//! is its own binary (`tests/chaos.rs`): it sets the process's umask to 0 so that its
//! unprivileged computers can write what the harness made, which must not leak into these.
//!
//! Modules:
//! - `commands`: `ls`, `cp`, `history`, `restore` and their errors, against moto.
//! - `resume`: a killed `pail cp` resumes its multipart upload; Ctrl-C leaves nothing behind.
//! - `hostile_store`: a stuck listing, control characters in keys and server text, odd names.
//! - `sync`: `pail sync` as a black box with two simulated computers; field accidents
//!   (`sync/field.rs`) and what an idle pair costs in requests (`sync/idle_cost.rs`).

mod commands;
mod hostile_store;
mod resume;
mod sync;

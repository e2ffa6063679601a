//! Time machine: a bucket folder as it was at any moment, built on bucket versioning.
//!
//! `model` holds the pure rules (what a key showed at a moment, what changed, what a restore must
//! do), `when` reads moments as people type them, and `folder` runs them against a store.

pub mod deleted;
pub mod folder;
pub mod model;
pub mod versioning;
pub mod when;

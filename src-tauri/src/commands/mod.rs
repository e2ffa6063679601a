//! Tauri commands, one module per area. Each parses input, calls the engine and maps the error.

pub mod browse;
pub mod connections;
pub mod demo;
pub mod history;
pub mod objects;
pub mod pick;
pub mod settings;
pub mod sync;
pub mod transfers;

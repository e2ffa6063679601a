//! The system's file and folder pickers, run from Rust so the window never names a path itself.
//!
//! The end-to-end tests cannot click a native GTK dialog through WebDriver, so when
//! [`SCRIPTED_PICKS_ENV`] names a file, each pick or question takes its answer from that file's
//! first line instead (a JSON array of paths, `[]` = cancelled; `true`/`false` for a question).
//! Whoever sets a process's environment already controls it, so this opens nothing to the window.

use std::path::{Path, PathBuf};

use tauri::AppHandle;
use tauri_plugin_dialog::DialogExt;

/// Environment variable naming the file of scripted picker answers (tests only).
pub const SCRIPTED_PICKS_ENV: &str = "PAIL_SCRIPTED_PICKS";

/// What to ask the user for.
#[derive(Debug, Clone)]
pub enum Pick {
    /// Several files.
    Files,
    /// Several folders.
    Folders,
    /// One folder, opening at `start` when given.
    Folder {
        /// Where the picker opens.
        start: Option<PathBuf>,
    },
}

/// Shows the picker and returns what was chosen (empty when cancelled).
pub async fn pick(app: &AppHandle, what: Pick, title: &str) -> Vec<PathBuf> {
    if let Some(script) = std::env::var_os(SCRIPTED_PICKS_ENV) {
        return serde_json::from_str::<Vec<PathBuf>>(&next_scripted(Path::new(&script))).unwrap_or_default();
    }
    let (tx, rx) = tokio::sync::oneshot::channel::<Vec<PathBuf>>();
    let dialog = app.dialog().file().set_title(title);
    let to_paths = |list: Option<Vec<tauri_plugin_dialog::FilePath>>| -> Vec<PathBuf> {
        list.unwrap_or_default()
            .into_iter()
            .filter_map(|p| p.into_path().ok())
            .collect()
    };
    match what {
        Pick::Files => dialog.pick_files(move |l| {
            let _ = tx.send(to_paths(l));
        }),
        Pick::Folders => dialog.pick_folders(move |l| {
            let _ = tx.send(to_paths(l));
        }),
        Pick::Folder { start } => {
            let dialog = match start {
                Some(dir) => dialog.set_directory(dir),
                None => dialog,
            };
            dialog.pick_folder(move |one| {
                let _ = tx.send(to_paths(one.map(|p| vec![p])));
            })
        }
    }
    rx.await.unwrap_or_default()
}

/// The scripted answer to a yes/no question, when answers are scripted (a missing one is "no").
pub fn scripted_answer() -> Option<bool> {
    let script = std::env::var_os(SCRIPTED_PICKS_ENV)?;
    Some(next_scripted(Path::new(&script)).trim() == "true")
}

/// Takes the first answer from the script file (a missing or empty script is a cancel).
fn next_scripted(script: &Path) -> String {
    let text = std::fs::read_to_string(script).unwrap_or_default();
    let mut lines = text.lines();
    let first = lines.next().unwrap_or("[]");
    let rest: Vec<&str> = lines.collect();
    let rest = if rest.is_empty() {
        String::new()
    } else {
        rest.join("\n") + "\n"
    };
    if let Err(e) = std::fs::write(script, rest) {
        tracing::warn!("could not update the scripted picks file: {e}");
    }
    first.to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scripted_answers_are_taken_in_order_and_run_out_as_cancels() {
        let dir = tempfile::tempdir().unwrap();
        let script = dir.path().join("picks");
        std::fs::write(&script, "[\"/a\",\"/b\"]\n[]\n[\"/c\"]\n").unwrap();
        assert_eq!(next_scripted(&script), "[\"/a\",\"/b\"]");
        assert_eq!(next_scripted(&script), "[]");
        assert_eq!(next_scripted(&script), "[\"/c\"]");
        assert_eq!(next_scripted(&script), "[]");
    }
}

//! Per-file status in a pair's view: the entries of one folder of the pair, each marked synced,
//! waiting, ignored, a conflict copy or left out, from the folder itself and the state DB's bases.
//! Cheap: one directory read and one range query, no hashing (a pass does that).

use std::collections::BTreeMap;
use std::path::Path;

use futures_util::TryStreamExt;
use serde::{Deserialize, Serialize};
use sqlx::Row;

use super::model::RelPath;
use crate::error::{Error, Result};
use crate::scan::{identity_of, IgnoreRules};
use crate::state::StateDb;

/// Where one entry stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "camelCase")]
pub enum FileSyncState {
    /// Same as the last sync on both sides (as far as size and times tell without hashing).
    Synced,
    /// New or changed here since the last sync, or deleted here: the next pass sends it.
    Waiting,
    /// Matches an ignore pattern: stays on this computer only.
    Ignored,
    /// A conflict copy that keeps one version of a file changed on two sides.
    Conflict,
    /// Not synced: a link, or a name that cannot be synced.
    LeftOut,
}

/// One entry of a pair's folder.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "camelCase")]
pub struct PairFile {
    /// The name.
    pub name: String,
    /// Path relative to the pair's folder; folders end with `/`.
    pub path: String,
    /// A folder.
    pub is_dir: bool,
    /// Size in bytes (files on disk only).
    pub size: Option<u64>,
    /// Where it stands.
    pub state: FileSyncState,
    /// Gone from this computer since the last sync (the next pass deletes it in the bucket).
    pub deleted_here: bool,
}

struct BaseRow {
    is_dir: bool,
    size: Option<u64>,
    mtime_ns: Option<i128>,
}

/// The entries of `dir` (`""` or a folder path ending with `/`) of the pair rooted at `root`.
pub async fn list(db: &StateDb, pair_id: &str, root: &Path, dir: &str, rules: &IgnoreRules) -> Result<Vec<PairFile>> {
    if !dir.is_empty() {
        RelPath::new(dir)
            .ok()
            .filter(RelPath::is_dir)
            .ok_or_else(|| Error::InvalidInput(format!("“{dir}” is not a folder of this synced folder.")))?;
    }
    let bases = base_children(db, pair_id, dir).await?;
    let mut out = Vec::new();
    let mut seen = std::collections::HashSet::new();
    let folder = root.join(dir);
    let mut entries = tokio::fs::read_dir(&folder).await.map_err(|e| Error::Io {
        context: format!("read the folder {}", folder.display()),
        source: e,
    })?;
    while let Some(entry) = entries.next_entry().await.map_err(|e| Error::Io {
        context: format!("read the folder {}", folder.display()),
        source: e,
    })? {
        let name = entry.file_name().to_string_lossy().into_owned();
        // Pail's own folder at the root, and downloads still in flight, are not the user's files.
        if name.starts_with(".pail-tmp-") || (dir.is_empty() && name == super::folder::RESERVED_DIR) {
            continue;
        }
        let Ok(meta) = tokio::fs::symlink_metadata(entry.path()).await else {
            continue;
        };
        let is_dir = meta.is_dir();
        let path = format!("{dir}{name}{}", if is_dir { "/" } else { "" });
        seen.insert(path.clone());
        let state = entry_state(&name, &path, &meta, bases.get(&path), rules);
        out.push(PairFile {
            name,
            path,
            is_dir,
            size: (!is_dir).then_some(meta.len()),
            state,
            deleted_here: false,
        });
    }
    for (path, b) in bases {
        if !seen.contains(&path) {
            out.push(deleted_here(path, &b));
        }
    }
    out.sort_by(|a, b| {
        b.is_dir
            .cmp(&a.is_dir)
            .then_with(|| a.name.to_lowercase().cmp(&b.name.to_lowercase()))
    });
    Ok(out)
}

/// Where an entry on disk stands; `base` is what the last sync left at its path.
fn entry_state(
    name: &str,
    path: &str,
    meta: &std::fs::Metadata,
    base: Option<&BaseRow>,
    rules: &IgnoreRules,
) -> FileSyncState {
    let is_dir = meta.is_dir();
    if meta.file_type().is_symlink() || RelPath::new(path).is_err() {
        FileSyncState::LeftOut
    } else if rules.is_ignored(path.trim_end_matches('/'), is_dir) {
        FileSyncState::Ignored
    } else if super::conflicts::parse_conflict_name(name).is_some() {
        FileSyncState::Conflict
    } else {
        match base {
            Some(b) if is_dir && b.is_dir => FileSyncState::Synced,
            Some(b) if !is_dir && !b.is_dir => {
                let now = identity_of(meta);
                if b.size == Some(now.size) && b.mtime_ns == Some(now.mtime_ns) {
                    FileSyncState::Synced
                } else {
                    FileSyncState::Waiting
                }
            }
            _ => FileSyncState::Waiting,
        }
    }
}

/// An entry synced before and gone from this computer since: the next pass deletes it in the
/// bucket.
fn deleted_here(path: String, base: &BaseRow) -> PairFile {
    let name = path
        .trim_end_matches('/')
        .rsplit('/')
        .next()
        .unwrap_or(&path)
        .to_owned();
    PairFile {
        name,
        path,
        is_dir: base.is_dir,
        size: None,
        state: FileSyncState::Waiting,
        deleted_here: true,
    }
}

/// The bases of the direct children of `dir`, folders included (implied by what is under them).
async fn base_children(db: &StateDb, pair_id: &str, dir: &str) -> Result<BTreeMap<String, BaseRow>> {
    // Every path under `dir` sorts between `dir` and `dir` + U+10FFFF.
    let upper = format!("{dir}\u{10FFFF}");
    // Row by row: the top folder of a large pair has every base under it.
    let mut rows = sqlx::query(
        "SELECT path, kind, size, local_mtime_ns FROM sync_base WHERE pair_id = ? AND path > ? AND path < ?",
    )
    .bind(pair_id)
    .bind(dir)
    .bind(&upper)
    .fetch(db.pool());
    let mut out = BTreeMap::new();
    while let Some(row) = rows.try_next().await? {
        let path: String = row.try_get("path")?;
        let rest = &path[dir.len()..];
        if let Some(i) = rest.find('/').filter(|i| i + 1 < rest.len()) {
            // A synced file deeper down: its folder was synced too (folders with content have no
            // row of their own).
            out.entry(format!("{dir}{}", &rest[..=i])).or_insert(BaseRow {
                is_dir: true,
                size: None,
                mtime_ns: None,
            });
            continue;
        }
        let kind: String = row.try_get("kind")?;
        let size: Option<i64> = row.try_get("size")?;
        let mtime: Option<String> = row.try_get("local_mtime_ns")?;
        out.insert(
            path,
            BaseRow {
                is_dir: kind == "dir",
                size: size.and_then(|s| u64::try_from(s).ok()),
                mtime_ns: mtime.and_then(|m| m.parse().ok()),
            },
        );
    }
    Ok(out)
}

//! "Undo" on one sync pass: puts back what that pass changed, removed or moved, on both sides,
//! as far as it still exists. In the bucket an earlier version comes back as a new version (the
//! history's restore step, so the undo itself can be restored away); here a trashed file comes
//! back from the system trash and a rename is reversed. Whatever changed again since the pass is
//! left as it is and reported; nothing is overwritten. The next pass carries what came back to
//! the other side.

use std::path::Path;

use serde::{Deserialize, Serialize};

use super::executor::{ensure_real_parents, join_local};
use super::local_name::{local_rel, NameRules};
use crate::core::activity::UndoNote;
use crate::core::model::RelPath;
use crate::error::Result;
use crate::history::folder::{apply, StepOutcome};
use crate::history::model::{undo_new_key, undo_step, UndoStep};
use crate::remote::Remote;
use crate::state::bases::Activity;

/// What an undo did.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "camelCase")]
pub struct UndoReport {
    /// Paths put back as they were before the pass.
    pub put_back: Vec<String>,
    /// Paths that could not be put back, each with why in words.
    pub not_put_back: Vec<NotPutBack>,
}

/// A change an undo could not put back, and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "camelCase")]
pub struct NotPutBack {
    /// The path, relative to the synced folder.
    pub path: String,
    /// Why, in words.
    pub reason: String,
}

/// Where the pass ran.
#[derive(Debug, Clone, Copy)]
pub struct UndoPlace<'a> {
    /// The store.
    pub remote: &'a Remote,
    /// The bucket.
    pub bucket: &'a str,
    /// The pair's bucket folder (`""` or ending with `/`).
    pub prefix: &'a str,
    /// The local folder.
    pub root: &'a Path,
}

/// Whether an activity line has something an undo can put back.
pub fn can_undo(line: &Activity) -> bool {
    line.undo.is_some() && line.undone_at.is_none()
}

/// Puts back the changes of one pass's `lines` (removed folders first, so files can come back
/// into them). Never fails as a whole: each line ends up put back or reported.
pub async fn undo_lines(place: UndoPlace<'_>, lines: &[Activity]) -> UndoReport {
    let mut notes: Vec<(&Activity, UndoNote)> = lines
        .iter()
        .filter_map(|line| {
            let note = serde_json::from_str::<UndoNote>(line.undo.as_deref()?).ok()?;
            Some((line, note))
        })
        .collect();
    // Shallow folders before deep ones, all before files.
    notes.sort_by_key(|(line, note)| match note {
        UndoNote::RemovedDir { path } => (0, path.matches('/').count(), line.id),
        _ => (1, 0, line.id),
    });
    let mut trash = TrashLookup::default();
    let mut report = UndoReport::default();
    for (line, note) in notes {
        let outcome = match &note {
            UndoNote::Remote {
                key,
                version_id,
                before_etag,
                before_hash,
            } => undo_remote(place, key, version_id, before_etag.as_deref(), before_hash.as_deref()).await,
            UndoNote::Trashed { path, at } => untrash(place, &mut trash, path, *at).await,
            UndoNote::MovedLocal { from, to, size, hash } => move_back(place.root, from, to, *size, hash).await,
            UndoNote::MovedRemote {
                from,
                from_marker,
                to,
                to_version,
            } => move_key_back(place, from, from_marker, to, to_version).await,
            UndoNote::RemovedDir { path } => recreate_dir(place.root, path).await,
        };
        match outcome {
            Ok(Ok(())) => report.put_back.push(line.path.clone()),
            Ok(Err(reason)) => report.not_put_back.push(NotPutBack {
                path: line.path.clone(),
                reason,
            }),
            Err(e) => report.not_put_back.push(NotPutBack {
                path: line.path.clone(),
                reason: e.user_message(),
            }),
        }
    }
    report
}

/// `Ok(Err(reason))`: left as it is, for that reason.
type Undone<T = ()> = Result<std::result::Result<T, String>>;

async fn undo_remote(
    place: UndoPlace<'_>,
    key: &str,
    left: &str,
    before_etag: Option<&str>,
    before_hash: Option<&str>,
) -> Undone {
    let history = place.remote.key_history(place.bucket, key).await?;
    let found = match (before_etag, before_hash) {
        (None, Some(hash)) => version_with_hash(place, &history, left, hash).await,
        _ => None,
    };
    run_step(place, undo_step(&history, left, found.as_deref().or(before_etag))).await
}

/// Older versions asked for the hash Pail recorded on them, newest first.
const VERSIONS_ASKED_FOR_HASH: usize = 10;

/// The ETag of the newest version below `left` that Pail recorded with content `hash`: the one
/// this computer had, even when several changes landed between two of its syncs. None when
/// none says so (written by other clients); then the version right below is brought back.
async fn version_with_hash(
    place: UndoPlace<'_>,
    history: &crate::remote::versions::KeyHistory,
    left: &str,
    hash: &str,
) -> Option<String> {
    let below = history.versions.iter().skip_while(|v| v.version_id != left).skip(1);
    for v in below
        .filter(|v| !v.deleted && !v.etag.is_empty())
        .take(VERSIONS_ASKED_FOR_HASH)
    {
        match place
            .remote
            .version_hash(place.bucket, &history.key, &v.version_id)
            .await
        {
            Ok(Some(h)) if hex::encode(h.0) == hash => return Some(v.etag.clone()),
            Ok(_) => {}
            Err(e) => {
                tracing::debug!(detail = %e.detail(), "could not read an earlier version's hash");
                return None;
            }
        }
    }
    None
}

async fn run_step(place: UndoPlace<'_>, step: UndoStep) -> Undone {
    let step = match step {
        UndoStep::Apply(step) => step,
        UndoStep::ChangedSince => return Ok(Err(CHANGED_SINCE.into())),
        UndoStep::NothingBefore => return Ok(Err("There was no earlier version to put back.".into())),
        UndoStep::Gone => {
            return Ok(Err(
                "The bucket no longer keeps the earlier version (old versions expire after a while).".into(),
            ))
        }
    };
    Ok(match apply(place.remote, place.bucket, &step).await? {
        StepOutcome::Done => Ok(()),
        StepOutcome::LeftToOthers(reason) | StepOutcome::Stop(reason) => Err(reason),
    })
}

const CHANGED_SINCE: &str = "It changed again after that sync, so the newer change was kept.";

/// A moved key goes back: the old name first (so the file exists at every moment), then the new
/// name is removed, each only while it is as the move left it.
async fn move_key_back(place: UndoPlace<'_>, from: &str, from_marker: &str, to: &str, to_version: &str) -> Undone {
    let old_name = place.remote.key_history(place.bucket, from).await?;
    if let Err(why) = run_step(place, undo_step(&old_name, from_marker, None)).await? {
        return Ok(Err(why));
    }
    let new_name = place.remote.key_history(place.bucket, to).await?;
    match run_step(place, undo_new_key(&new_name, to_version)).await? {
        Ok(()) => Ok(Ok(())),
        // The old name is back either way; a newer change at the new name is kept too.
        Err(why) => {
            tracing::info!(key = %to, "undo left the new name of a moved file in place: {why}");
            Ok(Ok(()))
        }
    }
}

fn rel(path: &str) -> Result<RelPath> {
    local_rel(path, NameRules::HOST).map_err(|e| {
        crate::error::Error::InvalidInput(format!(
            "“{}” is not a file of this folder: {e}",
            crate::untrusted_text::escape_untrusted(path)
        ))
    })
}

/// Renames a file a pass moved back to its old name, while it is unchanged and the old name free.
async fn move_back(root: &Path, from: &str, to: &str, size: u64, hash: &str) -> Undone {
    let (from, to) = (rel(from)?, rel(to)?);
    let (old, new) = (join_local(root, &from)?, join_local(root, &to)?);
    let same = match tokio::fs::symlink_metadata(&new).await {
        Ok(m) if m.is_file() && m.len() == size => hash_of(&new).await.is_ok_and(|h| h == hash),
        _ => false,
    };
    if !same {
        return Ok(Err(CHANGED_SINCE.into()));
    }
    if let Err(why) = ensure_real_parents(root, &from).await? {
        return Ok(Err(why));
    }
    // A hard link never replaces: a file that took the old name meanwhile stays.
    match tokio::fs::hard_link(&new, &old).await {
        Ok(()) => {}
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
            return Ok(Err(format!("{from} exists again, so the file stays at {to}.")))
        }
        Err(_) if tokio::fs::symlink_metadata(&old).await.is_err() => {
            tokio::fs::rename(&new, &old).await.map_err(io(&new))?;
            return Ok(Ok(()));
        }
        Err(_) => return Ok(Err(format!("{from} exists again, so the file stays at {to}."))),
    }
    tokio::fs::remove_file(&new).await.map_err(io(&new))?;
    Ok(Ok(()))
}

async fn hash_of(path: &Path) -> std::io::Result<String> {
    let path = path.to_path_buf();
    tokio::task::spawn_blocking(move || {
        let mut hasher = blake3::Hasher::new();
        std::io::copy(&mut std::fs::File::open(&path)?, &mut hasher)?;
        Ok(hasher.finalize().to_hex().to_string())
    })
    .await
    .map_err(std::io::Error::other)?
}

fn io(path: &Path) -> impl FnOnce(std::io::Error) -> crate::error::Error + '_ {
    move |source| crate::error::Error::Io {
        context: format!("put back {}", path.display()),
        source,
    }
}

async fn recreate_dir(root: &Path, path: &str) -> Undone {
    let dir = rel(path)?;
    if let Err(why) = ensure_real_parents(root, &dir).await? {
        return Ok(Err(why));
    }
    let local = join_local(root, &dir)?;
    match tokio::fs::create_dir(&local).await {
        Ok(()) => Ok(Ok(())),
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => match tokio::fs::symlink_metadata(&local).await {
            Ok(m) if m.is_dir() => Ok(Ok(())),
            _ => Ok(Err(format!("{dir} is a file now, so the folder was not made again."))),
        },
        Err(e) => Err(io(&local)(e)),
    }
}

/// The system trash's items, read once per undo and only if a line needs them.
#[derive(Default)]
struct TrashLookup {
    #[cfg(all(unix, not(target_os = "macos")))]
    items: Option<Vec<trash::TrashItem>>,
}

/// How far a trash item's deletion time may be from the time the pass noted (the trash keeps
/// local clock times to the second; a pass may take a while).
#[cfg(all(unix, not(target_os = "macos")))]
const TRASH_TIME_SLACK_SECS: i64 = 120;

/// Brings a trashed file back to its place (never over a file that took its name); where the
/// trash no longer has it, the bucket's last version before its deletion comes back instead.
async fn untrash(place: UndoPlace<'_>, trash: &mut TrashLookup, path: &str, at: i64) -> Undone {
    let rel_path = rel(path)?;
    let local = join_local(place.root, &rel_path)?;
    if tokio::fs::symlink_metadata(&local).await.is_ok() {
        return Ok(Err(format!("{rel_path} exists again, so it was left as it is.")));
    }
    match trash.restore(place.root, &rel_path, &local, at).await? {
        Ok(true) => return Ok(Ok(())),
        Ok(false) => {}
        Err(why) => return Ok(Err(why)),
    }
    // Deleted in the bucket by someone else: its last version comes back there, and the next
    // pass brings it down.
    let history = place
        .remote
        .key_history(place.bucket, &rel_path.to_key(place.prefix))
        .await?;
    match history.versions.first().filter(|v| v.is_latest && v.deleted) {
        Some(marker) => run_step(place, undo_step(&history, &marker.version_id, None)).await,
        None => Ok(Err(
            "It is no longer in the trash, and the bucket has no earlier version of it.".into(),
        )),
    }
}

impl TrashLookup {
    /// Restores the item trashed from `original` (`rel` under `root`) closest to `at`, making
    /// its folders first only once there is one; false when there is none (or the trash cannot
    /// be read: the bucket may still have the file).
    #[cfg(all(unix, not(target_os = "macos")))]
    async fn restore(&mut self, root: &Path, rel: &RelPath, original: &Path, at: i64) -> Undone<bool> {
        if self.items.is_none() {
            let listed = tokio::task::spawn_blocking(trash::os_limited::list)
                .await
                .map_err(|e| e.to_string())
                .and_then(|r| r.map_err(|e| e.to_string()))
                .unwrap_or_else(|e| {
                    tracing::warn!("the trash could not be read: {e}");
                    Vec::new()
                });
            self.items = Some(listed);
        }
        let items = self.items.as_mut().map(std::mem::take).unwrap_or_default();
        let (mut matching, rest): (Vec<_>, Vec<_>) = items
            .into_iter()
            .partition(|i| i.original_path() == original && (i.time_deleted - at).abs() <= TRASH_TIME_SLACK_SECS);
        matching.sort_by_key(|i| (i.time_deleted - at).abs());
        let mut found = matching.into_iter();
        let chosen = found.next();
        self.items = Some(rest.into_iter().chain(found).collect());
        let Some(item) = chosen else { return Ok(Ok(false)) };
        if let Err(why) = ensure_real_parents(root, rel).await? {
            return Ok(Err(why));
        }
        let restored = tokio::task::spawn_blocking(move || trash::os_limited::restore_all([item])).await;
        Ok(match restored {
            Ok(Ok(())) => Ok(true),
            Ok(Err(trash::Error::RestoreCollision { .. })) => {
                Err("A file with that name is there again, so it was left as it is.".to_owned())
            }
            Ok(Err(other)) => Err(format!("It could not be taken out of the trash ({other}).")),
            Err(e) => Err(format!("It could not be taken out of the trash ({e}).")),
        })
    }

    /// The system trash on this platform cannot be searched: the file stays there.
    #[cfg(not(all(unix, not(target_os = "macos"))))]
    async fn restore(&mut self, _root: &Path, _rel: &RelPath, _original: &Path, _at: i64) -> Undone<bool> {
        Ok(Ok(false))
    }
}

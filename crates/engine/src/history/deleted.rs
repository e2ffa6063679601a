//! "Recently deleted": the files of a folder whose current version is a delete marker, its
//! subfolders that were deleted whole, and bringing them back (the newest content copied back on
//! top, so nothing is destroyed).

use std::ops::ControlFlow;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::folder::{apply, record, require_versioning_on, require_versions, RestoreReport};
use super::model::{top_version, RestoreAction, RestoreStep};
use crate::error::Result;
use crate::remote::versions::KeyHistory;
use crate::remote::{EntryKind, Remote};

/// A deleted file that can be brought back.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "camelCase")]
pub struct DeletedFile {
    /// Its key.
    pub key: String,
    /// Its name in the folder.
    pub name: String,
    /// When it was deleted.
    pub deleted_at: DateTime<Utc>,
    /// The size of its last content.
    pub size: u64,
}

/// Subfolders asked one by one whether they still hold a file (see [`deleted_here`]): a
/// request each, so a folder with more subfolders than this trusts the store's listing.
const MAX_FOLDERS_ASKED: usize = 100;

/// A subfolder all of whose files were deleted: it no longer shows in the folder, but its files
/// can come back.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "camelCase")]
pub struct DeletedFolder {
    /// Its prefix (ending with `/`).
    pub prefix: String,
    /// Its name in the folder.
    pub name: String,
}

/// What a folder's "Recently deleted" lists.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "camelCase")]
pub struct DeletedHere {
    /// Deleted files directly in the folder, most recently deleted first.
    pub files: Vec<DeletedFile>,
    /// Subfolders deleted whole, by name.
    pub folders: Vec<DeletedFolder>,
}

/// Why a key is not (any longer) a deleted file with content to bring back.
fn deleted_file(h: &KeyHistory, prefix: &str) -> Option<DeletedFile> {
    let top = h.versions.iter().find(|v| v.is_latest).or_else(|| h.versions.first())?;
    if !top.deleted {
        return None;
    }
    let last = h.versions.iter().find(|v| !v.deleted)?;
    let name = h.key.strip_prefix(prefix).unwrap_or(&h.key);
    // A deleted folder marker ("photos/") is not a file; its files are listed in it.
    if name.is_empty() || name.ends_with('/') {
        return None;
    }
    Some(DeletedFile {
        key: h.key.clone(),
        name: name.to_owned(),
        deleted_at: top.modified,
        size: last.size,
    })
}

/// The deleted files directly in the folder `prefix`, most recently deleted first, and its
/// subfolders that hold versions but no current file any more.
pub async fn deleted_here(remote: &Remote, bucket: &str, prefix: &str) -> Result<DeletedHere> {
    require_versions(remote, bucket, prefix).await?;
    let mut files = Vec::new();
    let with_history = remote
        .for_each_key_history_here(bucket, prefix, |h| {
            files.extend(deleted_file(&h, prefix));
            ControlFlow::Continue(())
        })
        .await?;
    files.sort_by(|a, b| b.deleted_at.cmp(&a.deleted_at).then(a.key.cmp(&b.key)));
    let mut folders = Vec::new();
    if !with_history.is_empty() {
        let mut listed = std::collections::HashSet::new();
        remote
            .list_folder(bucket, prefix, 1000, |rows| {
                listed.extend(rows.into_iter().filter(|e| e.kind == EntryKind::Folder).map(|e| e.key));
                ControlFlow::Continue(())
            })
            .await?;
        // Some stores (moto among them) list a folder whose files were all deleted as a folder
        // still; up to a bound, each listed one is asked whether it holds a current file.
        let ask_each = with_history.iter().filter(|p| listed.contains(*p)).count() <= MAX_FOLDERS_ASKED;
        for p in with_history {
            let gone = if !listed.contains(&p) {
                true
            } else if ask_each {
                !remote.holds_any_object(bucket, &p).await?
            } else {
                false
            };
            if gone {
                folders.push(DeletedFolder {
                    name: p.strip_prefix(prefix).unwrap_or(&p).trim_end_matches('/').to_owned(),
                    prefix: p,
                });
            }
        }
    }
    Ok(DeletedHere { files, folders })
}

/// Every deleted file under `folder` (at any depth): what bringing a deleted folder back restores.
pub async fn deleted_under(remote: &Remote, bucket: &str, folder: &str) -> Result<Vec<String>> {
    let mut keys = Vec::new();
    remote
        .for_each_key_history(bucket, folder, |h| {
            keys.extend(deleted_file(&h, "").map(|f| f.key));
            ControlFlow::Continue(())
        })
        .await?;
    Ok(keys)
}

/// Brings deleted files back: each file's newest content becomes its current version again.
/// A key that is no longer deleted (someone brought it back or wrote it) is left and reported.
/// A key ending with `/` stands for a deleted folder: every deleted file under it comes back.
pub async fn restore_deleted(remote: &Remote, bucket: &str, keys: &[String]) -> Result<RestoreReport> {
    let chosen = crate::prefix::validate_keys(keys)?;
    require_versions(remote, bucket, "").await?;
    require_versioning_on(remote, bucket).await?;
    let mut keys = Vec::with_capacity(chosen.len());
    for key in chosen {
        if key.ends_with('/') {
            keys.extend(deleted_under(remote, bucket, &key).await?);
        } else {
            keys.push(key);
        }
    }
    keys.sort();
    keys.dedup();
    let mut report = RestoreReport::default();
    for key in &keys {
        // One key that cannot be read is reported; the others still come back.
        let h = match remote.key_history(bucket, key).await {
            Ok(h) => h,
            Err(e) => {
                report.failed.push(super::folder::LeftAlone {
                    key: key.clone(),
                    reason: e.user_message(),
                });
                continue;
            }
        };
        let Some(last) = h.versions.iter().find(|v| !v.deleted) else {
            report.left.push(super::folder::LeftAlone {
                key: key.clone(),
                reason: "There is no earlier content to bring back.".into(),
            });
            continue;
        };
        if deleted_file(&h, "").is_none() {
            report.left.push(super::folder::LeftAlone {
                key: key.clone(),
                reason: "It is not deleted any more.".into(),
            });
            continue;
        }
        let step = RestoreStep {
            key: key.clone(),
            action: RestoreAction::BringBack {
                version_id: last.version_id.clone(),
                size: last.size,
            },
            planned_on: top_version(&h.versions).map(str::to_owned),
        };
        let outcome = apply(remote, bucket, &step).await;
        record(&mut report, &step, outcome);
    }
    Ok(report)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::remote::versions::VersionRecord;

    fn rec(id: &str, secs: i64, deleted: bool, latest: bool) -> VersionRecord {
        VersionRecord {
            key: "f/a.txt".into(),
            version_id: id.into(),
            modified: DateTime::from_timestamp(1_800_000_000 + secs, 0).unwrap(),
            size: if deleted { 0 } else { 7 },
            etag: if deleted { String::new() } else { "e".into() },
            is_latest: latest,
            deleted,
        }
    }

    #[test]
    fn a_file_is_recently_deleted_when_a_delete_marker_is_on_top_of_some_content() {
        let h = |versions| KeyHistory {
            key: "f/a.txt".into(),
            versions,
        };
        let gone = deleted_file(&h(vec![rec("2", 20, true, true), rec("1", 10, false, false)]), "f/").unwrap();
        assert_eq!((gone.name.as_str(), gone.size), ("a.txt", 7));
        assert_eq!(gone.deleted_at.timestamp(), 1_800_000_020);
        assert_eq!(deleted_file(&h(vec![rec("1", 10, false, true)]), "f/"), None, "current");
        assert_eq!(
            deleted_file(&h(vec![rec("2", 20, true, true)]), "f/"),
            None,
            "nothing to bring back"
        );
    }
}

//! A bucket folder's history against the store: its tree at a moment, its timeline, what
//! changed between two moments, and restoring it (in place, or into a local folder).
//!
//! A restore in place never destroys a version: old content comes back as a new version (a
//! server-side copy) and keys that did not exist get a delete marker, so the restore is itself one
//! more moment that can be restored away. A key someone else changes during the restore is left
//! to them and reported.

use std::ops::ControlFlow;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use tokio::task::JoinSet;

use super::model::{
    change_between, live_at, restore_step, top_version, Change, ChangePoint, RestoreAction, RestoreStep, Timeline,
};
use crate::core::local_name::{join_under, local_rel, NameRules};
use crate::error::{Error, Result};
use crate::remote::versions::VersionRecord;
use crate::remote::{Remote, Versioning};

/// Keys restored at once (each costs a few requests; the store copies the bytes).
const PARALLEL_STEPS: usize = 8;

/// One file of a folder as it was at a moment.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "camelCase")]
pub struct FileAt {
    /// Its key.
    pub key: String,
    /// The version it showed.
    pub version_id: String,
    /// Its size.
    pub size: u64,
    /// When that version was written.
    pub modified: DateTime<Utc>,
}

/// What a restore did, or would do with `dry_run`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "camelCase")]
pub struct RestoreReport {
    /// Keys put back as they were (or, into a folder, files written).
    pub restored: Vec<String>,
    /// Keys that did not exist at the moment and got a delete marker (in place only).
    pub removed: Vec<String>,
    /// Keys left as they are, each with the reason (changed by someone else meanwhile, a local
    /// file already there, a name this system cannot use).
    pub left: Vec<LeftAlone>,
    /// Keys that failed, each with the error in words.
    pub failed: Vec<LeftAlone>,
}

/// A key a restore did not touch, and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "camelCase")]
pub struct LeftAlone {
    /// The key.
    pub key: String,
    /// Why, in words.
    pub reason: String,
}

/// The sentence for a bucket without a history.
fn no_history(bucket: &str) -> Error {
    Error::InvalidInput(format!(
        "“{bucket}” does not keep earlier versions of files (versioning is off, or this store does not offer it), \
         so there is no history to show or restore. Turning versioning on keeps one from then on."
    ))
}

/// Checks the bucket and folder names (they may come from the window, which is not trusted) and
/// that `bucket` has a history to read: versions kept now, or kept once (suspended).
pub async fn require_versions(remote: &Remote, bucket: &str, prefix: &str) -> Result<()> {
    crate::connections::validate_bucket_name(bucket)?;
    crate::prefix::folder_prefix(prefix)?;
    match remote.bucket_versioning(bucket).await? {
        Versioning::Enabled | Versioning::Suspended => Ok(()),
        Versioning::Off => Err(no_history(bucket)),
    }
}

/// Checks that `bucket` keeps versions now: a restore in place writes, and without versioning a
/// write would replace the only copy of what is there.
pub(super) async fn require_versioning_on(remote: &Remote, bucket: &str) -> Result<()> {
    match remote.bucket_versioning(bucket).await? {
        Versioning::Enabled => Ok(()),
        Versioning::Suspended => Err(Error::InvalidInput(format!(
            "“{bucket}” no longer keeps new versions of files (versioning is suspended), so restoring in place would \
             overwrite files for good. Its history can still be read, or restored into a folder on this computer; \
             turn versioning back on to restore in place."
        ))),
        Versioning::Off => Err(no_history(bucket)),
    }
}

/// Calls `on_file` with each file under `prefix` as it was at `at`, in key order.
pub async fn files_at(
    remote: &Remote,
    bucket: &str,
    prefix: &str,
    at: DateTime<Utc>,
    mut on_file: impl FnMut(FileAt),
) -> Result<()> {
    require_versions(remote, bucket, prefix).await?;
    remote
        .for_each_key_history(bucket, prefix, |h| {
            if let Some(v) = live_at(&h.versions, Some(at)) {
                on_file(file_at(v));
            }
            ControlFlow::Continue(())
        })
        .await
}

fn file_at(v: &VersionRecord) -> FileAt {
    FileAt {
        key: v.key.clone(),
        version_id: v.version_id.clone(),
        size: v.size,
        modified: v.modified,
    }
}

/// The moments the folder changed, oldest first.
pub async fn timeline(remote: &Remote, bucket: &str, prefix: &str) -> Result<Vec<ChangePoint>> {
    require_versions(remote, bucket, prefix).await?;
    let mut line = Timeline::default();
    remote
        .for_each_key_history(bucket, prefix, |h| {
            line.add(&h);
            ControlFlow::Continue(())
        })
        .await?;
    Ok(line.points())
}

/// Calls `on_change` for each key that differs between `from` and `to` (`None` = now).
pub async fn changes(
    remote: &Remote,
    bucket: &str,
    prefix: &str,
    from: DateTime<Utc>,
    to: Option<DateTime<Utc>>,
    mut on_change: impl FnMut(Change),
) -> Result<()> {
    require_versions(remote, bucket, prefix).await?;
    remote
        .for_each_key_history(bucket, prefix, |h| {
            if let Some(c) = change_between(&h, Some(from), to) {
                on_change(c);
            }
            ControlFlow::Continue(())
        })
        .await
}

/// Makes the folder's current state equal its state at `at`, undoably (see the module docs).
/// With `dry_run`, only says what it would do.
pub async fn restore_in_place(
    remote: &Remote,
    bucket: &str,
    prefix: &str,
    at: DateTime<Utc>,
    dry_run: bool,
) -> Result<RestoreReport> {
    let plan = plan_restore(remote, bucket, prefix, at).await?;
    if dry_run {
        let mut report = RestoreReport::default();
        for step in &plan.steps {
            record(&mut report, step, Ok(StepOutcome::Done));
        }
        return Ok(report);
    }
    apply_restore(remote, plan).await
}

/// What a restore in place will change: one step per key that differs from the moment.
#[derive(Debug, Clone)]
pub struct RestorePlan {
    bucket: String,
    /// The keys to change, in key order (a key and a version id each, not the history).
    pub steps: Vec<RestoreStep>,
}

/// Reads the folder's history and plans a restore in place to `at`, changing nothing.
pub async fn plan_restore(remote: &Remote, bucket: &str, prefix: &str, at: DateTime<Utc>) -> Result<RestorePlan> {
    require_versions(remote, bucket, prefix).await?;
    require_versioning_on(remote, bucket).await?;
    let mut steps: Vec<RestoreStep> = Vec::new();
    remote
        .for_each_key_history(bucket, prefix, |h| {
            // Folder markers ("photos/") come back or go like files; they hold no content.
            steps.extend(restore_step(&h, at));
            ControlFlow::Continue(())
        })
        .await?;
    Ok(RestorePlan {
        bucket: bucket.to_owned(),
        steps,
    })
}

/// Reads the folder's history once for both the preview and the plan: calls `on_change` for each
/// key a restore to `at` would change (in the words of [`changes`]) and returns the plan that
/// makes exactly those changes. Applied later, a key changed after the preview is left alone and
/// reported, so nothing the user was not shown is restored away.
pub async fn preview_restore(
    remote: &Remote,
    bucket: &str,
    prefix: &str,
    at: DateTime<Utc>,
    mut on_change: impl FnMut(Change),
) -> Result<RestorePlan> {
    require_versions(remote, bucket, prefix).await?;
    let mut steps: Vec<RestoreStep> = Vec::new();
    remote
        .for_each_key_history(bucket, prefix, |h| {
            if let Some(step) = restore_step(&h, at) {
                if let Some(c) = change_between(&h, Some(at), None) {
                    on_change(c);
                }
                steps.push(step);
            }
            ControlFlow::Continue(())
        })
        .await?;
    Ok(RestorePlan {
        bucket: bucket.to_owned(),
        steps,
    })
}

impl RestorePlan {
    /// The bucket it restores in.
    pub fn bucket(&self) -> &str {
        &self.bucket
    }
}

/// Carries out a plan, a few keys at a time; a key changed since it was planned is left alone
/// and reported.
pub async fn apply_restore(remote: &Remote, plan: RestorePlan) -> Result<RestoreReport> {
    // The plan may be old: versioning must still be on before anything is written.
    require_versioning_on(remote, &plan.bucket).await?;
    let mut report = RestoreReport::default();
    let remote = Arc::new(remote.clone());
    let bucket: Arc<str> = plan.bucket.into();
    let mut running: JoinSet<(RestoreStep, Result<StepOutcome>)> = JoinSet::new();
    let mut pending = plan.steps.into_iter();
    let mut stopped = false;
    loop {
        while running.len() < PARALLEL_STEPS && !stopped {
            let Some(step) = pending.next() else { break };
            let (remote, bucket) = (remote.clone(), bucket.clone());
            running.spawn(async move {
                let outcome = apply(&remote, &bucket, &step).await;
                (step, outcome)
            });
        }
        let Some(done) = running.join_next().await else { break };
        match done {
            Ok((step, outcome)) => {
                stopped |= matches!(outcome, Ok(StepOutcome::Stop(_)));
                record(&mut report, &step, outcome);
            }
            Err(e) => {
                return Err(Error::Io {
                    context: "run a restore step".into(),
                    source: std::io::Error::other(e.to_string()),
                })
            }
        }
    }
    report.restored.sort();
    report.removed.sort();
    report.left.sort_by(|a, b| a.key.cmp(&b.key));
    report.failed.sort_by(|a, b| a.key.cmp(&b.key));
    Ok(report)
}

/// How one restore step ended.
pub(crate) enum StepOutcome {
    /// Done as planned.
    Done,
    /// Someone else changed the key; it was left to them.
    LeftToOthers(String),
    /// Nothing more may be written (the bucket stopped keeping versions): this key is reported
    /// and the restore stops.
    Stop(String),
}

pub(super) fn record(report: &mut RestoreReport, step: &RestoreStep, outcome: Result<StepOutcome>) {
    let key = step.key.clone();
    match outcome {
        Ok(StepOutcome::Done) => match step.action {
            RestoreAction::BringBack { .. } => report.restored.push(key),
            RestoreAction::Remove => report.removed.push(key),
        },
        Ok(StepOutcome::LeftToOthers(reason)) => report.left.push(LeftAlone { key, reason }),
        Ok(StepOutcome::Stop(reason)) => report.failed.push(LeftAlone { key, reason }),
        Err(e) => report.failed.push(LeftAlone {
            key,
            reason: e.user_message(),
        }),
    }
}

/// Applies one step: only if the key still shows what the plan saw, and taken back if someone
/// else's write landed between that check and this write.
pub(crate) async fn apply(remote: &Remote, bucket: &str, step: &RestoreStep) -> Result<StepOutcome> {
    let before = remote.key_history(bucket, &step.key).await?;
    if top_version(&before.versions) != step.planned_on.as_deref() {
        return Ok(StepOutcome::LeftToOthers(
            "It changed after the restore began, so the newer change was kept.".into(),
        ));
    }
    let ours = match &step.action {
        RestoreAction::BringBack { version_id, .. } => {
            remote.restore_version(bucket, &step.key, version_id).await?.version_id
        }
        RestoreAction::Remove => remote.put_delete_marker(bucket, &step.key).await?,
    };
    // Without a version id of its own, the write replaced the key's "null" version: the bucket
    // stopped keeping versions. Nothing more may be written.
    let Some(ours) = ours.filter(|id| id != "null") else {
        return Ok(StepOutcome::Stop(
            "The bucket stopped keeping versions during the restore, so Pail stopped before changing anything else."
                .into(),
        ));
    };
    // A store that ignores conditions, or a write in the instant between the check and ours:
    // read the key's history again and compare. The write is done; if this read fails, the step
    // still counts as done.
    let after = match remote.key_history(bucket, &step.key).await {
        Ok(after) => after,
        Err(e) => {
            tracing::warn!(key = %step.key, "could not check a restore step afterwards: {e}");
            return Ok(StepOutcome::Done);
        }
    };
    let known: std::collections::HashSet<&str> = before.versions.iter().map(|v| v.version_id.as_str()).collect();
    let theirs: Vec<&VersionRecord> = after
        .versions
        .iter()
        .filter(|v| !known.contains(v.version_id.as_str()) && v.version_id != ours)
        .collect();
    let Some(their_newest) = theirs.first() else {
        return Ok(StepOutcome::Done);
    };
    if top_version(&after.versions) != Some(ours.as_str()) {
        return Ok(StepOutcome::LeftToOthers(
            "Someone else changed it right after the restore, so their change is the current one.".into(),
        ));
    }
    // Ours went on top of someone else's write: take ours back, so theirs is current again.
    match remote.delete_own_version(bucket, &step.key, &ours).await {
        Ok(()) => {
            tracing::info!(key = %step.key, "a restore step landed on another writer's change and was taken back");
            Ok(StepOutcome::LeftToOthers(
                "Someone else changed it during the restore, so their change was kept.".into(),
            ))
        }
        // No permission to remove a version (or object lock): put theirs back on top instead.
        Err(e) => {
            tracing::warn!(key = %step.key, "could not take back a restore step ({e}); putting the other change back on top");
            if their_newest.deleted {
                remote.put_delete_marker(bucket, &step.key).await?;
            } else {
                remote
                    .restore_version(bucket, &step.key, &their_newest.version_id)
                    .await?;
            }
            Ok(StepOutcome::LeftToOthers(
                "Someone else changed it during the restore; Pail put their change back on top (the restored copy stays in the history)."
                    .into(),
            ))
        }
    }
}

/// Writes the folder as it was at `at` into the local folder `dir` (created if missing). An
/// existing file is never replaced: it is reported and left as it is.
pub async fn restore_to_dir(
    remote: &Remote,
    bucket: &str,
    prefix: &str,
    at: DateTime<Utc>,
    dir: &Path,
    dry_run: bool,
) -> Result<RestoreReport> {
    let mut files: Vec<FileAt> = Vec::new();
    files_at(remote, bucket, prefix, at, |f| files.push(f)).await?;
    let mut report = RestoreReport::default();
    for f in files {
        let rel = f.key.strip_prefix(prefix).unwrap_or(&f.key);
        if rel.is_empty() {
            continue;
        }
        let dest = match local_path(dir, rel) {
            Ok(dest) => dest,
            Err(reason) => {
                report.left.push(LeftAlone { key: f.key, reason });
                continue;
            }
        };
        if tokio::fs::symlink_metadata(&dest).await.is_ok() {
            report.left.push(LeftAlone {
                key: f.key,
                reason: format!("{} already exists, so it was left as it is.", dest.display()),
            });
            continue;
        }
        if let Some(link) = linked_folder_on_the_way(dir, &dest).await {
            report.left.push(LeftAlone {
                key: f.key,
                reason: format!(
                    "{} is a link to another place, so nothing was written through it.",
                    link.display()
                ),
            });
            continue;
        }
        if dry_run {
            report.restored.push(f.key);
            continue;
        }
        // A folder marker ("photos/") becomes an empty folder.
        let written = if rel.ends_with('/') {
            tokio::fs::create_dir_all(&dest).await.map_err(|source| Error::Io {
                context: format!("create the folder {}", dest.display()),
                source,
            })
        } else {
            remote
                .download_version_new(bucket, &f.key, &f.version_id, &dest)
                .await
                .map(|_| ())
        };
        match written {
            Ok(()) => report.restored.push(f.key),
            // Made meanwhile by someone else: theirs stays.
            Err(Error::Io { source, .. }) if source.kind() == std::io::ErrorKind::AlreadyExists => {
                report.left.push(LeftAlone {
                    key: f.key,
                    reason: format!("{} already exists, so it was left as it is.", dest.display()),
                });
            }
            Err(e) => report.failed.push(LeftAlone {
                key: f.key,
                reason: e.user_message(),
            }),
        }
    }
    Ok(report)
}

/// A folder between `dir` and `dest` that is a symbolic link: writing through it would put the
/// file somewhere else than the folder chosen.
async fn linked_folder_on_the_way(dir: &Path, dest: &Path) -> Option<PathBuf> {
    let below = dest.parent()?.strip_prefix(dir).ok()?;
    let mut at = dir.to_path_buf();
    for part in below.components() {
        at.push(part);
        match tokio::fs::symlink_metadata(&at).await {
            Ok(meta) if meta.file_type().is_symlink() => return Some(at),
            Ok(_) => {}
            // Not made yet: nothing below it exists either.
            Err(_) => return None,
        }
    }
    None
}

/// Where `rel` (a key below the folder) goes under `dir`, or why it cannot.
fn local_path(dir: &Path, rel: &str) -> std::result::Result<PathBuf, String> {
    let trimmed = rel.trim_end_matches('/');
    let rel_path = local_rel(trimmed, NameRules::HOST).map_err(|e| format!("It cannot be a file name here: {e}."))?;
    join_under(dir, &rel_path, NameRules::HOST).map_err(|e| format!("It cannot be a file name here: {e}."))
}

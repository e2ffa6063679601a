//! What a folder held at a moment, what changed between two moments, and what a restore must do
//! to one key: pure rules over a key's versions (newest first), tested without a store.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::remote::versions::{KeyHistory, VersionRecord};

/// The version a key showed at `at`: the newest one written at or before it, unless that one
/// records a deletion. `None` for `at` means now.
pub fn live_at(versions: &[VersionRecord], at: Option<DateTime<Utc>>) -> Option<&VersionRecord> {
    let shown = match at {
        None => versions.iter().find(|v| v.is_latest).or_else(|| versions.first()),
        Some(at) => versions.iter().find(|v| v.modified <= at),
    };
    shown.filter(|v| !v.deleted)
}

/// How a key differs between two moments.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub enum ChangeKind {
    /// It did not exist at the first moment and does at the second.
    Added,
    /// It existed at both with different content.
    Changed,
    /// It existed at the first moment and not at the second.
    Deleted,
}

/// One key's difference between two moments.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "camelCase")]
pub struct Change {
    /// The key.
    pub key: String,
    /// Added, changed or deleted.
    pub kind: ChangeKind,
    /// Its size at the first moment.
    pub size_before: Option<u64>,
    /// Its size at the second moment.
    pub size_after: Option<u64>,
}

/// How `history`'s key differs from moment `from` to moment `to` (`None` = now), if it does.
pub fn change_between(history: &KeyHistory, from: Option<DateTime<Utc>>, to: Option<DateTime<Utc>>) -> Option<Change> {
    let before = live_at(&history.versions, from);
    let after = live_at(&history.versions, to);
    let kind = match (before, after) {
        (None, None) => return None,
        (None, Some(_)) => ChangeKind::Added,
        (Some(_), None) => ChangeKind::Deleted,
        (Some(b), Some(a)) if same_content(b, a) => return None,
        (Some(_), Some(_)) => ChangeKind::Changed,
    };
    Some(Change {
        key: history.key.clone(),
        kind,
        size_before: before.map(|v| v.size),
        size_after: after.map(|v| v.size),
    })
}

/// The same version, or a copy of it (a restore writes a new version with the same content and
/// ETag as the old one).
fn same_content(a: &VersionRecord, b: &VersionRecord) -> bool {
    a.version_id == b.version_id || (!a.etag.is_empty() && a.etag == b.etag && a.size == b.size)
}

/// What a restore does to one key.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(tag = "kind", rename_all = "camelCase")]
pub enum RestoreAction {
    /// Copy this earlier version back as the current one.
    #[serde(rename_all = "camelCase")]
    BringBack {
        /// The version to copy.
        version_id: String,
        /// Its size.
        size: u64,
    },
    /// Put a delete marker on the key: it did not exist at the moment restored to.
    Remove,
}

/// One key's part of a restore, with what the key showed when it was planned.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RestoreStep {
    /// The key.
    pub key: String,
    /// What to do.
    pub action: RestoreAction,
    /// The version id on top of the key when planned (a version or a delete marker), so a change
    /// made since is noticed instead of overwritten.
    pub planned_on: Option<String>,
}

/// What restoring `history`'s key to moment `at` takes; `None` when it already shows that.
pub fn restore_step(history: &KeyHistory, at: DateTime<Utc>) -> Option<RestoreStep> {
    let target = live_at(&history.versions, Some(at));
    let now = live_at(&history.versions, None);
    let action = match (target, now) {
        (None, None) => return None,
        (Some(t), Some(n)) if same_content(t, n) => return None,
        (Some(t), _) => RestoreAction::BringBack {
            version_id: t.version_id.clone(),
            size: t.size,
        },
        (None, Some(_)) => RestoreAction::Remove,
    };
    Some(RestoreStep {
        key: history.key.clone(),
        action,
        planned_on: top_version(&history.versions).map(str::to_owned),
    })
}

/// What undoing one change a sync made to a key takes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum UndoStep {
    /// Apply this restore step (it brings the earlier version back as the current one).
    Apply(RestoreStep),
    /// The key changed again since; the newer change stays.
    ChangedSince,
    /// No earlier version exists: the change added the key.
    NothingBefore,
    /// The change or the version it replaced is no longer in the history (expired).
    Gone,
}

/// How to undo the change that left `left` (a version or delete marker) on top of `history`'s
/// key: bring back the version it replaced (the newest with `before_etag` where that is known,
/// else the entry right below it). Only while `left` is still on top.
pub fn undo_step(history: &KeyHistory, left: &str, before_etag: Option<&str>) -> UndoStep {
    let Some(at) = history.versions.iter().position(|v| v.version_id == left) else {
        return UndoStep::Gone;
    };
    if top_version(&history.versions) != Some(left) {
        return UndoStep::ChangedSince;
    }
    let target = match before_etag {
        // Looked up among all other versions: within one second the order is a guess.
        Some(etag) => match history
            .versions
            .iter()
            .find(|v| !v.deleted && v.version_id != left && v.etag == etag)
        {
            Some(found) => Some(found),
            None if history.versions.iter().any(|v| v.version_id != left && !v.deleted) => return UndoStep::Gone,
            None => None,
        },
        None => history.versions.get(at + 1).filter(|v| !v.deleted),
    };
    match target {
        Some(t) => UndoStep::Apply(RestoreStep {
            key: history.key.clone(),
            action: RestoreAction::BringBack {
                version_id: t.version_id.clone(),
                size: t.size,
            },
            planned_on: Some(left.to_owned()),
        }),
        None => UndoStep::NothingBefore,
    }
}

/// Removing a key again, only while `left` (the version a sync wrote there) is on top.
pub fn undo_new_key(history: &KeyHistory, left: &str) -> UndoStep {
    match top_version(&history.versions) {
        Some(top) if top == left => UndoStep::Apply(RestoreStep {
            key: history.key.clone(),
            action: RestoreAction::Remove,
            planned_on: Some(left.to_owned()),
        }),
        Some(_) if history.versions.iter().any(|v| v.version_id == left) => UndoStep::ChangedSince,
        _ => UndoStep::Gone,
    }
}

/// The version id on top of a key's history (its current version or delete marker).
pub fn top_version(versions: &[VersionRecord]) -> Option<&str> {
    versions
        .iter()
        .find(|v| v.is_latest)
        .or_else(|| versions.first())
        .map(|v| v.version_id.as_str())
}

/// The moments a folder changed: each second in which at least one version or delete marker was
/// written, with how many. Kept as counts per second, so a long history costs one entry per
/// moment, not per version.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Timeline {
    points: BTreeMap<i64, u32>,
}

/// One moment of a timeline.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "camelCase")]
pub struct ChangePoint {
    /// The second it happened (restoring to it includes everything written in it).
    pub at: DateTime<Utc>,
    /// How many versions and deletions were written in that second.
    pub changes: u32,
}

impl Timeline {
    /// Counts a key's versions into the timeline.
    pub fn add(&mut self, history: &KeyHistory) {
        for v in &history.versions {
            *self.points.entry(v.modified.timestamp()).or_default() += 1;
        }
    }

    /// The moments, oldest first.
    pub fn points(&self) -> Vec<ChangePoint> {
        self.points
            .iter()
            .filter_map(|(secs, n)| {
                DateTime::from_timestamp(*secs, 0).map(|at| ChangePoint {
                    // The whole second: S3 keeps times to the second in listings.
                    at: at + chrono::Duration::milliseconds(999),
                    changes: *n,
                })
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(secs: i64) -> DateTime<Utc> {
        DateTime::from_timestamp(1_800_000_000 + secs, 0).unwrap()
    }

    fn v(id: &str, secs: i64, etag: &str, latest: bool) -> VersionRecord {
        VersionRecord {
            key: "k".into(),
            version_id: id.into(),
            modified: t(secs),
            size: etag.len() as u64,
            etag: etag.into(),
            is_latest: latest,
            deleted: false,
        }
    }

    fn dm(id: &str, secs: i64, latest: bool) -> VersionRecord {
        VersionRecord {
            deleted: true,
            etag: String::new(),
            size: 0,
            ..v(id, secs, "", latest)
        }
    }

    fn history(versions: Vec<VersionRecord>) -> KeyHistory {
        KeyHistory {
            key: "k".into(),
            versions,
        }
    }

    #[test]
    fn a_key_shows_the_newest_version_at_or_before_the_moment_unless_it_was_deleted() {
        // Written at 10, changed at 20, deleted at 30, written again at 40.
        let h = history(vec![
            v("4", 40, "dddd", true),
            dm("3", 30, false),
            v("2", 20, "bb", false),
            v("1", 10, "a", false),
        ]);
        assert_eq!(live_at(&h.versions, Some(t(5))), None);
        assert_eq!(
            live_at(&h.versions, Some(t(10))).map(|v| v.version_id.as_str()),
            Some("1")
        );
        assert_eq!(
            live_at(&h.versions, Some(t(25))).map(|v| v.version_id.as_str()),
            Some("2")
        );
        assert_eq!(live_at(&h.versions, Some(t(35))), None);
        assert_eq!(live_at(&h.versions, None).map(|v| v.version_id.as_str()), Some("4"));
    }

    #[test]
    fn changes_between_moments_name_added_changed_and_deleted_keys_with_sizes() {
        let h = history(vec![
            v("4", 40, "dddd", true),
            dm("3", 30, false),
            v("2", 20, "bb", false),
            v("1", 10, "a", false),
        ]);
        let kind = |from, to| change_between(&h, from, to).map(|c| (c.kind, c.size_before, c.size_after));
        assert_eq!(kind(Some(t(5)), Some(t(15))), Some((ChangeKind::Added, None, Some(1))));
        assert_eq!(
            kind(Some(t(15)), Some(t(25))),
            Some((ChangeKind::Changed, Some(1), Some(2)))
        );
        assert_eq!(
            kind(Some(t(25)), Some(t(35))),
            Some((ChangeKind::Deleted, Some(2), None))
        );
        assert_eq!(kind(Some(t(20)), Some(t(25))), None);
        assert_eq!(kind(Some(t(31)), Some(t(39))), None);
        assert_eq!(kind(Some(t(35)), None), Some((ChangeKind::Added, None, Some(4))));
    }

    #[test]
    fn a_restored_copy_is_the_same_content_as_the_version_it_came_from() {
        // Version 1 was copied back at 50 (same ETag, new id): nothing differs from 10 to now.
        let h = history(vec![
            v("5", 50, "a", true),
            v("2", 20, "bb", false),
            v("1", 10, "a", false),
        ]);
        assert_eq!(change_between(&h, Some(t(10)), None), None);
        assert_eq!(restore_step(&h, t(15)), None);
    }

    #[test]
    fn a_restore_brings_back_old_content_removes_what_was_not_there_and_leaves_the_rest() {
        let h = history(vec![v("2", 20, "bb", true), v("1", 10, "a", false)]);
        let step = restore_step(&h, t(15)).unwrap();
        assert_eq!(
            step.action,
            RestoreAction::BringBack {
                version_id: "1".into(),
                size: 1
            }
        );
        assert_eq!(step.planned_on.as_deref(), Some("2"));
        assert_eq!(restore_step(&h, t(5)).unwrap().action, RestoreAction::Remove);
        assert_eq!(restore_step(&h, t(25)), None);
        // Deleted now, existed then: bring it back; the plan notes the delete marker on top.
        let gone = history(vec![dm("2", 20, true), v("1", 10, "a", false)]);
        let step = restore_step(&gone, t(15)).unwrap();
        assert_eq!(
            step.action,
            RestoreAction::BringBack {
                version_id: "1".into(),
                size: 1
            }
        );
        assert_eq!(step.planned_on.as_deref(), Some("2"));
        // Deleted now and absent then: nothing to do.
        assert_eq!(restore_step(&gone, t(5)), None);
    }

    #[test]
    fn the_timeline_counts_changes_per_second() {
        let mut line = Timeline::default();
        line.add(&history(vec![v("2", 20, "bb", true), v("1", 10, "a", false)]));
        line.add(&history(vec![dm("3", 20, true)]));
        let points = line.points();
        assert_eq!(points.len(), 2);
        assert_eq!(points[0].changes, 1);
        assert_eq!(points[1].changes, 2);
        // A moment includes its whole second.
        assert!(points[1].at >= t(20) && points[1].at < t(21));
    }
    fn bring_back(id: &str, on: &str) -> UndoStep {
        UndoStep::Apply(RestoreStep {
            key: "k".into(),
            action: RestoreAction::BringBack {
                version_id: id.into(),
                size: 4,
            },
            planned_on: Some(on.into()),
        })
    }

    #[test]
    fn undoing_an_overwrite_brings_back_the_replaced_version_while_the_overwrite_is_on_top() {
        let h = history(vec![
            v("3", 30, "cccc", true),
            v("2", 20, "bbbb", false),
            v("1", 10, "aaaa", false),
        ]);
        assert_eq!(undo_step(&h, "3", Some("bbbb")), bring_back("2", "3"));
        // Known ETag wins over order (order within a second is a guess).
        assert_eq!(undo_step(&h, "3", Some("aaaa")), bring_back("1", "3"));
        // Unknown ETag: the entry right below.
        assert_eq!(undo_step(&h, "3", None), bring_back("2", "3"));
        // Someone wrote after the sync: theirs stays.
        assert_eq!(undo_step(&h, "2", Some("aaaa")), UndoStep::ChangedSince);
        // The replaced version expired.
        assert_eq!(undo_step(&h, "3", Some("zzzz")), UndoStep::Gone);
        assert_eq!(undo_step(&h, "9", None), UndoStep::Gone);
    }

    #[test]
    fn undoing_a_deletion_brings_back_the_deleted_version() {
        let h = history(vec![
            dm("m", 30, true),
            v("2", 30, "bbbb", false),
            v("1", 10, "aaaa", false),
        ]);
        assert_eq!(undo_step(&h, "m", Some("bbbb")), bring_back("2", "m"));
        assert_eq!(undo_step(&h, "m", None), bring_back("2", "m"));
    }

    #[test]
    fn a_change_with_nothing_before_it_has_nothing_to_bring_back() {
        let first = history(vec![v("1", 10, "aaaa", true)]);
        assert_eq!(undo_step(&first, "1", None), UndoStep::NothingBefore);
        let after_delete = history(vec![
            v("2", 20, "bbbb", true),
            dm("m", 15, false),
            v("1", 10, "aaaa", false),
        ]);
        assert_eq!(undo_step(&after_delete, "2", None), UndoStep::NothingBefore);
    }

    #[test]
    fn a_key_a_sync_added_is_removed_only_while_that_version_is_on_top() {
        let h = history(vec![v("2", 20, "bbbb", true), v("1", 10, "aaaa", false)]);
        assert!(matches!(
            undo_new_key(&h, "2"),
            UndoStep::Apply(RestoreStep {
                action: RestoreAction::Remove,
                ..
            })
        ));
        assert_eq!(undo_new_key(&h, "1"), UndoStep::ChangedSince);
        assert_eq!(undo_new_key(&h, "7"), UndoStep::Gone);
    }
}

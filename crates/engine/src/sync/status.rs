//! The rules that turn pair statuses into what the desktop shows beside the window: one picture
//! for all pairs (the tray icon), which changes deserve a desktop notification and in what words,
//! and the short lines of "Recent activity". Pure functions, so the shell only displays them.

use super::manager::{ActivityEntry, PairState, PairStatus};

/// The one state all pairs together are in, as the tray icon shows it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OverallState {
    /// Everything up to date (or nothing to sync).
    Idle,
    /// At least one folder is transferring.
    Syncing,
    /// Every folder is paused.
    Paused,
    /// At least one folder is offline or needs attention.
    Attention,
}

/// The overall state of a set of pair statuses: trouble first, then activity, then pause.
pub fn overall_state<'a>(statuses: impl Iterator<Item = &'a PairStatus>) -> OverallState {
    let mut any = false;
    let (mut syncing, mut all_paused) = (false, true);
    for s in statuses {
        any = true;
        match s.state {
            PairState::Offline | PairState::NeedsAttention => return OverallState::Attention,
            PairState::Syncing | PairState::Starting => syncing = true,
            _ => {}
        }
        all_paused &= s.state == PairState::Paused;
    }
    if syncing {
        OverallState::Syncing
    } else if any && all_paused {
        OverallState::Paused
    } else {
        OverallState::Idle
    }
}

/// A desktop notification: its title (with `{folder}` standing for the folder's name) and body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Notification {
    /// The title, with `{folder}` where the folder's name goes.
    pub title: String,
    /// The body.
    pub body: String,
}

/// The notification a status change deserves, if any. Each trouble is announced once, when it
/// starts; conflicts only when new ones appear after the first status.
pub fn notification_for(previous: Option<&PairStatus>, now: &PairStatus) -> Option<Notification> {
    let was = |state: PairState| previous.is_some_and(|p| p.state == state);
    let say = |title: &str, body: String| {
        Some(Notification {
            title: title.to_owned(),
            body,
        })
    };
    if now.deletions_held && !previous.is_some_and(|p| p.deletions_held) {
        return say(
            "Pail held back deletions in {folder}",
            now.message
                .clone()
                .unwrap_or_else(|| "Many files would be deleted. Open Pail to check and confirm.".into()),
        );
    }
    if now.state == PairState::NeedsAttention && !was(PairState::NeedsAttention) && !now.deletions_held {
        return say("{folder} needs your attention", now.message.clone().unwrap_or_default());
    }
    if now.state == PairState::Offline && !was(PairState::Offline) {
        return say(
            "{folder} is offline",
            now.message
                .clone()
                .unwrap_or_else(|| "Pail cannot reach the bucket; it keeps retrying.".into()),
        );
    }
    let before = previous.map_or(0, |p| p.conflicts);
    if now.conflicts > before && previous.is_some() {
        return say(
            "Conflict in {folder}",
            "A file was changed here and elsewhere at the same time. Both versions were kept; open Pail to choose."
                .into(),
        );
    }
    None
}

/// A folder's name as its owner calls it: the last part of its path.
pub fn folder_name(root: &str) -> String {
    std::path::Path::new(root)
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| root.to_owned())
}

/// One "Recent activity" menu line: what happened and to which file ("Uploaded: report.pdf").
pub fn activity_line(a: &ActivityEntry) -> String {
    let name = a.path.trim_end_matches('/').rsplit('/').next().unwrap_or(&a.path);
    format!("{}: {name}", a.action.verb())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::activity::ActivityKind;

    fn status(state: PairState) -> PairStatus {
        PairStatus {
            pair_id: "p".into(),
            state,
            done: 0,
            total: 0,
            message: Some("why".into()),
            detail: None,
            error_code: None,
            deletions_held: false,
            conflicts: 0,
            last_synced: None,
        }
    }

    #[test]
    fn trouble_wins_over_activity_and_pause() {
        let all = [
            status(PairState::Syncing),
            status(PairState::Offline),
            status(PairState::Paused),
        ];
        assert_eq!(overall_state(all.iter()), OverallState::Attention);
        let busy = [status(PairState::UpToDate), status(PairState::Syncing)];
        assert_eq!(overall_state(busy.iter()), OverallState::Syncing);
        let paused = [status(PairState::Paused), status(PairState::Paused)];
        assert_eq!(overall_state(paused.iter()), OverallState::Paused);
        let mixed = [status(PairState::Paused), status(PairState::UpToDate)];
        assert_eq!(overall_state(mixed.iter()), OverallState::Idle);
        assert_eq!(overall_state([].iter()), OverallState::Idle);
    }

    #[test]
    fn each_trouble_is_announced_once() {
        let offline = status(PairState::Offline);
        assert!(notification_for(Some(&status(PairState::UpToDate)), &offline).is_some());
        assert!(notification_for(Some(&offline), &offline).is_none());
        let attention = status(PairState::NeedsAttention);
        assert!(notification_for(Some(&offline), &attention).is_some());
        assert!(notification_for(Some(&attention), &attention).is_none());
        let mut held = status(PairState::NeedsAttention);
        held.deletions_held = true;
        let title = notification_for(Some(&attention), &held)
            .map(|n| n.title)
            .unwrap_or_default();
        assert!(title.contains("deletions"), "{title}");
        assert!(notification_for(Some(&held), &held).is_none());
    }

    #[test]
    fn new_conflicts_are_announced_but_not_those_found_at_start() {
        let mut with_one = status(PairState::UpToDate);
        with_one.conflicts = 1;
        assert!(notification_for(None, &with_one).is_none());
        assert!(notification_for(Some(&status(PairState::Syncing)), &with_one).is_some());
        assert!(notification_for(Some(&with_one), &with_one).is_none());
    }

    #[test]
    fn activity_lines_name_the_file() {
        let a = ActivityEntry {
            id: 1,
            pair_id: "p".into(),
            at: String::new(),
            path: "docs/report.pdf".into(),
            action: ActivityKind::Upload,
            summary: ActivityKind::Upload.summary().into(),
            detail: String::new(),
            pass_id: None,
            can_undo: false,
            undone: false,
        };
        assert_eq!(activity_line(&a), "Uploaded: report.pdf");
        assert_eq!(folder_name("/home/u/Photos"), "Photos");
    }
}

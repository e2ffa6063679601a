//! Local paths the user chose, handed to the window as opaque grants.
//!
//! The web UI is not trusted with the disk: a script in the window (a rendered file name that
//! slipped past escaping, say) must not be able to upload `~/.ssh` or download into
//! `~/.config/autostart`. So the file pickers run in Rust and desktop drops are caught in Rust;
//! each choice becomes a grant with a random id, bound to what it was chosen for, and the commands
//! that touch the disk take a grant id instead of a path. The window sees the paths (to show
//! them) but cannot make new ones.

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use serde::{Deserialize, Serialize};

/// What a chosen path may be used for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
pub enum GrantPurpose {
    /// Files and folders to upload (picked or dropped).
    Upload,
    /// A folder to download into.
    DownloadTo,
    /// A folder to keep in sync with a bucket folder.
    SyncFolder,
}

/// A choice of local paths, as the window sees it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct PathGrant {
    /// The opaque id the commands take.
    pub id: String,
    /// What the grant may be used for.
    pub purpose: GrantPurpose,
    /// The chosen paths, for showing only.
    pub paths: Vec<String>,
}

struct Entry {
    purpose: GrantPurpose,
    paths: Vec<PathBuf>,
    issued: Instant,
}

/// How long a choice stays usable: long enough for a clash question left open over lunch, short
/// enough that an id seen once is not a key to the disk for the rest of the session.
const LIFETIME: Duration = Duration::from_secs(60 * 60);
/// The most grants kept at once; the oldest goes first.
const MAX_GRANTS: usize = 256;

/// The grants issued in this run of the app.
#[derive(Default)]
pub struct PathGrants {
    entries: Mutex<HashMap<String, Entry>>,
}

/// Why a grant id was not accepted.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum GrantError {
    /// Unknown, expired or used up.
    #[error("this choice of files is no longer valid; choose them again")]
    Unknown,
    /// Issued for something else (a download folder offered as an upload, say).
    #[error("this choice of files was made for something else; choose them again")]
    WrongPurpose,
}

impl From<GrantError> for pail_engine::Error {
    fn from(e: GrantError) -> Self {
        let sentence = match e {
            GrantError::Unknown => "Pail no longer knows which files you chose. Choose them again.",
            GrantError::WrongPurpose => "These files were chosen for something else. Choose them again.",
        };
        pail_engine::Error::InvalidInput(sentence.into())
    }
}

impl PathGrants {
    /// Records a choice the user made through a picker or a drop; `None` when nothing was chosen.
    pub fn issue(&self, purpose: GrantPurpose, paths: Vec<PathBuf>) -> Option<PathGrant> {
        self.issue_at(purpose, paths, Instant::now())
    }

    fn issue_at(&self, purpose: GrantPurpose, paths: Vec<PathBuf>, now: Instant) -> Option<PathGrant> {
        // Pickers and drops give absolute paths; anything else did not come from them.
        if paths.is_empty() || paths.iter().any(|p| !p.is_absolute()) {
            return None;
        }
        let id = uuid::Uuid::new_v4().simple().to_string();
        let shown = paths.iter().map(|p| p.to_string_lossy().into_owned()).collect();
        let mut map = self.entries.lock().unwrap_or_else(|e| e.into_inner());
        map.retain(|_, e| now.saturating_duration_since(e.issued) < LIFETIME);
        while map.len() >= MAX_GRANTS {
            let Some(oldest) = map.iter().min_by_key(|(_, e)| e.issued).map(|(k, _)| k.clone()) else {
                break;
            };
            map.remove(&oldest);
        }
        map.insert(
            id.clone(),
            Entry {
                purpose,
                paths,
                issued: now,
            },
        );
        Some(PathGrant {
            id,
            purpose,
            paths: shown,
        })
    }

    /// The paths behind a grant, if it is live and was issued for `purpose`.
    pub fn paths(&self, id: &str, purpose: GrantPurpose) -> Result<Vec<PathBuf>, GrantError> {
        self.paths_at(id, purpose, Instant::now())
    }

    fn paths_at(&self, id: &str, purpose: GrantPurpose, now: Instant) -> Result<Vec<PathBuf>, GrantError> {
        let map = self.entries.lock().unwrap_or_else(|e| e.into_inner());
        let entry = map.get(id).ok_or(GrantError::Unknown)?;
        if now.saturating_duration_since(entry.issued) >= LIFETIME {
            return Err(GrantError::Unknown);
        }
        if entry.purpose != purpose {
            return Err(GrantError::WrongPurpose);
        }
        Ok(entry.paths.clone())
    }

    /// The one folder behind a grant for a single folder.
    pub fn folder(&self, id: &str, purpose: GrantPurpose) -> Result<PathBuf, GrantError> {
        let mut paths = self.paths(id, purpose)?;
        match (paths.pop(), paths.is_empty()) {
            (Some(one), true) => Ok(one),
            _ => Err(GrantError::WrongPurpose),
        }
    }

    /// Ends a grant once its job is queued, so the id cannot be replayed.
    pub fn revoke(&self, id: &str) {
        self.entries.lock().unwrap_or_else(|e| e.into_inner()).remove(id);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn abs(p: &str) -> PathBuf {
        std::env::temp_dir().join(p)
    }

    #[test]
    fn a_grant_gives_back_exactly_its_paths_for_its_purpose() {
        let grants = PathGrants::default();
        let g = grants
            .issue(GrantPurpose::Upload, vec![abs("a"), abs("b")])
            .expect("issued");
        assert_eq!(g.paths.len(), 2);
        assert_eq!(grants.paths(&g.id, GrantPurpose::Upload), Ok(vec![abs("a"), abs("b")]));
        assert_eq!(
            grants.paths(&g.id, GrantPurpose::DownloadTo),
            Err(GrantError::WrongPurpose)
        );
        assert_eq!(
            grants.folder(&g.id, GrantPurpose::Upload),
            Err(GrantError::WrongPurpose)
        );
    }

    #[test]
    fn unknown_revoked_and_expired_grants_are_refused() {
        let grants = PathGrants::default();
        assert_eq!(
            grants.paths("/home/me/.ssh", GrantPurpose::Upload),
            Err(GrantError::Unknown)
        );
        let now = Instant::now();
        let g = grants
            .issue_at(GrantPurpose::SyncFolder, vec![abs("f")], now)
            .expect("issued");
        assert_eq!(grants.folder(&g.id, GrantPurpose::SyncFolder), Ok(abs("f")));
        assert_eq!(
            grants.paths_at(&g.id, GrantPurpose::SyncFolder, now + LIFETIME),
            Err(GrantError::Unknown)
        );
        grants.revoke(&g.id);
        assert_eq!(grants.folder(&g.id, GrantPurpose::SyncFolder), Err(GrantError::Unknown));
    }

    #[test]
    fn empty_or_relative_choices_grant_nothing() {
        let grants = PathGrants::default();
        assert!(grants.issue(GrantPurpose::Upload, vec![]).is_none());
        assert!(grants
            .issue(GrantPurpose::Upload, vec![PathBuf::from("relative/x")])
            .is_none());
    }

    #[test]
    fn the_oldest_grant_makes_room() {
        let grants = PathGrants::default();
        let now = Instant::now();
        let first = grants
            .issue_at(GrantPurpose::Upload, vec![abs("0")], now)
            .expect("issued");
        for i in 1..=MAX_GRANTS {
            grants.issue_at(
                GrantPurpose::Upload,
                vec![abs(&i.to_string())],
                now + Duration::from_millis(i as u64),
            );
        }
        assert_eq!(
            grants.paths_at(&first.id, GrantPurpose::Upload, now),
            Err(GrantError::Unknown)
        );
        assert_eq!(grants.entries.lock().map(|m| m.len()).unwrap_or(0), MAX_GRANTS);
    }
}

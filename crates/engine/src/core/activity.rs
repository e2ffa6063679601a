//! What a sync did to one path, as its activity feed and the tray's "Recent activity" say it.
//! The kinds are one typed list, stored in SQLite and sent to the UI under the same names, and
//! their words for people live here and nowhere else.

use serde::{Deserialize, Serialize};

/// One kind of line in a pair's activity feed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, sqlx::Type)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "kebab-case")]
#[sqlx(rename_all = "kebab-case")]
pub enum ActivityKind {
    /// A local file went up to the bucket.
    Upload,
    /// An object came down into the folder.
    Download,
    /// An object was deleted from the bucket (deleted locally).
    DeleteRemote,
    /// A local file went to the system trash (deleted in the bucket).
    TrashLocal,
    /// A file was moved (renamed) on one side to follow the other.
    Move,
    /// A file was copied on one side to follow the other.
    Copy,
    /// Both sides changed: both versions were kept.
    Conflict,
    /// A path could not be synced this pass (unreadable, odd name, ...).
    Warning,
    /// A path is left alone on purpose (see the detail).
    Skip,
    /// A folder was created in the bucket.
    MkdirRemote,
    /// A folder was created in the local folder.
    MkdirLocal,
    /// An empty local folder was removed (removed in the bucket).
    RmdirLocal,
    /// A change of an earlier sync was put back ("Undo" on that sync).
    PutBack,
}

impl ActivityKind {
    /// Every kind, in feed order of importance (for tests and tables).
    pub const ALL: [ActivityKind; 13] = [
        ActivityKind::Upload,
        ActivityKind::Download,
        ActivityKind::DeleteRemote,
        ActivityKind::TrashLocal,
        ActivityKind::Move,
        ActivityKind::Copy,
        ActivityKind::Conflict,
        ActivityKind::Warning,
        ActivityKind::Skip,
        ActivityKind::MkdirRemote,
        ActivityKind::MkdirLocal,
        ActivityKind::RmdirLocal,
        ActivityKind::PutBack,
    ];

    /// The name stored in the state DB and sent to the UI.
    pub fn as_str(self) -> &'static str {
        match self {
            ActivityKind::Upload => "upload",
            ActivityKind::Download => "download",
            ActivityKind::DeleteRemote => "delete-remote",
            ActivityKind::TrashLocal => "trash-local",
            ActivityKind::Move => "move",
            ActivityKind::Copy => "copy",
            ActivityKind::Conflict => "conflict",
            ActivityKind::Warning => "warning",
            ActivityKind::Skip => "skip",
            ActivityKind::MkdirRemote => "mkdir-remote",
            ActivityKind::MkdirLocal => "mkdir-local",
            ActivityKind::RmdirLocal => "rmdir-local",
            ActivityKind::PutBack => "put-back",
        }
    }

    /// The kind a stored name stands for (None for a name this version does not know).
    pub fn parse(name: &str) -> Option<ActivityKind> {
        Self::ALL.into_iter().find(|k| k.as_str() == name)
    }

    /// What happened, as the activity feed says it.
    pub fn summary(self) -> &'static str {
        match self {
            ActivityKind::Upload => "Uploaded",
            ActivityKind::Download => "Downloaded",
            ActivityKind::DeleteRemote => "Deleted from the bucket",
            ActivityKind::TrashLocal => "Moved to the trash (deleted in the bucket)",
            ActivityKind::Move => "Moved",
            ActivityKind::Copy => "Copied",
            ActivityKind::Conflict => "Conflict — both versions kept",
            ActivityKind::Warning | ActivityKind::Skip => "Skipped",
            ActivityKind::MkdirRemote => "Folder created in the bucket",
            ActivityKind::MkdirLocal => "Folder created here",
            ActivityKind::RmdirLocal => "Folder removed here",
            ActivityKind::PutBack => "Put back",
        }
    }

    /// The same in a few words, for a menu line ("Uploaded: report.pdf").
    pub fn verb(self) -> &'static str {
        match self {
            ActivityKind::TrashLocal => "Moved to the trash",
            ActivityKind::Conflict => "Conflict kept",
            ActivityKind::MkdirRemote | ActivityKind::MkdirLocal => "New folder",
            ActivityKind::RmdirLocal => "Removed folder",
            other => other.summary(),
        }
    }
}

/// What putting back one change of a sync pass needs, kept with its activity line. Only changes
/// that replaced, removed or moved something get one: a file a pass merely added has nothing
/// to put back.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "camelCase")]
pub enum UndoNote {
    /// The pass left `version_id` on top of `key`: its upload, the download of someone else's
    /// change, or its delete marker. Undoing brings back the version below it (the one with
    /// `before_etag` where that is known), only while `version_id` is still on top.
    #[serde(rename_all = "camelCase")]
    Remote {
        /// The key.
        key: String,
        /// The version or delete marker the pass left on top.
        version_id: String,
        /// The ETag of the version the pass replaced or deleted, where the pass knew it.
        before_etag: Option<String>,
        /// The BLAKE3 (hex) of the content the pass replaced here, where the ETag was not known
        /// (a download over a local file): the version Pail recorded it on is the one to bring back.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        before_hash: Option<String>,
    },
    /// The pass moved a local file to the system trash (`path` relative to the pair's folder).
    #[serde(rename_all = "camelCase")]
    Trashed {
        /// The file.
        path: String,
        /// When it went to the trash (seconds since the Unix epoch).
        at: i64,
    },
    /// The pass renamed a local file to follow the bucket; undoing renames it back while it
    /// still has this size and hash and nothing took the old name.
    #[serde(rename_all = "camelCase")]
    MovedLocal {
        /// The old name (relative).
        from: String,
        /// The new name (relative).
        to: String,
        /// Its size.
        size: u64,
        /// Its BLAKE3, hex.
        hash: String,
    },
    /// The pass moved a key to follow a local rename: `from` got `from_marker`, `to` got
    /// `to_version`.
    #[serde(rename_all = "camelCase")]
    MovedRemote {
        /// The old key.
        from: String,
        /// The delete marker the move left on the old key.
        from_marker: String,
        /// The new key.
        to: String,
        /// The version the move wrote at the new key.
        to_version: String,
    },
    /// The pass removed an empty local folder (relative path).
    #[serde(rename_all = "camelCase")]
    RemovedDir {
        /// The folder.
        path: String,
    },
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip_and_match_serde() {
        for kind in ActivityKind::ALL {
            assert_eq!(ActivityKind::parse(kind.as_str()), Some(kind));
            assert_eq!(serde_json::to_value(kind).unwrap(), kind.as_str());
            assert!(!kind.summary().is_empty() && !kind.verb().is_empty());
        }
        assert_eq!(ActivityKind::parse("teleport"), None);
    }
}

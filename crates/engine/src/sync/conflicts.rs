//! The conflicts view: conflict copies found in a pair, and the user's choice for each.
//!
//! A conflict is not a row of its own: it is a file whose name the executor made with
//! [`conflict_file_name`](super::conflict_file_name), so every computer of the pair sees the same
//! conflicts (the copy is synced like any file). Choices act on local files only and the next
//! pass carries them to the bucket and the other computers; nothing is deleted outright, the
//! version not kept goes to the OS trash.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use super::executor::move_to_trash;
use super::model::RelPath;
use crate::error::{Error, Result};
use crate::state::StateDb;

/// The marker every conflict-copy name carries.
const MARKER: &str = " (conflict from ";

/// One conflict copy beside the file it conflicts with.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "camelCase")]
pub struct Conflict {
    /// The pair.
    pub pair_id: String,
    /// The conflict copy, relative to the pair's folder.
    pub copy_path: String,
    /// The file it is a version of.
    pub original_path: String,
    /// The computer whose edit became the copy.
    pub host: String,
    /// When the copy was made, as written in its name (`YYYY-MM-DD HHMM`, that computer's time).
    pub made_at: String,
    /// The copy was made on this computer: it holds the edit made here ("mine").
    pub copy_is_mine: bool,
    /// Size of the copy in bytes.
    pub copy_size: u64,
    /// Size of the original, if it still exists.
    pub original_size: Option<u64>,
}

/// What to keep of a conflict.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "camelCase")]
pub enum Resolution {
    /// Keep the file under its own name; the copy goes to the trash.
    KeepOriginal,
    /// The copy takes the file's name; the file's current version goes to the trash.
    KeepCopy,
    /// Keep both files as they are; the conflict leaves the list.
    KeepBoth,
}

/// What a conflict-copy name says: (original name, host, time as written).
pub fn parse_conflict_name(name: &str) -> Option<(String, String, String)> {
    let start = name.rfind(MARKER)?;
    let stem = &name[..start];
    let rest = &name[start + MARKER.len()..];
    // A host name may itself hold `)`: the right `)` is the first one after a valid stamp.
    rest.match_indices(')').find_map(|(close, _)| {
        let (host, made_at) = parse_host_and_stamp(&rest[..close])?;
        // A second copy of the same minute carries ` N` after the parenthesis, before the extension.
        let after = &rest[close + 1..];
        let ext = match after.strip_prefix(' ') {
            Some(numbered) => {
                let digits = numbered.bytes().take_while(u8::is_ascii_digit).count();
                if digits == 0 {
                    return None;
                }
                &numbered[digits..]
            }
            None => after,
        };
        Some((format!("{stem}{ext}"), host, made_at))
    })
}

/// `HOST YYYY-MM-DD HHMM` → (host, `YYYY-MM-DD HHMM`).
fn parse_host_and_stamp(inside: &str) -> Option<(String, String)> {
    let tokens: Vec<&str> = inside.split(' ').collect();
    let is_digits = |t: &str| !t.is_empty() && t.bytes().all(|b| b.is_ascii_digit());
    let is_date = |t: &str| {
        t.len() == 10
            && t.bytes().enumerate().all(|(i, b)| {
                if i == 4 || i == 7 {
                    b == b'-'
                } else {
                    b.is_ascii_digit()
                }
            })
    };
    let date_at = tokens.len().checked_sub(2).filter(|&i| i > 0)?;
    let time = tokens[date_at + 1];
    if !is_date(tokens[date_at]) || time.len() != 4 || !is_digits(time) {
        return None;
    }
    Some((
        tokens[..date_at].join(" "),
        format!("{} {}", tokens[date_at], tokens[date_at + 1]),
    ))
}

/// The conflicts of a pair whose copies still exist in `root`, oldest name first.
pub async fn list(db: &StateDb, pair_id: &str, root: &Path, this_host: &str) -> Result<Vec<Conflict>> {
    let rows: Vec<String> = sqlx::query_scalar(
        "SELECT path FROM sync_base WHERE pair_id = ? AND kind = 'file' AND instr(path, ' (conflict from ') > 0
           AND path NOT IN (SELECT path FROM sync_conflicts_dismissed WHERE pair_id = ?)
         ORDER BY path",
    )
    .bind(pair_id)
    .bind(pair_id)
    .fetch_all(db.pool())
    .await?;
    let host_here = super::conflict_name::clean_host(this_host);
    let mut out = Vec::new();
    for copy_path in rows {
        let Ok(rel) = RelPath::new(&copy_path) else { continue };
        let Some((original_name, host, made_at)) = parse_conflict_name(rel.name()) else {
            continue;
        };
        let Ok(original) = rel.sibling(&original_name) else {
            continue;
        };
        let Ok(copy_meta) = tokio::fs::metadata(local(root, &rel)).await else {
            continue;
        };
        let original_size = tokio::fs::metadata(local(root, &original)).await.ok().map(|m| m.len());
        out.push(Conflict {
            pair_id: pair_id.to_owned(),
            copy_is_mine: host == host_here,
            copy_path,
            original_path: original.to_string(),
            host,
            made_at,
            copy_size: copy_meta.len(),
            original_size,
        });
    }
    Ok(out)
}

/// Applies the user's choice to a conflict copy of the pair rooted at `root`.
pub async fn resolve(db: &StateDb, pair_id: &str, root: &Path, copy_path: &str, choice: Resolution) -> Result<()> {
    let copy = RelPath::new(copy_path)
        .map_err(|e| Error::InvalidInput(format!("“{copy_path}” is not a file of this folder: {e}")))?;
    let (original_name, _, _) = parse_conflict_name(copy.name())
        .ok_or_else(|| Error::InvalidInput(format!("“{copy_path}” is not a conflict copy.")))?;
    let original = copy
        .sibling(&original_name)
        .map_err(|e| Error::InvalidInput(format!("“{copy_path}” names no valid original: {e}")))?;
    let copy_file = local(root, &copy);
    let original_file = local(root, &original);
    match choice {
        Resolution::KeepBoth => {
            sqlx::query(
                "INSERT INTO sync_conflicts_dismissed (pair_id, path, at) VALUES (?, ?, ?) ON CONFLICT DO NOTHING",
            )
            .bind(pair_id)
            .bind(copy.as_str())
            .bind(chrono::Utc::now().to_rfc3339())
            .execute(db.pool())
            .await?;
        }
        Resolution::KeepOriginal => move_to_trash(copy_file).await?,
        Resolution::KeepCopy => {
            if tokio::fs::symlink_metadata(&original_file).await.is_ok() {
                move_to_trash(original_file.clone()).await?;
            }
            // A link refuses to replace a file that appeared meanwhile; rename would clobber it.
            tokio::fs::hard_link(&copy_file, &original_file)
                .await
                .map_err(|e| Error::Io {
                    context: format!("give {copy} the name {original}"),
                    source: e,
                })?;
            tokio::fs::remove_file(&copy_file).await.map_err(|e| Error::Io {
                context: format!("remove {copy} after keeping it as {original}"),
                source: e,
            })?;
        }
    }
    tracing::info!(pair = pair_id, copy = copy.as_str(), ?choice, "conflict resolved");
    Ok(())
}

fn local(root: &Path, rel: &RelPath) -> PathBuf {
    root.join(rel.as_str())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sync::conflict_file_name;
    use chrono::NaiveDate;

    fn at() -> chrono::NaiveDateTime {
        NaiveDate::from_ymd_opt(2026, 11, 25)
            .and_then(|d| d.and_hms_opt(23, 13, 0))
            .unwrap_or_default()
    }

    #[test]
    fn every_generated_name_parses_back() {
        for (name, host, n) in [
            ("report.docx", "laptop", 1),
            ("archive.tar.gz", "my desk pc", 2),
            (".env", "a", 1),
            ("no extension", "box (2)", 3),
            ("Ünïcödé 名前.txt", "höst", 1),
        ] {
            let copy = conflict_file_name(name, host, at(), n);
            let (original, parsed_host, made_at) = parse_conflict_name(&copy).unwrap_or_default();
            assert_eq!(original, name, "{copy}");
            assert_eq!(parsed_host, crate::sync::conflict_name::clean_host(host), "{copy}");
            assert_eq!(made_at, "2026-11-25 2313");
        }
    }

    #[test]
    fn ordinary_names_are_not_conflicts() {
        for name in [
            "report.docx",
            "notes (conflict from ).txt",
            "x (conflict from host).txt",
            "x (conflict from host 2026-11-25).txt",
            "x (conflict from 2026-11-25 2313).txt",
            "x (conflict from h 2026-11-25 2313 two).txt",
            "x (conflict from h 2026-11-25 2313) two.txt",
        ] {
            assert_eq!(parse_conflict_name(name), None, "{name}");
        }
    }
}

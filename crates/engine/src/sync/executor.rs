//! Applies a plan's actions to the disk and the bucket, checking each action's preconditions
//! right before acting: conditional requests remotely, a re-stat locally. Nothing here decides
//! what to do; a precondition that no longer holds turns into [`Outcome::Changed`] and the next
//! planning pass looks again.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use tokio::task::JoinSet;

use super::model::{BaseFile, BaseState, ContentHash, LocalFile, RelPath};
use super::plan::Action;
use crate::core::activity::{ActivityKind, UndoNote};
use crate::error::{Error, ErrorCode, Result};
use crate::remote::{hash_text, PutSpec, Remote, UploadOptions, WriteCondition, Written, HASH_METADATA_KEY};
use crate::scan::IgnoreRules;

/// Where a pair's actions run.
#[derive(Debug, Clone)]
pub struct ExecContext {
    /// The S3 client.
    pub remote: Remote,
    /// The bucket.
    pub bucket: String,
    /// `""` or ending with `/`.
    pub prefix: String,
    /// The local folder (absolute).
    pub root: PathBuf,
    /// The pair's ignore rules (a folder holding only ignored files may be removed).
    pub rules: IgnoreRules,
    /// Part sizes for large files.
    pub upload: UploadOptions,
    /// Transfers in flight at once.
    pub parallel: usize,
    /// Where multipart uploads are noted while in flight.
    pub journal: Option<Arc<dyn crate::remote::UploadJournal>>,
    /// Paths whose bucket key is spelled in another Unicode form than the local name (see
    /// [`super::views::unify_spellings`]): local spelling → bucket spelling.
    pub remote_spellings: std::collections::HashMap<RelPath, RelPath>,
}

impl std::fmt::Debug for dyn crate::remote::UploadJournal {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("UploadJournal")
    }
}

/// What a finished action changes in the state DB and the feed.
#[derive(Debug, Default)]
pub struct Effect {
    /// Bases to record.
    pub record: Vec<(RelPath, BaseState)>,
    /// Bases to forget.
    pub forget: Vec<RelPath>,
    /// A line for the activity feed: (path, action word, detail).
    pub activity: Option<(String, ActivityKind, String)>,
    /// What putting the change back needs (only for changes that replaced, removed or moved).
    pub undo: Option<UndoNote>,
    /// Content hashes learnt for (key, ETag), so the next listing needs no HEAD for them.
    pub hashes: Vec<((String, String), ContentHash)>,
    /// Bytes moved over the network.
    pub bytes: u64,
}

/// How one action ended.
#[derive(Debug)]
pub enum Outcome {
    /// Done; apply the effect.
    Done(Effect),
    /// A precondition no longer held (the path changed meanwhile); re-plan.
    Changed(String),
    /// It failed; the path is retried on a later pass.
    Failed(Error),
}

/// Runs `actions` (one plan, already in run order): the files phase concurrently, then folder
/// removals one by one, deepest first. Every outcome is sent as it arrives, so the caller can
/// commit bases in batches while transfers continue.
pub async fn execute(
    ctx: Arc<ExecContext>,
    actions: Vec<Action>,
    done: tokio::sync::mpsc::UnboundedSender<(Action, Outcome)>,
) {
    // A closed receiver means the caller stopped listening (shutdown); finishing quietly is fine.
    let on_done = |action: Action, outcome: Outcome| {
        let _ = done.send((action, outcome));
    };
    let (files, dirs): (Vec<Action>, Vec<Action>) = actions
        .into_iter()
        .partition(|a| a.phase() == super::plan::Phase::Files);
    // At most `parallel` tasks exist at once: spawning one per action up front would hold a
    // future per file in memory (gigabytes for a first sync of 100,000 files).
    let limit = ctx.parallel.max(1);
    let mut set = JoinSet::new();
    let mut pending = files.into_iter();
    loop {
        while set.len() < limit {
            let Some(action) = pending.next() else { break };
            let ctx = ctx.clone();
            set.spawn(async move {
                let outcome = run_one(&ctx, &action).await;
                (action, outcome)
            });
        }
        match set.join_next().await {
            Some(Ok((action, outcome))) => on_done(action, outcome),
            Some(Err(e)) => tracing::error!("a sync task failed: {e}"),
            None => break,
        }
    }
    for action in dirs {
        let outcome = run_one(&ctx, &action).await;
        on_done(action, outcome);
    }
}

async fn run_one(ctx: &ExecContext, action: &Action) -> Outcome {
    let result = match action {
        Action::Upload {
            path,
            if_match,
            expect_local,
        } => upload(ctx, path, if_match.as_deref(), expect_local).await,
        Action::Download {
            path,
            expect_remote_etag,
            expect_local,
        } => download(ctx, path, expect_remote_etag, expect_local.as_ref()).await,
        Action::DeleteRemote { path, if_match } | Action::DeleteRemoteDir { path, if_match } => {
            delete_remote(ctx, path, if_match).await
        }
        Action::DeleteLocal { path, expect_local } => delete_local(ctx, path, expect_local).await,
        Action::CopyRemote {
            from,
            source_if_match,
            to,
            expect_local,
            delete_source,
        } => copy_remote(ctx, from, source_if_match, to, expect_local, *delete_source).await,
        Action::MoveLocal {
            from,
            to,
            expect_local,
            remote_etag,
        } => move_local(ctx, from, to, expect_local, remote_etag).await,
        Action::KeepBoth {
            path,
            conflict_path,
            expect_local,
            expect_remote_etag,
            upload_conflict_copy,
        } => {
            keep_both(
                ctx,
                path,
                conflict_path,
                expect_local,
                expect_remote_etag,
                *upload_conflict_copy,
            )
            .await
        }
        Action::RecordBase { path, base } => Ok(Outcome::Done(Effect {
            record: vec![(path.clone(), base.clone())],
            ..Effect::default()
        })),
        Action::ForgetBase { path } => Ok(Outcome::Done(Effect {
            forget: vec![path.clone()],
            ..Effect::default()
        })),
        Action::CreateRemoteDir { path } => create_remote_dir(ctx, path).await,
        Action::CreateLocalDir { path, .. } => create_local_dir(ctx, path).await,
        Action::DeleteLocalDir { path } => delete_local_dir(ctx, path).await,
        Action::Skip { path, reason } => Ok(Outcome::Done(Effect {
            activity: Some((path.to_string(), ActivityKind::Skip, reason.to_string())),
            ..Effect::default()
        })),
    };
    match result {
        Ok(outcome) => outcome,
        Err(e) if e.code() == ErrorCode::PreconditionFailed || e.code() == ErrorCode::NoSuchKey => {
            Outcome::Changed(e.detail())
        }
        Err(e) => Outcome::Failed(e),
    }
}

fn changed(why: impl Into<String>) -> Result<Outcome> {
    Ok(Outcome::Changed(why.into()))
}

fn io_err(context: String) -> impl FnOnce(std::io::Error) -> Error {
    move |source| Error::Io { context, source }
}

impl ExecContext {
    /// Where downloads wait until verified: Pail's own folder inside the root (same disk, so
    /// the final rename or link is atomic), never beside the user's files.
    async fn temp_dir(&self) -> Result<PathBuf> {
        let dir = super::folder::temp_dir(&self.root);
        tokio::fs::create_dir_all(&dir)
            .await
            .map_err(io_err(format!("create Pail's temp folder {}", dir.display())))?;
        Ok(dir)
    }

    fn local(&self, path: &RelPath) -> Result<PathBuf> {
        join_local(&self.root, path)
    }

    fn key(&self, path: &RelPath) -> String {
        if let Some(spelled) = self.remote_spellings.get(path) {
            return spelled.to_key(&self.prefix);
        }
        path.to_key(&self.prefix)
    }

    fn hash_spec(&self, condition: WriteCondition, hash: &ContentHash) -> PutSpec {
        PutSpec {
            condition,
            metadata: vec![(HASH_METADATA_KEY.to_owned(), hash_text(hash))],
        }
    }

    /// Creates the folders above `path`, refusing to go through anything that is not a real
    /// folder: a symlink placed in the tree must never lead a write outside the root.
    async fn ensure_parents(&self, path: &RelPath) -> Result<std::result::Result<(), String>> {
        ensure_real_parents(&self.root, path).await
    }
}

/// Creates the folders above `path` under `root`, refusing to go through anything that is not a
/// real folder (a symlink placed in the tree must never lead a write outside the root); `Err`
/// holds why, in words.
pub(crate) async fn ensure_real_parents(root: &Path, path: &RelPath) -> Result<std::result::Result<(), String>> {
    let mut chain: Vec<RelPath> = path.ancestors().collect();
    chain.reverse();
    for dir in chain {
        let local = join_local(root, &dir)?;
        match tokio::fs::symlink_metadata(&local).await {
            Ok(m) if m.is_dir() => continue,
            Ok(_) => return Ok(Err(format!("{dir} is not a folder on this computer"))),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                match tokio::fs::create_dir(&local).await {
                    Ok(()) => {}
                    // Another task created it meanwhile: re-check what it is.
                    Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
                        let m = tokio::fs::symlink_metadata(&local)
                            .await
                            .map_err(io_err(format!("read {}", local.display())))?;
                        if !m.is_dir() {
                            return Ok(Err(format!("{dir} is not a folder on this computer")));
                        }
                    }
                    Err(e) => return Err(io_err(format!("create the folder {}", local.display()))(e)),
                }
            }
            Err(e) => return Err(io_err(format!("read {}", local.display()))(e)),
        }
    }
    Ok(Ok(()))
}

/// `path` under `root`, or an error in words when this computer cannot hold that name.
pub(crate) fn join_local(root: &Path, path: &RelPath) -> Result<PathBuf> {
    // The planner already skipped names this disk cannot hold; checking again where the path
    // is made means a gap there can fail one action but never write outside the root.
    super::local_name::join_under(root, path, super::local_name::NameRules::HOST).map_err(|why| {
        Error::InvalidInput(format!(
            "“{}” cannot be a file name on this computer ({why}), so Pail left it alone.",
            crate::untrusted_text::escape_untrusted(path.as_str())
        ))
    })
}

/// Whether the file at `path` still has the size, mtime and inode the scanner saw.
async fn still_is(path: &Path, expect: &LocalFile) -> bool {
    match tokio::fs::symlink_metadata(path).await {
        Ok(m) if m.is_file() => {
            let id = crate::scan::identity_of(&m);
            id.size == expect.size && id.mtime_ns == expect.mtime_ns && expect.inode.is_none_or(|i| i == id.inode)
        }
        _ => false,
    }
}

async fn local_file_now(path: &Path, hash: ContentHash) -> Result<LocalFile> {
    let m = tokio::fs::symlink_metadata(path)
        .await
        .map_err(io_err(format!("read {}", path.display())))?;
    let id = crate::scan::identity_of(&m);
    Ok(LocalFile {
        size: id.size,
        mtime_ns: id.mtime_ns,
        inode: Some(id.inode).filter(|i| *i != 0),
        hash,
    })
}

fn base_of(local: &LocalFile, written_etag: &str, version_id: Option<String>) -> BaseState {
    BaseState::File(BaseFile {
        hash: local.hash,
        size: local.size,
        local_mtime_ns: local.mtime_ns,
        local_inode: local.inode,
        remote_etag: written_etag.to_owned(),
        remote_version_id: version_id,
        // Judged when the pass commits it (`PairSync::commit`), which knows when the pass began.
        stamp_racy: false,
    })
}

async fn put_local(
    ctx: &ExecContext,
    path: &RelPath,
    condition: WriteCondition,
    expect: &LocalFile,
) -> Result<std::result::Result<Written, String>> {
    let local = ctx.local(path)?;
    let key = ctx.key(path);
    let scanned = crate::remote::ExpectedFile {
        stamp: crate::scan::Identity {
            size: expect.size,
            mtime_ns: expect.mtime_ns,
            inode: expect.inode.unwrap_or(0),
        },
        hash: expect.hash,
    };
    let put = ctx
        .remote
        .put_file(
            &local,
            &ctx.bucket,
            &key,
            &ctx.hash_spec(condition, &expect.hash),
            ctx.upload,
            crate::remote::PutControl {
                journal: ctx.journal.as_deref(),
                expect: Some(&scanned),
                ..Default::default()
            },
        )
        .await;
    let mut written = match put {
        Ok(written) => written,
        // Nothing was replaced; the next scan sees the new content and plans again.
        Err(Error::FileChanged { .. }) => return Ok(Err(format!("{path} changed on disk since it was scanned"))),
        Err(Error::Io { source, .. }) if source.kind() == std::io::ErrorKind::NotFound => {
            return Ok(Err(format!("{path} was removed since it was scanned")))
        }
        Err(e) => return Err(e),
    };
    if written.etag.is_empty() {
        // Some stores omit the ETag on completion; the base needs it to notice later rewrites.
        if let Some(id) = ctx.remote.head_identity(&ctx.bucket, &key).await? {
            written.etag = id.etag;
        }
    }
    // The upload sent exactly the scanned version; a write after it is caught on the next scan:
    // its identity differs from the one recorded here, so it is hashed again and uploaded with
    // If-Match on this ETag.
    Ok(Ok(written))
}

async fn upload(ctx: &ExecContext, path: &RelPath, if_match: Option<&str>, expect: &LocalFile) -> Result<Outcome> {
    let condition = match if_match {
        Some(etag) => WriteCondition::IfMatch(etag.to_owned()),
        None => WriteCondition::IfAbsent,
    };
    let written = match put_local(ctx, path, condition, expect).await? {
        Ok(w) => w,
        Err(why) => return changed(why),
    };
    // A new file replaced nothing; an overwrite can be undone from the version it replaced.
    let undo = if_match.and_then(|before| {
        Some(UndoNote::Remote {
            key: ctx.key(path),
            version_id: written.version_id.clone()?,
            before_etag: Some(before.to_owned()),
            before_hash: None,
        })
    });
    Ok(Outcome::Done(Effect {
        record: vec![(path.clone(), base_of(expect, &written.etag, written.version_id.clone()))],
        activity: Some((path.to_string(), ActivityKind::Upload, String::new())),
        undo,
        hashes: vec![((ctx.key(path), written.etag.clone()), expect.hash)],
        bytes: written.bytes,
        ..Effect::default()
    }))
}

/// Moves a verified temp file to `dest`: with `expect: None` only if `dest` is still absent (a
/// hard link refuses to replace), otherwise only if `dest` still is what was scanned.
async fn place(temp: &Path, dest: &Path, expect: Option<&LocalFile>) -> Result<std::result::Result<(), String>> {
    let outcome = match expect {
        None => match tokio::fs::hard_link(temp, dest).await {
            Ok(()) => Ok(()),
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
                Err(format!("{} appeared meanwhile", dest.display()))
            }
            // File systems without hard links (FAT, some network shares): check, then rename.
            Err(_) if tokio::fs::symlink_metadata(dest).await.is_err() => {
                tokio::fs::rename(temp, dest)
                    .await
                    .map_err(io_err(format!("move the download into place at {}", dest.display())))?;
                return Ok(Ok(()));
            }
            Err(_) => Err(format!("{} appeared meanwhile", dest.display())),
        },
        Some(expect) => {
            if still_is(dest, expect).await {
                tokio::fs::rename(temp, dest)
                    .await
                    .map_err(io_err(format!("move the download into place at {}", dest.display())))?;
                return Ok(Ok(()));
            }
            Err(format!("{} changed on disk since it was scanned", dest.display()))
        }
    };
    let _ = tokio::fs::remove_file(temp).await;
    Ok(outcome)
}

async fn download(ctx: &ExecContext, path: &RelPath, etag: &str, expect_local: Option<&LocalFile>) -> Result<Outcome> {
    if let Err(why) = ctx.ensure_parents(path).await? {
        return changed(why);
    }
    let dest = ctx.local(path)?;
    let dir = ctx.temp_dir().await?;
    let temp = ctx
        .remote
        .download_to_temp(&ctx.bucket, &ctx.key(path), Some(etag), &dir)
        .await?;
    if let Err(why) = place(&temp.path, &dest, expect_local).await? {
        return changed(why);
    }
    let now = local_file_now(&dest, temp.hash).await?;
    // Replacing a local file is undone in the bucket: the version below the one brought down
    // comes back, and the next pass brings it down here.
    let undo = expect_local
        .zip(temp.version_id.clone())
        .map(|(before, version_id)| UndoNote::Remote {
            key: ctx.key(path),
            version_id,
            before_etag: None,
            before_hash: Some(hex::encode(before.hash.0)),
        });
    Ok(Outcome::Done(Effect {
        record: vec![(path.clone(), base_of(&now, &temp.etag, temp.version_id))],
        activity: Some((path.to_string(), ActivityKind::Download, String::new())),
        undo,
        hashes: vec![((ctx.key(path), temp.etag.clone()), temp.hash)],
        bytes: temp.bytes,
        ..Effect::default()
    }))
}

/// Renames a local file the bucket moved, never replacing anything at the new name.
async fn move_local(
    ctx: &ExecContext,
    from: &RelPath,
    to: &RelPath,
    expect: &LocalFile,
    remote_etag: &str,
) -> Result<Outcome> {
    let source = ctx.local(from)?;
    if !still_is(&source, expect).await {
        return changed(format!("{from} changed on disk since it was scanned"));
    }
    if let Err(why) = ctx.ensure_parents(to).await? {
        return changed(why);
    }
    let dest = ctx.local(to)?;
    match tokio::fs::hard_link(&source, &dest).await {
        Ok(()) => tokio::fs::remove_file(&source).await.map_err(io_err(format!(
            "move {} to {}",
            source.display(),
            dest.display()
        )))?,
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
            return changed(format!("{to} appeared meanwhile"));
        }
        // File systems without hard links (FAT, some network shares): check, then rename.
        Err(_) if tokio::fs::symlink_metadata(&dest).await.is_err() => tokio::fs::rename(&source, &dest)
            .await
            .map_err(io_err(format!("move {} to {}", source.display(), dest.display())))?,
        Err(_) => return changed(format!("{to} appeared meanwhile")),
    }
    let now = local_file_now(&dest, expect.hash).await?;
    Ok(Outcome::Done(Effect {
        record: vec![(to.clone(), base_of(&now, remote_etag, None))],
        forget: vec![from.clone()],
        activity: Some((
            to.to_string(),
            ActivityKind::Move,
            format!("moved from {from} in the bucket"),
        )),
        undo: Some(UndoNote::MovedLocal {
            from: from.to_string(),
            to: to.to_string(),
            size: now.size,
            hash: hex::encode(now.hash.0),
        }),
        ..Effect::default()
    }))
}

async fn delete_remote(ctx: &ExecContext, path: &RelPath, if_match: &str) -> Result<Outcome> {
    let marker = ctx
        .remote
        .delete_if_match(&ctx.bucket, &ctx.key(path), if_match)
        .await?;
    Ok(Outcome::Done(Effect {
        forget: vec![path.clone()],
        activity: Some((path.to_string(), ActivityKind::DeleteRemote, String::new())),
        undo: marker.map(|version_id| UndoNote::Remote {
            key: ctx.key(path),
            version_id,
            before_etag: Some(if_match.to_owned()),
            before_hash: None,
        }),
        ..Effect::default()
    }))
}

/// Moves a local file or folder to the OS trash (never a plain delete).
pub(crate) async fn move_to_trash(path: PathBuf) -> Result<()> {
    let shown = path.display().to_string();
    tokio::task::spawn_blocking(move || trash::delete(&path))
        .await
        .map_err(|e| Error::Io {
            context: format!("move {shown} to the trash"),
            source: std::io::Error::other(e),
        })?
        .map_err(|e| Error::Io {
            context: format!("move {shown} to the trash"),
            source: std::io::Error::other(e),
        })
}

async fn delete_local(ctx: &ExecContext, path: &RelPath, expect: &LocalFile) -> Result<Outcome> {
    let local = ctx.local(path)?;
    if !still_is(&local, expect).await {
        return changed(format!("{path} changed on disk since it was scanned"));
    }
    move_to_trash(local).await?;
    Ok(Outcome::Done(Effect {
        forget: vec![path.clone()],
        activity: Some((
            path.to_string(),
            ActivityKind::TrashLocal,
            "deleted in the bucket".into(),
        )),
        undo: Some(UndoNote::Trashed {
            path: path.to_string(),
            at: chrono::Utc::now().timestamp(),
        }),
        ..Effect::default()
    }))
}

async fn copy_remote(
    ctx: &ExecContext,
    from: &RelPath,
    source_etag: &str,
    to: &RelPath,
    expect: &LocalFile,
    delete_source: bool,
) -> Result<Outcome> {
    if !still_is(&ctx.local(to)?, expect).await {
        return changed(format!("{to} changed on disk since it was scanned"));
    }
    let written = ctx
        .remote
        .copy_object_conditional(
            &ctx.bucket,
            &ctx.key(from),
            source_etag,
            &ctx.key(to),
            &ctx.hash_spec(WriteCondition::IfAbsent, &expect.hash),
        )
        .await?;
    let mut effect = Effect {
        record: vec![(to.clone(), base_of(expect, &written.etag, written.version_id.clone()))],
        hashes: vec![((ctx.key(to), written.etag.clone()), expect.hash)],
        ..Effect::default()
    };
    if delete_source {
        match ctx
            .remote
            .delete_if_match(&ctx.bucket, &ctx.key(from), source_etag)
            .await
        {
            Ok(marker) => {
                effect.forget.push(from.clone());
                effect.undo =
                    marker
                        .zip(written.version_id.clone())
                        .map(|(from_marker, to_version)| UndoNote::MovedRemote {
                            from: ctx.key(from),
                            from_marker,
                            to: ctx.key(to),
                            to_version,
                        });
            }
            // Someone rewrote the old name meanwhile: it stays, and the next pass syncs it.
            Err(e) if e.code() == ErrorCode::PreconditionFailed => {}
            Err(e) => return Err(e),
        }
        effect.activity = Some((to.to_string(), ActivityKind::Move, format!("moved from {from}")));
    } else {
        effect.activity = Some((to.to_string(), ActivityKind::Copy, format!("copied from {from}")));
    }
    Ok(Outcome::Done(effect))
}

async fn keep_both(
    ctx: &ExecContext,
    path: &RelPath,
    conflict_path: &RelPath,
    expect: &LocalFile,
    remote_etag: &str,
    upload_copy: bool,
) -> Result<Outcome> {
    let dest = ctx.local(path)?;
    let dir = ctx.temp_dir().await?;
    if let Err(why) = ctx.ensure_parents(path).await? {
        return changed(why);
    }
    let temp = ctx
        .remote
        .download_to_temp(&ctx.bucket, &ctx.key(path), Some(remote_etag), &dir)
        .await?;
    let learnt = ((ctx.key(path), temp.etag.clone()), temp.hash);
    if temp.hash == expect.hash {
        // Same bytes after all (an object without Pail's hash): no copy needed.
        let _ = tokio::fs::remove_file(&temp.path).await;
        return Ok(Outcome::Done(Effect {
            record: vec![(path.clone(), base_of(expect, &temp.etag, temp.version_id))],
            hashes: vec![learnt],
            ..Effect::default()
        }));
    }
    let copy = ctx.local(conflict_path)?;
    if !still_is(&dest, expect).await {
        let _ = tokio::fs::remove_file(&temp.path).await;
        return changed(format!("{path} changed on disk since it was scanned"));
    }
    // The local edit moves aside first, never replacing anything; only then does the bucket's
    // version take the name, so at every instant both versions exist on disk.
    match tokio::fs::hard_link(&dest, &copy).await {
        Ok(()) => {
            tokio::fs::remove_file(&dest)
                .await
                .map_err(io_err(format!("rename {}", dest.display())))?;
        }
        Err(e) => {
            let _ = tokio::fs::remove_file(&temp.path).await;
            if e.kind() == std::io::ErrorKind::AlreadyExists {
                return changed(format!("{conflict_path} appeared meanwhile"));
            }
            return Err(io_err(format!("keep your version of {path} as {conflict_path}"))(e));
        }
    }
    if let Err(why) = place(&temp.path, &dest, None).await? {
        return changed(why);
    }
    let now = local_file_now(&dest, temp.hash).await?;
    let mut effect = Effect {
        record: vec![(path.clone(), base_of(&now, &temp.etag, temp.version_id))],
        activity: Some((
            conflict_path.to_string(),
            ActivityKind::Conflict,
            format!("{path} was changed here and in the bucket; your version is kept as {conflict_path}"),
        )),
        hashes: vec![learnt],
        bytes: temp.bytes,
        ..Effect::default()
    };
    if upload_copy {
        let copy_now = local_file_now(&copy, expect.hash).await?;
        if let Ok(written) = put_local(ctx, conflict_path, WriteCondition::IfAbsent, &copy_now).await? {
            effect.record.push((
                conflict_path.clone(),
                base_of(&copy_now, &written.etag, written.version_id.clone()),
            ));
            effect
                .hashes
                .push(((ctx.key(conflict_path), written.etag), expect.hash));
            effect.bytes += written.bytes;
        }
    }
    Ok(Outcome::Done(effect))
}

async fn create_remote_dir(ctx: &ExecContext, path: &RelPath) -> Result<Outcome> {
    let spec = PutSpec {
        condition: WriteCondition::IfAbsent,
        metadata: Vec::new(),
    };
    match ctx.remote.put_empty(&ctx.bucket, &ctx.key(path), &spec).await {
        Ok(_) => {}
        // Someone made the same folder: what we wanted.
        Err(e) if e.code() == ErrorCode::PreconditionFailed => {}
        Err(e) => return Err(e),
    }
    Ok(Outcome::Done(Effect {
        record: vec![(path.clone(), BaseState::Dir)],
        activity: Some((path.to_string(), ActivityKind::MkdirRemote, String::new())),
        ..Effect::default()
    }))
}

async fn create_local_dir(ctx: &ExecContext, path: &RelPath) -> Result<Outcome> {
    if let Err(why) = ctx.ensure_parents(path).await? {
        return changed(why);
    }
    let local = ctx.local(path)?;
    match tokio::fs::create_dir(&local).await {
        Ok(()) => {}
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
            let is_dir = tokio::fs::symlink_metadata(&local)
                .await
                .map(|m| m.is_dir())
                .unwrap_or(false);
            if !is_dir {
                return changed(format!("{path} is not a folder on this computer"));
            }
        }
        Err(e) => return Err(io_err(format!("create the folder {}", local.display()))(e)),
    }
    Ok(Outcome::Done(Effect {
        record: vec![(path.clone(), BaseState::Dir)],
        activity: Some((path.to_string(), ActivityKind::MkdirLocal, String::new())),
        ..Effect::default()
    }))
}

async fn delete_local_dir(ctx: &ExecContext, path: &RelPath) -> Result<Outcome> {
    let local = ctx.local(path)?;
    let forget = Effect {
        forget: vec![path.clone()],
        activity: Some((path.to_string(), ActivityKind::RmdirLocal, String::new())),
        undo: Some(UndoNote::RemovedDir { path: path.to_string() }),
        ..Effect::default()
    };
    let meta = match tokio::fs::symlink_metadata(&local).await {
        Ok(m) => m,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Outcome::Done(forget)),
        Err(e) => return Err(io_err(format!("read {}", local.display()))(e)),
    };
    if !meta.is_dir() {
        return changed(format!("{path} is no longer a folder"));
    }
    let root = ctx.root.clone();
    let rules = ctx.rules.clone();
    let dir = local.clone();
    let only_ignored = tokio::task::spawn_blocking(move || holds_only_ignored(&root, &dir, &rules))
        .await
        .unwrap_or(Ok(false))
        .map_err(io_err(format!("read the folder {}", local.display())))?;
    match only_ignored {
        false => changed(format!("{path} is not empty")),
        true => {
            if tokio::fs::remove_dir(&local).await.is_err() {
                // Holds ignored litter (.DS_Store): the trash keeps it recoverable.
                move_to_trash(local).await?;
            }
            Ok(Outcome::Done(forget))
        }
    }
}

/// Whether everything inside `dir` (recursively) is ignored, so removing it loses nothing synced.
fn holds_only_ignored(root: &Path, dir: &Path, rules: &IgnoreRules) -> std::io::Result<bool> {
    for entry in walkdir::WalkDir::new(dir).follow_links(false).min_depth(1) {
        let entry = entry.map_err(std::io::Error::other)?;
        let Some(rel) = entry.path().strip_prefix(root).ok().and_then(|p| p.to_str()) else {
            return Ok(false);
        };
        let rel = rel.replace(std::path::MAIN_SEPARATOR, "/");
        let is_dir = entry.file_type().is_dir();
        if !is_dir && !rules.is_ignored(&rel, false) {
            return Ok(false);
        }
    }
    Ok(true)
}

/// Groups outcomes into what the state DB must change, for batched commits.
#[derive(Debug, Default)]
pub struct PendingCommit {
    /// Bases to record, by path (a later outcome for one path replaces an earlier one).
    pub record: BTreeMap<RelPath, BaseState>,
    /// Bases to forget.
    pub forget: std::collections::BTreeSet<RelPath>,
    /// Activity lines, each with what putting it back needs.
    pub activity: Vec<(String, ActivityKind, String, Option<UndoNote>)>,
}

impl PendingCommit {
    /// Adds a finished action's effect.
    pub fn add(&mut self, effect: &mut Effect) {
        for path in effect.forget.drain(..) {
            self.record.remove(&path);
            self.forget.insert(path);
        }
        for (path, base) in effect.record.drain(..) {
            self.forget.remove(&path);
            self.record.insert(path, base);
        }
        if let Some((path, kind, detail)) = effect.activity.take() {
            self.activity.push((path, kind, detail, effect.undo.take()));
        }
    }

    /// How many changes wait.
    pub fn len(&self) -> usize {
        self.record.len() + self.forget.len() + self.activity.len()
    }

    /// Whether nothing waits.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

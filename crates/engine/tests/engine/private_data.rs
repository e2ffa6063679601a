//! Pail's own data is its user's alone: the data folder and the folders in it are 0700, the
//! state DBs (with the WAL and shared-memory files SQLite makes) 0600, an older install is
//! tightened when it opens, and a damaged state DB is reported and can be set aside.

use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};

use pail_engine::aws_profiles::AwsFiles;
use pail_engine::state::StateDb;
use pail_engine::{Engine, EngineConfig, Error, ErrorCode};

use crate::support::*;

async fn open_engine(data_dir: &Path, service: &str) -> Result<Engine, Error> {
    Engine::open(EngineConfig {
        data_dir: data_dir.to_path_buf(),
        keyring_service: service.to_owned(),
        aws_files: AwsFiles {
            config: Some("/nonexistent/config".into()),
            credentials: Some("/nonexistent/credentials".into()),
        },
    })
    .await
}

fn service() -> String {
    format!("pail-test-{}", uuid::Uuid::new_v4().simple())
}

fn mode(path: &Path) -> u32 {
    std::fs::symlink_metadata(path).unwrap().permissions().mode() & 0o777
}

fn set_mode(path: &Path, mode: u32) {
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode)).unwrap();
}

/// Every folder and file under `dir` (itself included) with its mode. Inside the demo store only
/// its root counts: the objects under it are written by s3s-fs with the usual permissions, and
/// the owner-only root is what keeps others from reaching them.
fn modes_under(dir: &Path) -> Vec<(PathBuf, bool, u32)> {
    let mut out = vec![(dir.to_path_buf(), true, mode(dir))];
    if dir.file_name().is_some_and(|n| n == "demo-store") {
        return out;
    }
    for entry in std::fs::read_dir(dir).unwrap().flatten() {
        let path = entry.path();
        if entry.file_type().unwrap().is_dir() {
            out.extend(modes_under(&path));
        } else {
            out.push((path.clone(), false, mode(&path)));
        }
    }
    out
}

fn assert_owner_only(data_dir: &Path) {
    let modes = modes_under(data_dir);
    let loose: Vec<String> = modes
        .iter()
        .filter(|(_, is_dir, mode)| *mode != if *is_dir { 0o700 } else { 0o600 })
        .map(|(p, _, mode)| format!("{} {mode:o}", p.display()))
        .collect();
    assert!(loose.is_empty(), "not owner-only: {loose:?}\nall: {modes:?}");
}

/// A connection, the demo store, a sync pair's own DB (as `pail sync` keeps one per pair).
async fn do_some_work(engine: &Engine, data_dir: &Path) -> StateDb {
    engine
        .create_connection(&draft(&moto_endpoint(), "AKIAPRIVATE", "private-secret"))
        .await
        .unwrap();
    let demo = engine.start_demo().await.unwrap();
    engine.list_buckets(&demo.id).await.unwrap();
    let pair_db = StateDb::open(&data_dir.join("sync/0123456789abcdef.db")).await.unwrap();
    pail_engine::state::settings::set(pair_db.pool(), "k", "v")
        .await
        .unwrap();
    pair_db
}

#[tokio::test]
async fn pails_folders_are_owner_only_and_its_files_are_readable_by_their_owner_only() {
    let tmp = tempfile::tempdir().unwrap();
    set_mode(tmp.path(), 0o755);
    let data_dir = tmp.path().join("share/app.pail.desktop");
    let engine = open_engine(&data_dir, &service()).await.unwrap();
    let pair_db = do_some_work(&engine, &data_dir).await;

    let open_files: Vec<_> = modes_under(&data_dir).into_iter().map(|(p, _, _)| p).collect();
    for name in ["state.sqlite3-wal", "state.sqlite3-shm", "sync/0123456789abcdef.db-wal"] {
        assert!(
            open_files.contains(&data_dir.join(name)),
            "{name} exists while open: {open_files:?}"
        );
    }
    assert_owner_only(&data_dir);
    assert!(data_dir.join("demo-store").is_dir());
    // Folders above the data folder are not Pail's: they keep what they had.
    assert_eq!(mode(tmp.path()), 0o755);

    pair_db.close().await;
    engine.shutdown().await;
    assert_owner_only(&data_dir);
}

#[tokio::test]
async fn an_install_from_before_owner_only_files_is_tightened_when_it_opens() {
    let tmp = tempfile::tempdir().unwrap();
    let data_dir = tmp.path().join("app.pail.desktop");
    let service = service();
    let engine = open_engine(&data_dir, &service).await.unwrap();
    do_some_work(&engine, &data_dir).await.close().await;
    engine.shutdown().await;

    // What an older Pail left: everything world-readable, and a WAL beside the DB after a crash.
    std::fs::write(data_dir.join("state.sqlite3-wal"), b"").unwrap();
    for (path, is_dir, _) in modes_under(&data_dir) {
        set_mode(&path, if is_dir { 0o755 } else { 0o644 });
    }

    let engine = open_engine(&data_dir, &service).await.unwrap();
    engine.resume_demo_if_configured().await.unwrap();
    // As `pail sync` does when it picks its per-pair DB in the data folder.
    pail_engine::private_files::prepare_private_dir(&data_dir.join("sync")).unwrap();
    let pair_db = StateDb::open(&data_dir.join("sync/0123456789abcdef.db")).await.unwrap();
    assert_owner_only(&data_dir);
    pair_db.close().await;
    engine.shutdown().await;
}

#[tokio::test]
async fn a_damaged_state_db_is_reported_and_moved_aside_for_a_fresh_start() {
    let tmp = tempfile::tempdir().unwrap();
    let data_dir = tmp.path().join("app.pail.desktop");
    std::fs::create_dir(&data_dir).unwrap();
    let garbage = vec![0x42_u8; 3 * 4096];
    std::fs::write(Engine::state_db_path(&data_dir), &garbage).unwrap();
    let service = service();

    let err = open_engine(&data_dir, &service).await.unwrap_err();
    assert_eq!(err.code(), ErrorCode::StateCorrupted);
    assert!(matches!(&err, Error::StateCorrupted { path, .. } if *path == Engine::state_db_path(&data_dir)));
    assert_eq!(
        err.user_message(),
        "Pail's list of connections and synced folders is damaged and cannot be read."
    );

    let aside = Engine::move_state_aside(&data_dir).unwrap();
    assert_eq!(aside.parent(), Some(data_dir.as_path()));
    let engine = open_engine(&data_dir, &service).await.unwrap();
    assert!(engine.list_connections().await.unwrap().is_empty());
    engine.shutdown().await;
    assert_eq!(
        std::fs::read(&aside).unwrap(),
        garbage,
        "the damaged file is kept as it was"
    );
    assert_eq!(mode(&aside), 0o600);
}

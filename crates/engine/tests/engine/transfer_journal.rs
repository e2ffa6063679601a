//! The one transfer journal on a real SQLite file: rows of the app's queue, of `pail cp` and of a
//! sync pair live side by side without one owner seeing another's, a pair's open uploads go with
//! the pair, and the sync engine's old upload table moves into the journal on upgrade.

use std::borrow::Cow;

use pail_engine::remote::UploadJournal;
use pail_engine::state::transfers::{self, Direction, PairUploadJournal, PutCondition, TransferRow, TransferState};
use pail_engine::state::{connections, pairs, StateDb, MIGRATOR};
use pail_engine::sync::Mode;

use crate::support::draft;

/// The migration that moved `sync_uploads` into `transfers`.
const ONE_JOURNAL: i64 = 20261202120000;

fn pair(id: &str) -> pairs::SyncPair {
    pairs::SyncPair {
        id: id.into(),
        connection_id: Some("c1".into()),
        bucket: "photos".into(),
        prefix: String::new(),
        local_root: format!("/home/u/{id}").into(),
        mode: Mode::TwoWay,
        paused: false,
        ignore_patterns: Vec::new(),
        change_marker: true,
    }
}

async fn add_connection_and_pair(db: &sqlx::SqlitePool) {
    let valid = draft("http://127.0.0.1:9", "AKIDEXAMPLE", "secret").validate().unwrap();
    let mut conn = db.acquire().await.unwrap();
    connections::insert(&mut conn, "c1", &valid).await.unwrap();
    pairs::insert(&mut *conn, &pair("p1")).await.unwrap();
}

#[tokio::test]
async fn each_owner_sees_only_its_own_rows_and_a_pairs_rows_go_with_it() {
    let dir = tempfile::tempdir().unwrap();
    let db = StateDb::open(&dir.path().join("state.db")).await.unwrap();
    add_connection_and_pair(db.pool()).await;

    let mut queued = TransferRow::new(Direction::Upload, "photos", "a.bin", "/tmp/a.bin");
    queued.connection_id = Some("c1".into());
    queued.put_condition = PutCondition::Absent;
    let mut copied = TransferRow::new(Direction::Upload, "photos", "a.bin", "/tmp/a.bin");
    copied.state = TransferState::Running;
    transfers::insert_all(&db, &[queued.clone(), copied.clone()])
        .await
        .unwrap();
    let journal = PairUploadJournal {
        db: db.clone(),
        pair_id: "p1".into(),
        bucket: "photos".into(),
    };
    journal.started("a.bin", "upload-1").await.unwrap();
    journal.started("b.bin", "upload-2").await.unwrap();

    // The queue sees its row, typed as it was written.
    assert_eq!(transfers::queue(db.pool()).await.unwrap(), vec![queued.clone()]);
    // `pail cp` finds its own interrupted upload of the same file and key, never the queue's or
    // the pair's.
    let found = transfers::find_unfinished_copy(db.pool(), Direction::Upload, "/tmp/a.bin", "photos", "a.bin")
        .await
        .unwrap();
    assert_eq!(found.map(|r| r.id), Some(copied.id.clone()));
    // The pair sees its open uploads; one that ended is gone.
    journal.ended("upload-1").await.unwrap();
    let open = transfers::pair_uploads(db.pool(), "p1").await.unwrap();
    assert_eq!(
        open.iter()
            .map(|r| (r.key.as_str(), r.upload_id.as_deref()))
            .collect::<Vec<_>>(),
        vec![("b.bin", Some("upload-2"))]
    );
    // States round-trip as the typed enum, and one that was running comes back queued.
    transfers::set_state(db.pool(), &queued.id, TransferState::Running)
        .await
        .unwrap();
    let back = transfers::get(db.pool(), &queued.id).await.unwrap().unwrap();
    assert_eq!(back.state, TransferState::Running);
    assert_eq!(back.state.restored(), TransferState::Queued);

    pairs::delete(db.pool(), "p1").await.unwrap();
    assert!(transfers::pair_uploads(db.pool(), "p1").await.unwrap().is_empty());
    assert_eq!(
        transfers::unfinished(db.pool()).await.unwrap().len(),
        2,
        "other owners' rows stay"
    );
}

/// A sync run killed on an older version left its open upload in `sync_uploads`; after the
/// upgrade the next run still finds it (to abort it), with the pair's bucket.
#[tokio::test]
async fn an_older_sync_upload_table_moves_into_the_journal() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("state.db");
    {
        let options = sqlx::sqlite::SqliteConnectOptions::new()
            .filename(&path)
            .create_if_missing(true)
            .foreign_keys(true);
        let pool = sqlx::SqlitePool::connect_with(options).await.unwrap();
        let older = sqlx::migrate::Migrator {
            migrations: Cow::Owned(MIGRATOR.iter().filter(|m| m.version < ONE_JOURNAL).cloned().collect()),
            ignore_missing: false,
            locking: true,
            no_tx: false,
        };
        older.run(&pool).await.unwrap();
        add_connection_and_pair(&pool).await;
        sqlx::query("INSERT INTO sync_uploads (pair_id, key, upload_id, started_at) VALUES ('p1', 'big.bin', 'up-9', '2026-11-30T10:00:00Z')")
            .execute(&pool)
            .await
            .unwrap();
        pool.close().await;
    }
    let db = StateDb::open(&path).await.unwrap();
    let open = transfers::pair_uploads(db.pool(), "p1").await.unwrap();
    assert_eq!(open.len(), 1);
    assert_eq!(
        (
            open[0].bucket.as_str(),
            open[0].key.as_str(),
            open[0].upload_id.as_deref()
        ),
        ("photos", "big.bin", Some("up-9"))
    );
    assert!(transfers::queue(db.pool()).await.unwrap().is_empty());
}

//! The sync tables on a real SQLite file: every base field round-trips (i128 mtimes, missing
//! inodes), big batches commit in one transaction, pairs cascade from connections, bad rows are
//! skipped rather than fatal, and everything survives reopening the file.

use std::collections::BTreeMap;
use std::path::PathBuf;

use pail_engine::core::activity::ActivityKind;
use pail_engine::state::{bases, connections, pairs, StateDb};
use pail_engine::sync::{BaseFile, BaseState, ContentHash, Mode, RelPath};
use pail_engine::ErrorCode;

use crate::support::draft;

async fn open(dir: &tempfile::TempDir) -> StateDb {
    StateDb::open(&dir.path().join("state.db")).await.unwrap()
}

async fn add_connection(db: &StateDb, id: &str) {
    let valid = draft("http://127.0.0.1:9", "AKIDEXAMPLE", "secret").validate().unwrap();
    let mut conn = db.pool().acquire().await.unwrap();
    connections::insert(&mut conn, id, &valid).await.unwrap();
}

fn pair(id: &str, connection_id: &str, root: &str) -> pairs::SyncPair {
    pairs::SyncPair {
        id: id.into(),
        connection_id: Some(connection_id.into()),
        bucket: "photos".into(),
        prefix: "team/docs/".into(),
        local_root: PathBuf::from(root),
        mode: Mode::TwoWay,
        paused: false,
        ignore_patterns: vec![".DS_Store".into(), "*.tmp".into()],
        change_marker: true,
    }
}

/// A database with one connection `c1` and one pair `p1`.
async fn db_with_pair(dir: &tempfile::TempDir) -> StateDb {
    let db = open(dir).await;
    add_connection(&db, "c1").await;
    pairs::insert(db.pool(), &pair("p1", "c1", "/home/u/Sync"))
        .await
        .unwrap();
    db
}

fn path(s: &str) -> RelPath {
    RelPath::new(s).unwrap()
}

fn file(n: u32) -> BaseState {
    let mut hash = [0u8; 32];
    hash[..4].copy_from_slice(&n.to_le_bytes());
    hash[31] = 0xff;
    BaseState::File(BaseFile {
        hash: ContentHash(hash),
        size: u64::from(n) * 1000,
        local_mtime_ns: 1_700_000_000_000_000_000 + i128::from(n),
        local_inode: Some(u64::from(n) + 1),
        remote_etag: format!("etag-{n}"),
        remote_version_id: n.is_multiple_of(2).then(|| format!("v{n}")),
        stamp_racy: n.is_multiple_of(3),
    })
}

async fn upsert(db: &StateDb, pair_id: &str, entries: &[(RelPath, BaseState)]) {
    let mut tx = db.pool().begin().await.unwrap();
    bases::upsert_many(&mut tx, pair_id, entries).await.unwrap();
    tx.commit().await.unwrap();
}

#[tokio::test]
async fn every_base_field_round_trips_including_extreme_values() {
    let dir = tempfile::tempdir().unwrap();
    let db = db_with_pair(&dir).await;
    let entries = vec![
        (
            path("far/future.bin"),
            BaseState::File(BaseFile {
                hash: ContentHash([0xab; 32]),
                size: i64::MAX as u64,
                // Beyond i64: the reason the column is not an INTEGER.
                local_mtime_ns: i128::from(i64::MAX) * 1000 + 7,
                local_inode: None,
                remote_etag: "\"multipart-3\"".into(),
                remote_version_id: Some("3HL4kqtJlcpXroDTDmJ+rmSpXd3dIbrHY".into()),
                stamp_racy: false,
            }),
        ),
        (
            path("before/epoch.txt"),
            BaseState::File(BaseFile {
                hash: ContentHash([0; 32]),
                size: 0,
                local_mtime_ns: i128::from(i64::MIN) - 1,
                // Above i64::MAX: stored bit-cast, must come back unchanged.
                local_inode: Some(u64::MAX),
                remote_etag: String::new(),
                remote_version_id: None,
                stamp_racy: false,
            }),
        ),
        (path("été/naïve ☃.md"), file(7)),
        (path("empty folder/"), BaseState::Dir),
    ];
    upsert(&db, "p1", &entries).await;
    let loaded = bases::load_all(db.pool(), "p1").await.unwrap();
    assert_eq!(loaded, entries.into_iter().collect::<BTreeMap<_, _>>());

    // An upsert replaces every field, including a file becoming a folder.
    upsert(
        &db,
        "p1",
        &[
            (path("far/future.bin"), file(1)),
            (path("été/naïve ☃.md"), BaseState::Dir),
        ],
    )
    .await;
    let loaded = bases::load_all(db.pool(), "p1").await.unwrap();
    assert_eq!(loaded[&path("far/future.bin")], file(1));
    assert_eq!(loaded[&path("été/naïve ☃.md")], BaseState::Dir);
    assert_eq!(bases::count(db.pool(), "p1").await.unwrap(), 4);
}

#[tokio::test]
async fn ten_thousand_bases_in_one_transaction_load_back_equal() {
    let dir = tempfile::tempdir().unwrap();
    let db = db_with_pair(&dir).await;
    let entries: Vec<(RelPath, BaseState)> = (0..10_000u32)
        .map(|n| {
            if n.is_multiple_of(100) {
                (path(&format!("d{}/", n / 100)), BaseState::Dir)
            } else {
                (path(&format!("d{}/f{n}.dat", n / 100)), file(n))
            }
        })
        .collect();
    upsert(&db, "p1", &entries).await;
    assert_eq!(bases::count(db.pool(), "p1").await.unwrap(), 10_000);
    let loaded = bases::load_all(db.pool(), "p1").await.unwrap();
    assert_eq!(loaded, entries.into_iter().collect::<BTreeMap<_, _>>());
}

#[tokio::test]
async fn a_rolled_back_batch_leaves_no_trace() {
    let dir = tempfile::tempdir().unwrap();
    let db = db_with_pair(&dir).await;
    let mut tx = db.pool().begin().await.unwrap();
    bases::upsert_many(&mut tx, "p1", &[(path("a"), file(1))])
        .await
        .unwrap();
    tx.rollback().await.unwrap();
    assert_eq!(bases::count(db.pool(), "p1").await.unwrap(), 0);
}

#[tokio::test]
async fn delete_many_forgets_only_the_given_paths_of_the_given_pair() {
    let dir = tempfile::tempdir().unwrap();
    let db = db_with_pair(&dir).await;
    pairs::insert(db.pool(), &pair("p2", "c1", "/home/u/Other"))
        .await
        .unwrap();
    let entries: Vec<_> = ["a", "b", "c/", "c/d"].iter().map(|p| (path(p), file(1))).collect();
    upsert(&db, "p1", &entries).await;
    upsert(&db, "p2", &entries).await;

    let mut tx = db.pool().begin().await.unwrap();
    let gone = bases::delete_many(&mut tx, "p1", &[path("a"), path("c/d"), path("never-there")])
        .await
        .unwrap();
    tx.commit().await.unwrap();
    assert_eq!(gone, 2);
    let left: Vec<String> = bases::load_all(db.pool(), "p1")
        .await
        .unwrap()
        .into_keys()
        .map(String::from)
        .collect();
    assert_eq!(left, ["b", "c/"]);
    assert_eq!(bases::count(db.pool(), "p2").await.unwrap(), 4);
}

/// Requests are summed per hour; "the last 24 hours" takes the current hour and the 23 before
/// it, and rows older than 30 days go.
#[tokio::test]
async fn the_request_log_sums_by_hour_and_forgets_after_a_month() {
    use chrono::{Duration, TimeZone, Utc};
    use pail_engine::remote::request_meter::RequestCounts;
    use pail_engine::state::request_log;
    let dir = tempfile::tempdir().unwrap();
    let db = db_with_pair(&dir).await;
    let now = Utc.with_ymd_and_hms(2026, 12, 2, 9, 30, 0).unwrap();
    let heads = |n| RequestCounts {
        head: n,
        ..RequestCounts::default()
    };
    let old = now - Duration::days(31);
    request_log::add(db.pool(), "p1", old, &heads(1000)).await.unwrap();
    request_log::add(db.pool(), "p1", now - Duration::hours(24), &heads(100))
        .await
        .unwrap();
    request_log::add(db.pool(), "p1", now - Duration::hours(23), &heads(10))
        .await
        .unwrap();
    let put = RequestCounts {
        list: 1,
        put: 2,
        ..RequestCounts::default()
    };
    request_log::add(db.pool(), "p1", now, &put).await.unwrap();
    request_log::add(db.pool(), "p1", now, &heads(5)).await.unwrap();
    let day = request_log::last_day(db.pool(), "p1", now).await.unwrap();
    assert_eq!(
        day,
        RequestCounts {
            list: 1,
            head: 15,
            put: 2,
            ..RequestCounts::default()
        }
    );
    let month = request_log::last_day(db.pool(), "p1", old).await.unwrap();
    assert_eq!(month.total(), 0, "a row older than 30 days was kept");
    assert_eq!(request_log::last_day(db.pool(), "p2", now).await.unwrap().total(), 0);
}

/// A pass over a few named paths reads their bases and everything below them, and nothing of
/// their neighbours that merely start with the same letters (`a.txt` beside `a`, `a0`).
#[tokio::test]
async fn bases_under_named_paths_are_read_without_their_neighbours() {
    let dir = tempfile::tempdir().unwrap();
    let db = db_with_pair(&dir).await;
    pairs::insert(db.pool(), &pair("p2", "c1", "/home/u/Other"))
        .await
        .unwrap();
    let all = ["a", "a/", "a/b", "a/c/", "a/c/d", "a.txt", "a0", "ab", "z/y"];
    let entries: Vec<_> = all.iter().map(|p| (path(p), file(1))).collect();
    upsert(&db, "p1", &entries).await;
    upsert(&db, "p2", &entries).await;
    let mut conn = db.pool().acquire().await.unwrap();
    let mut under = async |named: &[&str]| -> Vec<String> {
        bases::load_under(&mut conn, "p1", named.iter().copied())
            .await
            .unwrap()
            .into_keys()
            .map(String::from)
            .collect()
    };
    assert_eq!(under(&["a"]).await, ["a", "a/", "a/b", "a/c/", "a/c/d"]);
    assert_eq!(under(&["a.txt", "z/y"]).await, ["a.txt", "z/y"]);
    assert_eq!(under(&["a/c", "missing"]).await, ["a/c/", "a/c/d"]);
}

#[tokio::test]
async fn pairs_are_created_listed_updated_and_deleted() {
    let dir = tempfile::tempdir().unwrap();
    let db = db_with_pair(&dir).await;
    let mut second = pair("p2", "c1", "/home/u/Backup");
    second.prefix = String::new();
    second.mode = Mode::UploadOnly;
    second.ignore_patterns = vec![];
    pairs::insert(db.pool(), &second).await.unwrap();

    assert_eq!(
        pairs::get(db.pool(), "p1").await.unwrap(),
        Some(pair("p1", "c1", "/home/u/Sync"))
    );
    assert_eq!(pairs::get(db.pool(), "nope").await.unwrap(), None);
    let ids: Vec<String> = pairs::list(db.pool())
        .await
        .unwrap()
        .into_iter()
        .map(|p| p.id)
        .collect();
    assert_eq!(ids, ["p1", "p2"]);

    assert!(pairs::set_paused(db.pool(), "p2", true).await.unwrap());
    let patterns = vec![
        "node_modules/".to_owned(),
        "!keep.tmp".to_owned(),
        "# comment".to_owned(),
    ];
    assert!(pairs::set_ignore_patterns(db.pool(), "p2", &patterns).await.unwrap());
    // The change marker is on unless switched off, and the switch is remembered.
    assert!(pairs::get(db.pool(), "p2").await.unwrap().unwrap().change_marker);
    assert!(pairs::set_change_marker(db.pool(), "p2", false).await.unwrap());
    assert!(!pairs::get(db.pool(), "p2").await.unwrap().unwrap().change_marker);
    assert!(!pairs::set_change_marker(db.pool(), "nope", false).await.unwrap());
    let got = pairs::get(db.pool(), "p2").await.unwrap().unwrap();
    assert!(got.paused);
    assert_eq!(got.ignore_patterns, patterns);
    assert_eq!(got.mode, Mode::UploadOnly);
    assert_eq!(got.prefix, "");
    assert!(!pairs::set_paused(db.pool(), "nope", true).await.unwrap());

    // A pattern cannot smuggle a second line into the newline-separated column.
    let err = pairs::set_ignore_patterns(db.pool(), "p2", &["a\nb".to_owned()])
        .await
        .unwrap_err();
    assert_eq!(err.code(), ErrorCode::InvalidInput);

    upsert(&db, "p2", &[(path("x"), file(1))]).await;
    bases::record_activity(db.pool(), "p2", "x", ActivityKind::Upload, "")
        .await
        .unwrap();
    assert!(pairs::delete(db.pool(), "p2").await.unwrap());
    assert!(!pairs::delete(db.pool(), "p2").await.unwrap());
    assert_eq!(bases::count(db.pool(), "p2").await.unwrap(), 0);
    assert!(bases::recent_activity(db.pool(), "p2", 10).await.unwrap().is_empty());
}

#[tokio::test]
async fn bad_pairs_are_refused_with_plain_reasons() {
    let dir = tempfile::tempdir().unwrap();
    let db = db_with_pair(&dir).await;
    let same_folder = pairs::insert(db.pool(), &pair("p2", "c1", "/home/u/Sync"))
        .await
        .unwrap_err();
    assert_eq!(same_folder.code(), ErrorCode::InvalidInput);
    assert!(
        same_folder.user_message().contains("already synced"),
        "{}",
        same_folder.user_message()
    );

    let no_connection = pairs::insert(db.pool(), &pair("p3", "ghost", "/home/u/Ghost"))
        .await
        .unwrap_err();
    assert_eq!(no_connection.code(), ErrorCode::NotFound);

    let mut bad_prefix = pair("p4", "c1", "/home/u/Prefix");
    bad_prefix.prefix = "no-slash".into();
    let err = pairs::insert(db.pool(), &bad_prefix).await.unwrap_err();
    assert_eq!(err.code(), ErrorCode::InvalidInput);
    assert_eq!(pairs::list(db.pool()).await.unwrap().len(), 1);
}

#[tokio::test]
async fn deleting_a_connection_deletes_its_pairs_bases_and_activity() {
    let dir = tempfile::tempdir().unwrap();
    let db = db_with_pair(&dir).await;
    add_connection(&db, "c2").await;
    pairs::insert(db.pool(), &pair("p2", "c2", "/home/u/Kept"))
        .await
        .unwrap();
    upsert(&db, "p1", &[(path("a"), file(1)), (path("b/"), BaseState::Dir)]).await;
    upsert(&db, "p2", &[(path("a"), file(1))]).await;
    bases::record_activity(db.pool(), "p1", "a", ActivityKind::Upload, "")
        .await
        .unwrap();

    assert!(connections::delete(db.pool(), "c1").await.unwrap());
    assert_eq!(pairs::get(db.pool(), "p1").await.unwrap(), None);
    assert_eq!(bases::count(db.pool(), "p1").await.unwrap(), 0);
    assert!(bases::recent_activity(db.pool(), "p1", 10).await.unwrap().is_empty());
    // The other connection's pair is untouched.
    assert!(pairs::get(db.pool(), "p2").await.unwrap().is_some());
    assert_eq!(bases::count(db.pool(), "p2").await.unwrap(), 1);
}

#[tokio::test]
async fn stored_rows_that_fail_validation_are_skipped_not_fatal() {
    let dir = tempfile::tempdir().unwrap();
    let db = db_with_pair(&dir).await;
    upsert(&db, "p1", &[(path("good"), file(1))]).await;
    // Rows written by an older version or edited by hand: a hostile path and a garbled mtime.
    for (p, mtime) in [("../escape", "1"), ("a//b", "1"), ("garbled", "yesterday")] {
        sqlx::query(
            "INSERT INTO sync_base (pair_id, path, kind, hash, size, local_mtime_ns, remote_etag, updated_at)
             VALUES ('p1', ?, 'file', zeroblob(32), 1, ?, 'e', 'now')",
        )
        .bind(p)
        .bind(mtime)
        .execute(db.pool())
        .await
        .unwrap();
    }
    let loaded = bases::load_all(db.pool(), "p1").await.unwrap();
    assert_eq!(loaded.keys().map(RelPath::as_str).collect::<Vec<_>>(), ["good"]);
    assert_eq!(bases::count(db.pool(), "p1").await.unwrap(), 4);
}

#[tokio::test]
async fn activity_comes_back_newest_first_and_limited_per_pair() {
    let dir = tempfile::tempdir().unwrap();
    let db = db_with_pair(&dir).await;
    pairs::insert(db.pool(), &pair("p2", "c1", "/home/u/Other"))
        .await
        .unwrap();
    for n in 0..5 {
        bases::record_activity(
            db.pool(),
            "p1",
            &format!("f{n}"),
            ActivityKind::Upload,
            &format!("{n} bytes"),
        )
        .await
        .unwrap();
    }
    bases::record_activity(
        db.pool(),
        "p2",
        "../x",
        ActivityKind::Skip,
        "the path has a `..` segment",
    )
    .await
    .unwrap();

    let recent = bases::recent_activity(db.pool(), "p1", 3).await.unwrap();
    let paths: Vec<&str> = recent.iter().map(|a| a.path.as_str()).collect();
    assert_eq!(paths, ["f4", "f3", "f2"]);
    assert_eq!(recent[0].action, ActivityKind::Upload);
    assert_eq!(recent[0].detail, "4 bytes");
    // A line of a kind this version does not know (written by a newer Pail) is left out, and the
    // rest of the feed still reads.
    sqlx::query("INSERT INTO sync_activity (pair_id, at, path, action, detail) VALUES ('p1', '2099-01-01T00:00:00Z', 'new', 'teleport', '')")
        .execute(db.pool())
        .await
        .unwrap();
    let recent = bases::recent_activity(db.pool(), "p1", 3).await.unwrap();
    assert_eq!(recent.iter().map(|a| a.path.as_str()).collect::<Vec<_>>(), ["f4", "f3"]);
    sqlx::query("DELETE FROM sync_activity WHERE action = 'teleport'")
        .execute(db.pool())
        .await
        .unwrap();
    assert!(recent.windows(2).all(|w| w[0].at >= w[1].at));
    let other = bases::recent_activity(db.pool(), "p2", 10).await.unwrap();
    assert_eq!(other.len(), 1);
    assert_eq!(other[0].path, "../x");

    assert_eq!(bases::prune_activity(db.pool(), "p1", 2).await.unwrap(), 3);
    let kept: Vec<String> = bases::recent_activity(db.pool(), "p1", 10)
        .await
        .unwrap()
        .into_iter()
        .map(|a| a.path)
        .collect();
    assert_eq!(kept, ["f4", "f3"]);
    assert_eq!(bases::recent_activity(db.pool(), "p2", 10).await.unwrap().len(), 1);
}

#[tokio::test]
async fn reopening_the_file_keeps_everything() {
    let dir = tempfile::tempdir().unwrap();
    let db = db_with_pair(&dir).await;
    let entries = vec![(path("a/b.txt"), file(3)), (path("a/"), BaseState::Dir)];
    upsert(&db, "p1", &entries).await;
    bases::record_activity(db.pool(), "p1", "a/b.txt", ActivityKind::Download, "")
        .await
        .unwrap();
    pairs::set_paused(db.pool(), "p1", true).await.unwrap();
    db.close().await;
    drop(db);

    // Twice: the second open must find every migration applied and change nothing.
    for _ in 0..2 {
        let db = open(&dir).await;
        let mut expected = pair("p1", "c1", "/home/u/Sync");
        expected.paused = true;
        assert_eq!(pairs::get(db.pool(), "p1").await.unwrap(), Some(expected));
        assert_eq!(
            bases::load_all(db.pool(), "p1").await.unwrap(),
            entries.iter().cloned().collect::<BTreeMap<_, _>>()
        );
        assert_eq!(bases::recent_activity(db.pool(), "p1", 10).await.unwrap().len(), 1);
        db.close().await;
    }
}

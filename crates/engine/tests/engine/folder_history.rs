//! The time machine against a real versioned bucket (moto): a folder's tree at any moment, its
//! timeline and changes, restore in place (undoable, every version kept, other writers' changes
//! left to them) and restore into a local folder; a store without versions says so.

use std::collections::{BTreeMap, BTreeSet};
use std::time::Duration;

use aws_sdk_s3::types::{BucketVersioningStatus, VersioningConfiguration};
use chrono::{DateTime, Utc};
use pail_engine::history::folder::{self, FileAt};
use pail_engine::history::model::ChangeKind;
use pail_engine::remote::Remote;

use crate::support::*;

type Tree = BTreeMap<String, Vec<u8>>;

async fn versioned_bucket(tag: &str) -> (Remote, aws_sdk_s3::Client, String) {
    let endpoint = moto_endpoint();
    let client = sdk_client(&endpoint, "k", "s");
    let bucket = bucket_name(tag);
    make_bucket(&client, &bucket, &[]).await;
    s3::enable_versioning(&client, &bucket).await;
    (remote(&endpoint, "k", "s").await, client, bucket)
}

/// Every (key, version id) in the bucket, delete markers included.
async fn all_versions(client: &aws_sdk_s3::Client, bucket: &str) -> BTreeSet<(String, String)> {
    let mut out = BTreeSet::new();
    let mut markers: (Option<String>, Option<String>) = (None, None);
    loop {
        let page = client
            .list_object_versions()
            .bucket(bucket)
            .set_key_marker(markers.0.take())
            .set_version_id_marker(markers.1.take())
            .send()
            .await
            .expect("list versions");
        for v in page.versions() {
            out.insert((
                v.key().unwrap_or_default().to_owned(),
                v.version_id().unwrap_or_default().to_owned(),
            ));
        }
        for d in page.delete_markers() {
            out.insert((
                d.key().unwrap_or_default().to_owned(),
                d.version_id().unwrap_or_default().to_owned(),
            ));
        }
        if page.is_truncated() != Some(true) {
            return out;
        }
        markers = (
            page.next_key_marker().map(str::to_owned),
            page.next_version_id_marker().map(str::to_owned),
        );
    }
}

async fn delete(client: &aws_sdk_s3::Client, bucket: &str, key: &str) {
    client
        .delete_object()
        .bucket(bucket)
        .key(key)
        .send()
        .await
        .expect("delete");
}

/// Ends a moment: the time now, after waiting until the clock is in a later second, so the next
/// writes (and S3 keeps times to the second) are after it. This orders writes; it asserts nothing.
async fn end_moment() -> DateTime<Utc> {
    let at = Utc::now();
    let next = at.timestamp() + 1;
    while Utc::now().timestamp() < next {
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    at
}

/// `tree` as `s3::objects` shows it: keys relative to `prefix`.
fn below(tree: &Tree, prefix: &str) -> Tree {
    tree.iter()
        .map(|(k, v)| (k.strip_prefix(prefix).unwrap_or(k).to_owned(), v.clone()))
        .collect()
}

fn tree(files: &[(&str, &str)]) -> Tree {
    files
        .iter()
        .map(|(k, v)| (k.to_string(), v.as_bytes().to_vec()))
        .collect()
}

#[tokio::test]
async fn restoring_a_folder_in_place_to_each_moment_gives_that_tree_and_keeps_every_version() {
    let (r, client, bucket) = versioned_bucket("history").await;
    s3::put(&client, &bucket, "other/outside.txt", b"not in the folder")
        .await
        .unwrap();
    // Moment 0: a nested folder.
    s3::put(&client, &bucket, "proj/a.txt", b"a1").await.unwrap();
    s3::put(&client, &bucket, "proj/docs/b.txt", b"b1").await.unwrap();
    s3::put(&client, &bucket, "proj/docs/deep/c.txt", b"c1").await.unwrap();
    let m0 = end_moment().await;
    // Moment 1: one edited, one deleted, one added.
    s3::put(&client, &bucket, "proj/a.txt", b"a2").await.unwrap();
    delete(&client, &bucket, "proj/docs/b.txt").await;
    s3::put(&client, &bucket, "proj/docs/new.txt", b"n1").await.unwrap();
    let m1 = end_moment().await;
    // Moment 2: deleted ones, and one re-created with new content.
    delete(&client, &bucket, "proj/docs/deep/c.txt").await;
    delete(&client, &bucket, "proj/docs/new.txt").await;
    s3::put(&client, &bucket, "proj/docs/b.txt", b"b2").await.unwrap();
    let m2 = end_moment().await;
    // Moment 3: the first file gone, a new one.
    delete(&client, &bucket, "proj/a.txt").await;
    s3::put(&client, &bucket, "proj/e.txt", b"e1").await.unwrap();
    let m3 = end_moment().await;

    let expected = [
        (
            m0,
            tree(&[
                ("proj/a.txt", "a1"),
                ("proj/docs/b.txt", "b1"),
                ("proj/docs/deep/c.txt", "c1"),
            ]),
        ),
        (
            m1,
            tree(&[
                ("proj/a.txt", "a2"),
                ("proj/docs/deep/c.txt", "c1"),
                ("proj/docs/new.txt", "n1"),
            ]),
        ),
        (m2, tree(&[("proj/a.txt", "a2"), ("proj/docs/b.txt", "b2")])),
        (m3, tree(&[("proj/docs/b.txt", "b2"), ("proj/e.txt", "e1")])),
    ];

    // The tree at each moment, read without changing anything.
    for (at, want) in &expected {
        let mut files: Vec<FileAt> = Vec::new();
        folder::files_at(&r, &bucket, "proj/", *at, |f| files.push(f))
            .await
            .unwrap();
        let keys: Vec<&str> = files.iter().map(|f| f.key.as_str()).collect();
        assert_eq!(
            keys,
            want.keys().map(String::as_str).collect::<Vec<_>>(),
            "files at {at}"
        );
    }
    // What changed from moment 0 to moment 2.
    let mut changes = Vec::new();
    folder::changes(&r, &bucket, "proj/", m0, Some(m2), |c| changes.push((c.key, c.kind)))
        .await
        .unwrap();
    assert_eq!(
        changes,
        vec![
            ("proj/a.txt".to_owned(), ChangeKind::Changed),
            ("proj/docs/b.txt".to_owned(), ChangeKind::Changed),
            ("proj/docs/deep/c.txt".to_owned(), ChangeKind::Deleted),
        ]
    );
    let line = folder::timeline(&r, &bucket, "proj/").await.unwrap();
    assert!(line.len() >= 4, "at least one change point per moment: {line:?}");
    assert_eq!(
        line.iter().map(|p| p.changes).sum::<u32>(),
        11,
        "every version and deletion in the folder counted"
    );

    // Restore in place to each moment, out of order.
    for i in [1, 0, 3, 2, 0] {
        let (at, want) = &expected[i];
        let before = all_versions(&client, &bucket).await;
        let report = folder::restore_in_place(&r, &bucket, "proj/", *at, false)
            .await
            .unwrap();
        assert!(report.failed.is_empty() && report.left.is_empty(), "{report:?}");
        assert_eq!(
            s3::objects(&client, &bucket, "proj/").await,
            below(want, "proj/"),
            "the folder as at moment {i}"
        );
        let after = all_versions(&client, &bucket).await;
        assert!(
            before.is_subset(&after),
            "a version went missing restoring to moment {i}"
        );
        end_moment().await;
    }
    assert_eq!(
        s3::get(&client, &bucket, "other/outside.txt").await.as_deref(),
        Some(&b"not in the folder"[..]),
        "outside the folder nothing changed"
    );

    // A restore is itself undoable: restore to the moment just before it.
    let state = s3::objects(&client, &bucket, "proj/").await;
    let just_before = end_moment().await;
    folder::restore_in_place(&r, &bucket, "proj/", m3, false).await.unwrap();
    assert_eq!(
        s3::objects(&client, &bucket, "proj/").await,
        below(&expected[3].1, "proj/")
    );
    end_moment().await;
    folder::restore_in_place(&r, &bucket, "proj/", just_before, false)
        .await
        .unwrap();
    assert_eq!(
        s3::objects(&client, &bucket, "proj/").await,
        state,
        "back to the state before the restore"
    );
}

#[tokio::test]
async fn a_dry_run_changes_nothing_and_a_key_changed_by_someone_else_is_left_to_them() {
    let (r, client, bucket) = versioned_bucket("history-race").await;
    s3::put(&client, &bucket, "f/one.txt", b"old one").await.unwrap();
    s3::put(&client, &bucket, "f/two.txt", b"old two").await.unwrap();
    let then = end_moment().await;
    s3::put(&client, &bucket, "f/one.txt", b"new one").await.unwrap();
    s3::put(&client, &bucket, "f/two.txt", b"new two").await.unwrap();
    s3::put(&client, &bucket, "f/three.txt", b"added").await.unwrap();
    end_moment().await;

    let before = all_versions(&client, &bucket).await;
    let dry = folder::restore_in_place(&r, &bucket, "f/", then, true).await.unwrap();
    assert_eq!(dry.restored, vec!["f/one.txt", "f/two.txt"]);
    assert_eq!(dry.removed, vec!["f/three.txt"]);
    assert_eq!(all_versions(&client, &bucket).await, before, "a dry run wrote nothing");

    // Another computer writes one.txt after the plan was made and before it is carried out.
    let plan = folder::plan_restore(&r, &bucket, "f/", then).await.unwrap();
    s3::put(&client, &bucket, "f/one.txt", b"written by someone else")
        .await
        .unwrap();
    let report = folder::apply_restore(&r, plan).await.unwrap();
    assert_eq!(
        report.left.iter().map(|l| l.key.as_str()).collect::<Vec<_>>(),
        vec!["f/one.txt"]
    );
    assert!(
        report.left[0].reason.contains("newer change was kept"),
        "{:?}",
        report.left
    );
    assert_eq!(
        s3::get(&client, &bucket, "f/one.txt").await.as_deref(),
        Some(&b"written by someone else"[..]),
        "the other writer's change is not overwritten"
    );
    assert_eq!(
        s3::get(&client, &bucket, "f/two.txt").await.as_deref(),
        Some(&b"old two"[..])
    );
    assert_eq!(s3::get(&client, &bucket, "f/three.txt").await, None);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_write_landing_between_the_check_and_the_restore_copy_is_kept_and_the_copy_taken_back() {
    use pail_testkit::fault_proxy::{FaultConfig, FaultProxy};
    let (_, client, bucket) = versioned_bucket("history-takeback").await;
    s3::put(&client, &bucket, "f/one.txt", b"old one").await.unwrap();
    let then = end_moment().await;
    s3::put(&client, &bucket, "f/one.txt", b"new one").await.unwrap();
    end_moment().await;
    // The restore talks through a proxy that holds its server-side copy back: the other
    // writer's change lands after the restore checked the key and before its copy.
    let proxy = FaultProxy::start(moto_endpoint(), 7, FaultConfig::none());
    let r = remote(&proxy.endpoint(), "k", "s").await;
    let plan = folder::plan_restore(&r, &bucket, "f/", then).await.unwrap();
    let held =
        proxy.hold_next(|method, _, head| method == "PUT" && head.to_ascii_lowercase().contains("x-amz-copy-source"));
    let restoring = tokio::spawn(async move { folder::apply_restore(&r, plan).await });
    held.arrived().await;
    s3::put(&client, &bucket, "f/one.txt", b"theirs, in the middle")
        .await
        .unwrap();
    let before = all_versions(&client, &bucket).await;
    held.release();
    let report = restoring.await.unwrap().unwrap();
    assert!(report.restored.is_empty(), "{report:?}");
    assert_eq!(report.left.len(), 1, "{report:?}");
    assert!(report.left[0].reason.contains("their change"), "{:?}", report.left);
    assert_eq!(
        s3::get(&client, &bucket, "f/one.txt").await.as_deref(),
        Some(&b"theirs, in the middle"[..]),
        "the other writer's change is current again"
    );
    // Only the restore's own copy went; every version from before it is still there.
    assert!(
        before.is_subset(&all_versions(&client, &bucket).await),
        "a version was lost"
    );
}

#[tokio::test]
async fn a_restore_runs_what_its_preview_showed_and_leaves_files_added_since_alone() {
    let (r, client, bucket) = versioned_bucket("history-preview").await;
    s3::put(&client, &bucket, "f/one.txt", b"old one").await.unwrap();
    let then = end_moment().await;
    s3::put(&client, &bucket, "f/one.txt", b"new one").await.unwrap();
    s3::put(&client, &bucket, "f/added.txt", b"added").await.unwrap();
    end_moment().await;

    let mut shown = Vec::new();
    let plan = folder::preview_restore(&r, &bucket, "f/", then, |c| shown.push((c.key, c.kind)))
        .await
        .unwrap();
    assert_eq!(
        shown,
        vec![
            ("f/added.txt".to_owned(), ChangeKind::Added),
            ("f/one.txt".to_owned(), ChangeKind::Changed)
        ]
    );
    assert_eq!(plan.steps.len(), 2);
    // A colleague adds a file after the preview: going back must not remove what was not shown.
    s3::put(&client, &bucket, "f/after-preview.txt", b"not shown")
        .await
        .unwrap();
    let report = folder::apply_restore(&r, plan).await.unwrap();
    assert_eq!(report.restored, vec!["f/one.txt"]);
    assert_eq!(report.removed, vec!["f/added.txt"]);
    assert_eq!(
        s3::get(&client, &bucket, "f/after-preview.txt").await.as_deref(),
        Some(&b"not shown"[..])
    );
    assert_eq!(
        s3::get(&client, &bucket, "f/one.txt").await.as_deref(),
        Some(&b"old one"[..])
    );
}

#[tokio::test]
async fn a_folder_restored_into_a_local_folder_is_that_moments_tree_and_existing_files_stay() {
    let (r, client, bucket) = versioned_bucket("history-local").await;
    s3::put(&client, &bucket, "p/a.txt", b"first a").await.unwrap();
    s3::put(&client, &bucket, "p/sub/b.txt", b"first b").await.unwrap();
    let then = end_moment().await;
    s3::put(&client, &bucket, "p/a.txt", b"second a").await.unwrap();
    delete(&client, &bucket, "p/sub/b.txt").await;

    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("restored");
    std::fs::create_dir_all(&out).unwrap();
    std::fs::write(out.join("a.txt"), b"mine, not to be replaced").unwrap();
    let report = folder::restore_to_dir(&r, &bucket, "p/", then, &out, false)
        .await
        .unwrap();
    assert_eq!(report.restored, vec!["p/sub/b.txt"]);
    assert_eq!(
        report.left.iter().map(|l| l.key.as_str()).collect::<Vec<_>>(),
        vec!["p/a.txt"]
    );
    assert_eq!(std::fs::read(out.join("a.txt")).unwrap(), b"mine, not to be replaced");
    assert_eq!(std::fs::read(out.join("sub/b.txt")).unwrap(), b"first b");

    let fresh = dir.path().join("fresh");
    let report = folder::restore_to_dir(&r, &bucket, "p/", then, &fresh, false)
        .await
        .unwrap();
    assert_eq!(report.restored.len(), 2, "{report:?}");
    assert_eq!(std::fs::read(fresh.join("a.txt")).unwrap(), b"first a");
}

#[tokio::test]
async fn ten_thousand_versions_in_one_folder_are_read_page_by_page_one_key_at_a_time() {
    let (r, client, bucket) = versioned_bucket("history-many").await;
    // 2,000 keys × 5 versions, written 32 at a time.
    let writes: Vec<(String, Vec<u8>)> = (0..5)
        .flat_map(|v| (0..2000).map(move |k| (format!("big/k{k:05}.txt"), format!("v{v}").into_bytes())))
        .collect();
    for chunk in writes.chunks(32) {
        let mut set = tokio::task::JoinSet::new();
        for (key, body) in chunk {
            let (client, bucket, key, body) = (client.clone(), bucket.clone(), key.clone(), body.clone());
            set.spawn(async move { s3::put(&client, &bucket, &key, &body).await });
        }
        while let Some(done) = set.join_next().await {
            assert!(done.unwrap().is_some(), "a put failed");
        }
    }
    let mut keys = 0usize;
    let mut versions = 0usize;
    let mut most_held = 0usize;
    r.for_each_key_history(&bucket, "big/", |h| {
        keys += 1;
        versions += h.versions.len();
        most_held = most_held.max(h.versions.len());
        assert_eq!(h.versions.iter().filter(|v| v.is_latest).count(), 1, "{}", h.key);
        std::ops::ControlFlow::Continue(())
    })
    .await
    .unwrap();
    assert_eq!((keys, versions), (2000, 10_000));
    assert_eq!(most_held, 5, "only one key's versions are held at a time");
    let line = folder::timeline(&r, &bucket, "big/").await.unwrap();
    assert_eq!(line.iter().map(|p| u64::from(p.changes)).sum::<u64>(), 10_000);
}

#[tokio::test]
async fn a_bucket_without_versions_says_so_in_words() {
    let endpoint = moto_endpoint();
    let client = sdk_client(&endpoint, "k", "s");
    let bucket = bucket_name("history-off");
    make_bucket(&client, &bucket, &["x/a.txt".to_owned()]).await;
    let r = remote(&endpoint, "k", "s").await;
    let e = folder::timeline(&r, &bucket, "x/").await.unwrap_err();
    assert!(
        e.user_message().contains("does not keep earlier versions"),
        "{}",
        e.user_message()
    );
    let e = folder::restore_in_place(&r, &bucket, "x/", Utc::now(), false)
        .await
        .unwrap_err();
    assert!(
        e.user_message().contains("does not keep earlier versions"),
        "{}",
        e.user_message()
    );
    assert_eq!(
        s3::keys(&client, &bucket, "x/").await,
        vec!["x/a.txt"],
        "nothing was touched"
    );
}

#[tokio::test]
async fn pails_own_store_which_keeps_no_versions_says_so_and_nothing_is_touched() {
    let dir = tempfile::tempdir().unwrap();
    let store = pail_devstore::DevStore::start(pail_devstore::DevStoreConfig::new(
        dir.path().to_path_buf(),
        "DEVKEY",
        "dev-secret",
    ))
    .await
    .unwrap();
    let client = sdk_client(&store.endpoint(), "DEVKEY", "dev-secret");
    client.create_bucket().bucket("plain").send().await.unwrap();
    s3::put(&client, "plain", "x/a.txt", b"kept").await;
    let r = remote(&store.endpoint(), "DEVKEY", "dev-secret").await;
    let e = folder::restore_in_place(&r, "plain", "x/", Utc::now(), false)
        .await
        .unwrap_err();
    assert!(
        e.user_message().contains("does not keep earlier versions"),
        "{}",
        e.user_message()
    );
    let e = folder::files_at(&r, "plain", "x/", Utc::now(), |_| {})
        .await
        .unwrap_err();
    assert!(
        e.user_message().contains("does not keep earlier versions"),
        "{}",
        e.user_message()
    );
    assert_eq!(
        s3::get(&client, "plain", "x/a.txt").await.as_deref(),
        Some(&b"kept"[..])
    );
}

#[tokio::test]
async fn recently_deleted_files_of_a_folder_are_listed_and_brought_back() {
    use pail_engine::history::deleted;
    let (r, client, bucket) = versioned_bucket("history-deleted").await;
    s3::put(&client, &bucket, "f/keep.txt", b"kept").await;
    s3::put(&client, &bucket, "f/gone.txt", b"gone but not lost").await;
    s3::put(&client, &bucket, "f/also.txt", b"also gone").await;
    s3::put(&client, &bucket, "f/sub/deep.txt", b"in a subfolder").await;
    s3::put(&client, &bucket, "f/sub/deeper/leaf.txt", b"further down").await;
    s3::put(&client, &bucket, "f/live/still.txt", b"still here").await;
    s3::put(&client, &bucket, "f/live/was.txt", b"deleted, folder stays").await;
    delete(&client, &bucket, "f/gone.txt").await;
    delete(&client, &bucket, "f/also.txt").await;
    delete(&client, &bucket, "f/sub/deep.txt").await;
    delete(&client, &bucket, "f/sub/deeper/leaf.txt").await;
    delete(&client, &bucket, "f/live/was.txt").await;

    let listed = deleted::deleted_here(&r, &bucket, "f/").await.unwrap();
    let names: BTreeSet<&str> = listed.files.iter().map(|d| d.name.as_str()).collect();
    assert_eq!(
        names,
        BTreeSet::from(["gone.txt", "also.txt"]),
        "only this folder's own files"
    );
    assert_eq!(
        listed.files.iter().find(|d| d.name == "gone.txt").map(|d| d.size),
        Some(17)
    );
    // A subfolder deleted whole shows; one that still holds a file is browsed into instead.
    assert_eq!(
        listed
            .folders
            .iter()
            .map(|f| (f.name.as_str(), f.prefix.as_str()))
            .collect::<Vec<_>>(),
        vec![("sub", "f/sub/")]
    );

    let before = all_versions(&client, &bucket).await;
    let report = deleted::restore_deleted(&r, &bucket, &["f/gone.txt".to_owned(), "f/keep.txt".to_owned()])
        .await
        .unwrap();
    assert_eq!(report.restored, vec!["f/gone.txt"]);
    assert_eq!(
        report.left.iter().map(|l| l.key.as_str()).collect::<Vec<_>>(),
        vec!["f/keep.txt"]
    );
    assert_eq!(
        s3::get(&client, &bucket, "f/gone.txt").await.as_deref(),
        Some(&b"gone but not lost"[..])
    );
    assert!(
        before.is_subset(&all_versions(&client, &bucket).await),
        "no version lost"
    );
    let left = deleted::deleted_here(&r, &bucket, "f/").await.unwrap();
    assert_eq!(
        left.files.into_iter().map(|d| d.name).collect::<Vec<_>>(),
        vec!["also.txt"]
    );

    // Restoring the deleted folder brings back every file deleted in it, at any depth.
    let report = deleted::restore_deleted(&r, &bucket, &["f/sub/".to_owned()])
        .await
        .unwrap();
    assert_eq!(report.restored, vec!["f/sub/deep.txt", "f/sub/deeper/leaf.txt"]);
    assert_eq!(
        s3::get(&client, &bucket, "f/sub/deeper/leaf.txt").await.as_deref(),
        Some(&b"further down"[..])
    );
    assert!(deleted::deleted_here(&r, &bucket, "f/")
        .await
        .unwrap()
        .folders
        .is_empty());
}

#[tokio::test]
async fn versioning_is_turned_on_with_a_rule_that_expires_old_versions_and_other_rules_stay() {
    use aws_sdk_s3::types::{
        BucketLifecycleConfiguration, ExpirationStatus, LifecycleExpiration, LifecycleRule, LifecycleRuleFilter,
    };
    use pail_engine::history::versioning;
    let endpoint = moto_endpoint();
    let client = sdk_client(&endpoint, "k", "s");
    let bucket = bucket_name("history-turn-on");
    make_bucket(&client, &bucket, &[]).await;
    // A rule of the bucket's owner that Pail must keep.
    let theirs = LifecycleRule::builder()
        .id("owners-tmp-cleanup")
        .filter(LifecycleRuleFilter::builder().prefix("tmp/").build())
        .status(ExpirationStatus::Enabled)
        .expiration(LifecycleExpiration::builder().days(7).build())
        .build()
        .unwrap();
    client
        .put_bucket_lifecycle_configuration()
        .bucket(&bucket)
        .lifecycle_configuration(BucketLifecycleConfiguration::builder().rules(theirs).build().unwrap())
        .send()
        .await
        .unwrap();
    let r = remote(&endpoint, "k", "s").await;
    let before = versioning::settings(&r, &bucket).await.unwrap();
    assert!(!before.keeps_versions);
    let after = versioning::turn_on(&r, &bucket, 30).await.unwrap();
    assert!(after.keeps_versions);
    assert_eq!(after.keep_days, Some(30));
    // Again with another number: one rule of Pail's, updated, and the owner's rule still there.
    versioning::turn_on(&r, &bucket, 45).await.unwrap();
    let rules = client
        .get_bucket_lifecycle_configuration()
        .bucket(&bucket)
        .send()
        .await
        .unwrap()
        .rules()
        .to_vec();
    let ids: BTreeSet<&str> = rules.iter().filter_map(|r| r.id()).collect();
    assert_eq!(ids, BTreeSet::from(["owners-tmp-cleanup", "pail-keep-old-versions"]));
    assert_eq!(versioning::settings(&r, &bucket).await.unwrap().keep_days, Some(45));
}

#[tokio::test]
async fn odd_key_names_split_across_pages_keep_every_version_in_order() {
    // A page size of 1,000 entries: 7 versions a key (with delete markers) puts page ends
    // inside keys; names with spaces, pluses and accents are sent URL-encoded.
    let (r, client, bucket) = versioned_bucket("history-odd").await;
    let names: Vec<String> = (0..300)
        .map(|i| match i % 3 {
            0 => format!("odd/a b {i:03}.txt"),
            1 => format!("odd/plus+{i:03}.txt"),
            _ => format!("odd/ünï {i:03}.txt"),
        })
        .collect();
    for round in 0..7 {
        let mut set = tokio::task::JoinSet::new();
        for name in names.clone() {
            let (client, bucket) = (client.clone(), bucket.clone());
            set.spawn(async move {
                if round == 3 {
                    client
                        .delete_object()
                        .bucket(&bucket)
                        .key(&name)
                        .send()
                        .await
                        .expect("delete");
                } else {
                    s3::put(&client, &bucket, &name, format!("round {round}").as_bytes()).await;
                }
            });
        }
        while let Some(done) = set.join_next().await {
            done.unwrap();
        }
    }
    let mut seen: Vec<(String, usize, bool)> = Vec::new();
    r.for_each_key_history(&bucket, "odd/", |h| {
        seen.push((
            h.key.clone(),
            h.versions.len(),
            h.versions[0].is_latest && !h.versions[0].deleted,
        ));
        std::ops::ControlFlow::Continue(())
    })
    .await
    .unwrap();
    let mut want = names.clone();
    want.sort();
    assert_eq!(
        seen.iter().map(|s| s.0.clone()).collect::<Vec<_>>(),
        want,
        "every key once, in order"
    );
    assert!(
        seen.iter().all(|s| s.1 == 7 && s.2),
        "7 versions each, the newest current: {:?}",
        &seen[..3]
    );
}

#[tokio::test]
async fn a_suspended_bucket_keeps_its_history_readable_but_is_not_restored_in_place() {
    let (r, client, bucket) = versioned_bucket("history-suspended").await;
    s3::put(&client, &bucket, "s/a.txt", b"one").await;
    let then = end_moment().await;
    s3::put(&client, &bucket, "s/a.txt", b"two").await;
    client
        .put_bucket_versioning()
        .bucket(&bucket)
        .versioning_configuration(
            VersioningConfiguration::builder()
                .status(BucketVersioningStatus::Suspended)
                .build(),
        )
        .send()
        .await
        .unwrap();
    let mut files = Vec::new();
    folder::files_at(&r, &bucket, "s/", then, |f| files.push(f.key))
        .await
        .unwrap();
    assert_eq!(files, vec!["s/a.txt"]);
    let e = folder::restore_in_place(&r, &bucket, "s/", then, false)
        .await
        .unwrap_err();
    assert!(e.user_message().contains("suspended"), "{}", e.user_message());
    assert_eq!(s3::get(&client, &bucket, "s/a.txt").await.as_deref(), Some(&b"two"[..]));
}

#[cfg(unix)]
#[tokio::test]
async fn restoring_into_a_folder_never_writes_through_a_link_or_over_a_file() {
    let (r, client, bucket) = versioned_bucket("history-links").await;
    s3::put(&client, &bucket, "p/sub/secret.txt", b"from the bucket").await;
    s3::put(&client, &bucket, "p/plain.txt", b"plain").await;
    let then = end_moment().await;
    let dir = tempfile::tempdir().unwrap();
    let elsewhere = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    std::fs::create_dir_all(&out).unwrap();
    std::os::unix::fs::symlink(elsewhere.path(), out.join("sub")).unwrap();
    let report = folder::restore_to_dir(&r, &bucket, "p/", then, &out, false)
        .await
        .unwrap();
    assert_eq!(report.restored, vec!["p/plain.txt"]);
    assert!(report.left[0].reason.contains("is a link"), "{:?}", report.left);
    assert!(
        !elsewhere.path().join("secret.txt").exists(),
        "written through the link"
    );
}

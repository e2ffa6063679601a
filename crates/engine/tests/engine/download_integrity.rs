//! A download is checked against what the server promised even when the object carries no S3
//! checksum and no Pail hash: a single-part object's ETag is the MD5 of its bytes. The devstore
//! keeps objects as files, so the test corrupts one on the server's disk (same length) and the
//! download must fail, leaving no temp file, while an intact object downloads fine.

use aws_sdk_s3::config::{BehaviorVersion, Credentials, Region, RequestChecksumCalculation};
use pail_devstore::{DevStore, DevStoreConfig};

const KEY: &str = "INTEGRITYKEY";
const SECRET: &str = "integrity-secret-0123";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_corrupted_single_part_object_fails_its_md5_check() {
    let dir = tempfile::tempdir().unwrap();
    let store = DevStore::start(DevStoreConfig::new(dir.path().join("store"), KEY, SECRET))
        .await
        .unwrap();
    // A plain client that sends no checksum, like many S3 tools do.
    let plain = aws_sdk_s3::Client::from_conf(
        aws_sdk_s3::Config::builder()
            .behavior_version(BehaviorVersion::latest())
            .region(Region::new("us-east-1"))
            .endpoint_url(store.endpoint())
            .force_path_style(true)
            .credentials_provider(Credentials::new(KEY, SECRET, None, None, "test"))
            .request_checksum_calculation(RequestChecksumCalculation::WhenRequired)
            .build(),
    );
    plain.create_bucket().bucket("files").send().await.unwrap();
    for key in ["intact.txt", "rotten.txt"] {
        plain
            .put_object()
            .bucket("files")
            .key(key)
            .body(b"the quick brown fox".to_vec().into())
            .send()
            .await
            .unwrap();
    }
    let on_disk = pail_testkit::files_under(&dir.path().join("store"))
        .into_iter()
        .find(|p| p.file_name().is_some_and(|n| n == "rotten.txt"))
        .expect("the devstore keeps objects as files");
    std::fs::write(&on_disk, b"the quick brown cat").unwrap();

    let remote = crate::support::remote(&store.endpoint(), KEY, SECRET).await;
    let downloads = dir.path().join("downloads");
    std::fs::create_dir_all(&downloads).unwrap();
    let ok = remote
        .download_to_temp("files", "intact.txt", None, &downloads)
        .await
        .unwrap();
    assert_eq!(std::fs::read(&ok.path).unwrap(), b"the quick brown fox");
    std::fs::remove_file(&ok.path).unwrap();

    let err = remote
        .download_to_temp("files", "rotten.txt", None, &downloads)
        .await
        .unwrap_err();
    assert!(err.detail().contains("ETag"), "{}", err.detail());
    assert_eq!(
        pail_testkit::files_under(&downloads),
        Vec::<std::path::PathBuf>::new(),
        "a temp file was left"
    );
}

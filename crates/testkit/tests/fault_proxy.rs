//! The fault proxy between real aws-sdk-s3 clients and moto, and against a scripted upstream for raw framing.

use std::path::PathBuf;
use std::time::{Duration, Instant};

use aws_sdk_s3::config::retry::RetryConfig;
use aws_sdk_s3::config::{BehaviorVersion, Credentials, Region};
use aws_sdk_s3::error::{ProvideErrorMetadata, SdkError};
use aws_sdk_s3::primitives::{ByteStream, Length};
use aws_sdk_s3::types::{ChecksumAlgorithm, CompletedMultipartUpload, CompletedPart};
use pail_testkit::fault_proxy::RequestRecord;
use pail_testkit::{bucket_name, moto_endpoint, sdk_client, FaultConfig, FaultKind, FaultProxy};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

const MIB: usize = 1024 * 1024;

/// A client that gives up after one attempt, so every injected fault is visible.
fn one_shot_client(endpoint: &str) -> aws_sdk_s3::Client {
    let conf = aws_sdk_s3::Config::builder()
        .behavior_version(BehaviorVersion::latest())
        .region(Region::new("us-east-1"))
        .endpoint_url(endpoint)
        .force_path_style(true)
        .credentials_provider(Credentials::new("test", "test", None, None, "test"))
        .retry_config(RetryConfig::standard().with_max_attempts(1))
        .build();
    aws_sdk_s3::Client::from_conf(conf)
}

/// Bytes that differ from offset to offset, so a shifted or dropped range shows.
fn pattern(len: usize, salt: u8) -> Vec<u8> {
    (0..len)
        .map(|i| ((i % 251) as u8).wrapping_mul(31).wrapping_add(salt ^ (i >> 16) as u8))
        .collect()
}

/// A scratch file removed on drop.
struct TempFile(PathBuf);

impl TempFile {
    fn new(tag: &str, data: &[u8]) -> Self {
        let path = std::env::temp_dir().join(format!("pail-fault-proxy-{}", bucket_name(tag)));
        if let Err(e) = std::fs::write(&path, data) {
            panic!("write {}: {e}", path.display());
        }
        TempFile(path)
    }
}

impl Drop for TempFile {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.0);
    }
}

#[tokio::test]
async fn transparent_proxy_carries_a_full_s3_workflow() {
    let proxy = FaultProxy::start(moto_endpoint(), 1, FaultConfig::chaos());
    proxy.set_enabled(false);
    let client = sdk_client(&proxy.endpoint(), "test", "test");
    let bucket = bucket_name("fp-roundtrip");
    client
        .create_bucket()
        .bucket(&bucket)
        .send()
        .await
        .unwrap_or_else(|e| panic!("create bucket: {e:?}"));

    // Multipart, parts streamed from a file with CRC32 checksums (aws-chunked bodies), like the engine.
    let big = pattern(20 * MIB, 1);
    let big_file = TempFile::new("big", &big);
    let created = client
        .create_multipart_upload()
        .bucket(&bucket)
        .key("big.bin")
        .send()
        .await
        .unwrap_or_else(|e| panic!("create multipart: {e:?}"));
    let upload_id = created.upload_id().unwrap_or_else(|| panic!("no upload id")).to_owned();
    let part_size = 8 * MIB as u64;
    let mut parts = Vec::new();
    for (index, offset) in (0..big.len() as u64).step_by(part_size as usize).enumerate() {
        let len = part_size.min(big.len() as u64 - offset);
        let body = ByteStream::read_from()
            .path(&big_file.0)
            .offset(offset)
            .length(Length::Exact(len))
            .build()
            .await
            .unwrap_or_else(|e| panic!("part body: {e}"));
        let number = index as i32 + 1;
        let out = client
            .upload_part()
            .bucket(&bucket)
            .key("big.bin")
            .upload_id(&upload_id)
            .part_number(number)
            .checksum_algorithm(ChecksumAlgorithm::Crc32)
            .body(body)
            .send()
            .await
            .unwrap_or_else(|e| panic!("upload part {number}: {e:?}"));
        parts.push(
            CompletedPart::builder()
                .part_number(number)
                .set_e_tag(out.e_tag().map(str::to_owned))
                .set_checksum_crc32(out.checksum_crc32().map(str::to_owned))
                .build(),
        );
    }
    assert_eq!(parts.len(), 3);
    client
        .complete_multipart_upload()
        .bucket(&bucket)
        .key("big.bin")
        .upload_id(&upload_id)
        .multipart_upload(CompletedMultipartUpload::builder().set_parts(Some(parts)).build())
        .send()
        .await
        .unwrap_or_else(|e| panic!("complete multipart: {e:?}"));

    // Small objects: one streamed from a file (aws-chunked with a trailing checksum), one in memory.
    let small = pattern(70_000, 2);
    let small_file = TempFile::new("small", &small);
    let body = ByteStream::from_path(&small_file.0)
        .await
        .unwrap_or_else(|e| panic!("small body: {e}"));
    client
        .put_object()
        .bucket(&bucket)
        .key("dir/small.bin")
        .checksum_algorithm(ChecksumAlgorithm::Crc32)
        .body(body)
        .send()
        .await
        .unwrap_or_else(|e| panic!("put small: {e:?}"));
    let tiny = b"hello through the proxy".to_vec();
    client
        .put_object()
        .bucket(&bucket)
        .key("tiny.txt")
        .checksum_algorithm(ChecksumAlgorithm::Sha256)
        .body(tiny.clone().into())
        .send()
        .await
        .unwrap_or_else(|e| panic!("put tiny: {e:?}"));

    let listed = client
        .list_objects_v2()
        .bucket(&bucket)
        .send()
        .await
        .unwrap_or_else(|e| panic!("list: {e:?}"));
    let keys: Vec<&str> = listed.contents().iter().filter_map(|o| o.key()).collect();
    assert_eq!(keys, ["big.bin", "dir/small.bin", "tiny.txt"]);

    let head = client
        .head_object()
        .bucket(&bucket)
        .key("big.bin")
        .send()
        .await
        .unwrap_or_else(|e| panic!("head: {e:?}"));
    assert_eq!(head.content_length(), Some(big.len() as i64));
    assert!(
        pail_testkit::s3::get(&client, &bucket, "big.bin")
            .await
            .expect("the object")
            == big,
        "big object differs"
    );
    assert_eq!(
        pail_testkit::s3::get(&client, &bucket, "dir/small.bin")
            .await
            .expect("the object"),
        small
    );
    assert_eq!(
        pail_testkit::s3::get(&client, &bucket, "tiny.txt")
            .await
            .expect("the object"),
        tiny
    );
    let missing = client.head_object().bucket(&bucket).key("missing").send().await;
    assert!(
        matches!(&missing, Err(e) if e.raw_response().map(|r| r.status().as_u16()) == Some(404)),
        "{missing:?}"
    );

    for key in keys {
        client
            .delete_object()
            .bucket(&bucket)
            .key(key)
            .send()
            .await
            .unwrap_or_else(|e| panic!("delete {key}: {e:?}"));
    }
    client
        .delete_bucket()
        .bucket(&bucket)
        .send()
        .await
        .unwrap_or_else(|e| panic!("delete bucket: {e:?}"));

    let stats = proxy.stats();
    assert!(stats.requests >= 14, "{stats:?}");
    assert_eq!(stats.faults(), 0, "{stats:?}");
    assert!(proxy.records().is_empty());
}

fn status<E>(e: &SdkError<E, aws_sdk_s3::config::http::HttpResponse>) -> Option<u16> {
    e.raw_response().map(|r| r.status().as_u16())
}

#[tokio::test]
async fn error_faults_reach_the_sdk_as_s3_errors() {
    let proxy = FaultProxy::start(moto_endpoint(), 3, FaultConfig::always(FaultKind::SlowDown));
    let client = one_shot_client(&proxy.endpoint());

    let err = client.list_buckets().send().await.expect_err("a 503 fault");
    assert_eq!(err.code(), Some("SlowDown"), "{err:?}");
    assert_eq!(status(&err), Some(503));
    // A request with a body: the proxy reads it before answering, so the client still hears the 503.
    let err = client
        .put_object()
        .bucket("never-reached")
        .key("k")
        .body(pattern(3 * MIB, 3).into())
        .send()
        .await
        .expect_err("a 503 fault");
    assert_eq!(err.code(), Some("SlowDown"), "{err:?}");
    // A HEAD error has no body; the status is all the SDK gets.
    let err = client
        .head_bucket()
        .bucket("never-reached")
        .send()
        .await
        .expect_err("a 503 fault");
    assert_eq!(status(&err), Some(503), "{err:?}");

    proxy.set_config(FaultConfig::always(FaultKind::InternalError));
    let err = client.list_buckets().send().await.expect_err("a 500 fault");
    assert_eq!(err.code(), Some("InternalError"), "{err:?}");
    assert_eq!(status(&err), Some(500));

    // The error answers kept the connection usable: turning faults off lets the same client through.
    proxy.set_enabled(false);
    client
        .list_buckets()
        .send()
        .await
        .unwrap_or_else(|e| panic!("list with faults off: {e:?}"));

    let stats = proxy.stats();
    assert_eq!(
        (stats.requests, stats.slow_down, stats.internal_error),
        (5, 3, 1),
        "{stats:?}"
    );
    assert_eq!(stats.faults(), 4);
}

fn is_dispatch<E, R>(e: &SdkError<E, R>) -> bool {
    matches!(e, SdkError::DispatchFailure(_))
}

#[tokio::test]
async fn connection_faults_fail_with_dispatch_errors() {
    let direct = sdk_client(&moto_endpoint(), "test", "test");
    let bucket = bucket_name("fp-conn");
    direct
        .create_bucket()
        .bucket(&bucket)
        .send()
        .await
        .unwrap_or_else(|e| panic!("create bucket: {e:?}"));
    let proxy = FaultProxy::start(moto_endpoint(), 4, FaultConfig::always(FaultKind::Reset));
    let client = one_shot_client(&proxy.endpoint());

    let err = client.list_buckets().send().await.expect_err("a reset");
    assert!(is_dispatch(&err), "{err:?}");
    let put = |key: &'static str| {
        client
            .put_object()
            .bucket(&bucket)
            .key(key)
            .body(pattern(MIB, 4).into())
            .send()
    };
    let err = put("reset").await.expect_err("a reset");
    assert!(is_dispatch(&err), "{err:?}");

    proxy.set_config(FaultConfig::always(FaultKind::ResetAfterRequest));
    let err = put("reset-after").await.expect_err("a reset");
    assert!(is_dispatch(&err), "{err:?}");

    proxy.set_config(FaultConfig {
        timeout_delay: Duration::from_millis(400),
        ..FaultConfig::always(FaultKind::Timeout)
    });
    let started = Instant::now();
    let err = put("timeout").await.expect_err("a timeout");
    assert!(is_dispatch(&err), "{err:?}");
    assert!(
        started.elapsed() >= Duration::from_millis(400),
        "{:?}",
        started.elapsed()
    );

    proxy.set_config(FaultConfig::always(FaultKind::FailAfterForward));
    let err = put("applied").await.expect_err("a reset after forwarding");
    assert!(is_dispatch(&err), "{err:?}");

    // Only the forwarded request reached the server.
    for (key, exists) in [
        ("reset", false),
        ("reset-after", false),
        ("timeout", false),
        ("applied", true),
    ] {
        let head = direct.head_object().bucket(&bucket).key(key).send().await;
        assert_eq!(head.is_ok(), exists, "{key}: {head:?}");
    }
    let stats = proxy.stats();
    assert_eq!(
        (
            stats.reset,
            stats.reset_after_request,
            stats.timeout,
            stats.fail_after_forward
        ),
        (2, 1, 1, 1),
        "{stats:?}"
    );
}

#[tokio::test]
async fn pause_holds_requests_until_resume() {
    let proxy = FaultProxy::start(moto_endpoint(), 5, FaultConfig::none());
    let warm = sdk_client(&proxy.endpoint(), "test", "test");
    warm.list_buckets()
        .send()
        .await
        .unwrap_or_else(|e| panic!("list: {e:?}"));

    proxy.pause();
    assert!(proxy.paused());
    // One request on a kept-alive connection, one on a new connection.
    let fresh = sdk_client(&proxy.endpoint(), "test", "test");
    let on_old = tokio::spawn(async move { warm.list_buckets().send().await });
    let on_new = tokio::spawn(async move { fresh.list_buckets().send().await });
    tokio::time::sleep(Duration::from_millis(800)).await;
    assert!(
        !on_old.is_finished() && !on_new.is_finished(),
        "requests went through a paused proxy"
    );

    proxy.resume();
    for task in [on_old, on_new] {
        match tokio::time::timeout(Duration::from_secs(20), task).await {
            Ok(Ok(Ok(_))) => {}
            other => panic!("request after resume: {other:?}"),
        }
    }
    assert_eq!(proxy.stats().requests, 3);
}

/// Outcomes of sequential requests through a proxy with mixed faults.
async fn run_sequence(seed: u64) -> (Vec<String>, Vec<RequestRecord>) {
    let config = FaultConfig {
        internal_error: 0.2,
        slow_down: 0.2,
        reset: 0.15,
        ..FaultConfig::none()
    };
    let proxy = FaultProxy::start(moto_endpoint(), seed, config);
    let client = one_shot_client(&proxy.endpoint());
    let mut outcomes = Vec::new();
    for _ in 0..24 {
        outcomes.push(match client.list_buckets().send().await {
            Ok(_) => "ok".to_owned(),
            Err(e) => e.code().unwrap_or("io").to_owned(),
        });
    }
    let records = proxy.records();
    let stats = proxy.stats();
    assert_eq!(records.len(), 24, "one decision per request: {records:?}");
    for (outcome, record) in outcomes.iter().zip(&records) {
        let expected = match record.fault {
            None => "ok",
            Some(FaultKind::SlowDown) => "SlowDown",
            Some(FaultKind::InternalError) => "InternalError",
            Some(FaultKind::Reset) => "io",
            Some(other) => panic!("unconfigured fault {other:?}"),
        };
        assert_eq!(outcome, expected, "{record:?}");
    }
    for kind in FaultKind::ALL {
        let seen = records.iter().filter(|r| r.fault == Some(kind)).count() as u64;
        assert_eq!(stats.count(kind), seen, "{kind:?}");
    }
    assert_eq!(stats.requests, 24);
    (outcomes, records)
}

#[tokio::test]
async fn same_seed_replays_the_same_faults() {
    let (first, first_records) = run_sequence(11).await;
    let (again, again_records) = run_sequence(11).await;
    let (other, _) = run_sequence(12).await;
    assert_eq!(first, again);
    assert_eq!(first_records, again_records);
    assert_ne!(first, other);
    assert!(
        first.iter().any(|o| o == "ok") && first.iter().any(|o| o != "ok"),
        "{first:?}"
    );
}

struct Exchange {
    head: Vec<u8>,
    body: Vec<u8>,
    response: Vec<u8>,
    expect_continue: bool,
    close_delimited: bool,
}

fn exchanges() -> Vec<Exchange> {
    let continue_put = {
        let data = pattern(300 * 1024, 5);
        let mut body = Vec::new();
        for chunk in data.chunks(100_000) {
            body.extend_from_slice(format!("{:x};chunk-ext=1\r\n", chunk.len()).as_bytes());
            body.extend_from_slice(chunk);
            body.extend_from_slice(b"\r\n");
        }
        body.extend_from_slice(b"0\r\nx-amz-checksum-crc32:AAAAAA==\r\n\r\n");
        Exchange {
            head: b"PUT /b/chunked HTTP/1.1\r\nhost: 127.0.0.1:1\r\nContent-Encoding: aws-chunked\r\n\
                    Transfer-Encoding: chunked\r\nExpect: 100-continue\r\nX-Odd-Case: Kept\r\n\r\n"
                .to_vec(),
            body,
            response: b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nETag: \"e\"\r\n\r\n\
                        5\r\nhello\r\n6\r\n world\r\n0\r\nX-Trailer: t\r\n\r\n"
                .to_vec(),
            expect_continue: true,
            close_delimited: false,
        }
    };
    let head = Exchange {
        head: b"HEAD /b/chunked HTTP/1.1\r\nHost: x\r\n\r\n".to_vec(),
        body: Vec::new(),
        response: b"HTTP/1.1 200 OK\r\nContent-Length: 307200\r\n\r\n".to_vec(),
        expect_continue: false,
        close_delimited: false,
    };
    let get = {
        let data = pattern(3 * MIB, 6);
        let mut response = format!("HTTP/1.1 200 OK\r\nContent-Length: {}\r\n\r\n", data.len()).into_bytes();
        response.extend_from_slice(&data);
        Exchange {
            head: b"GET /b/big HTTP/1.1\r\nHost: x\r\n\r\n".to_vec(),
            body: Vec::new(),
            response,
            expect_continue: false,
            close_delimited: false,
        }
    };
    let put = {
        let body = pattern(5 * MIB, 7);
        Exchange {
            head: format!(
                "PUT /b/big HTTP/1.1\r\nHost: x\r\nContent-Length: {}\r\n\r\n",
                body.len()
            )
            .into_bytes(),
            body,
            response: b"HTTP/1.1 204 No Content\r\n\r\n".to_vec(),
            expect_continue: false,
            close_delimited: false,
        }
    };
    let until_close = {
        let mut response = b"HTTP/1.1 200 OK\r\nConnection: close\r\n\r\n".to_vec();
        response.extend_from_slice(&pattern(100_000, 8));
        Exchange {
            head: b"GET /b/stream HTTP/1.1\r\nHost: x\r\n\r\n".to_vec(),
            body: Vec::new(),
            response,
            expect_continue: false,
            close_delimited: true,
        }
    };
    vec![continue_put, head, get, put, until_close]
}

const CONTINUE: &[u8] = b"HTTP/1.1 100 Continue\r\n\r\n";

#[tokio::test]
async fn raw_framing_passes_through_byte_for_byte_on_one_connection() {
    let upstream = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .unwrap_or_else(|e| panic!("bind: {e}"));
    let upstream_addr = upstream.local_addr().unwrap_or_else(|e| panic!("addr: {e}"));
    // The scripted server takes a single connection: a second one from the proxy would hang the test.
    let server = tokio::spawn(async move {
        let (mut s, _) = upstream.accept().await.unwrap_or_else(|e| panic!("accept: {e}"));
        for ex in exchanges() {
            let mut head = vec![0; ex.head.len()];
            s.read_exact(&mut head)
                .await
                .unwrap_or_else(|e| panic!("server head: {e}"));
            assert_eq!(String::from_utf8_lossy(&head), String::from_utf8_lossy(&ex.head));
            if ex.expect_continue {
                s.write_all(CONTINUE)
                    .await
                    .unwrap_or_else(|e| panic!("server 100: {e}"));
            }
            let mut body = vec![0; ex.body.len()];
            s.read_exact(&mut body)
                .await
                .unwrap_or_else(|e| panic!("server body: {e}"));
            assert!(body == ex.body, "request body differs");
            s.write_all(&ex.response)
                .await
                .unwrap_or_else(|e| panic!("server response: {e}"));
        }
    });
    let proxy = FaultProxy::start(upstream_addr, 6, FaultConfig::none());

    let client = async {
        let mut c = tokio::net::TcpStream::connect(proxy.addr())
            .await
            .unwrap_or_else(|e| panic!("connect: {e}"));
        for ex in exchanges() {
            c.write_all(&ex.head)
                .await
                .unwrap_or_else(|e| panic!("client head: {e}"));
            if ex.expect_continue {
                let mut interim = vec![0; CONTINUE.len()];
                c.read_exact(&mut interim)
                    .await
                    .unwrap_or_else(|e| panic!("client 100: {e}"));
                assert_eq!(interim, CONTINUE);
            }
            // Odd piece sizes split chunk-size lines and CRLFs across reads.
            for piece in ex.body.chunks(7_777) {
                c.write_all(piece).await.unwrap_or_else(|e| panic!("client body: {e}"));
            }
            let mut response = vec![0; ex.response.len()];
            if ex.close_delimited {
                response.clear();
                c.read_to_end(&mut response)
                    .await
                    .unwrap_or_else(|e| panic!("client to end: {e}"));
            } else {
                c.read_exact(&mut response)
                    .await
                    .unwrap_or_else(|e| panic!("client response: {e}"));
            }
            assert!(
                response == ex.response,
                "response differs for {}",
                String::from_utf8_lossy(&ex.head)
            );
        }
    };
    tokio::time::timeout(Duration::from_secs(60), client)
        .await
        .unwrap_or_else(|_| panic!("the exchanges did not finish"));
    server.await.unwrap_or_else(|e| panic!("server: {e}"));
    assert_eq!(proxy.stats().requests, 5);
    assert_eq!(proxy.stats().faults(), 0);
}

#[test]
fn works_from_a_plain_test_and_drop_closes_connections() {
    let proxy = FaultProxy::start("127.0.0.1:9", 7, FaultConfig::none());
    let addr = proxy.addr();
    assert_eq!(proxy.endpoint(), format!("http://{addr}"));
    let mut c = std::net::TcpStream::connect(addr).unwrap_or_else(|e| panic!("connect: {e}"));
    use std::io::{Read, Write};
    // Nothing listens upstream: the proxy answers 502 itself.
    c.write_all(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n")
        .unwrap_or_else(|e| panic!("write: {e}"));
    let mut answer = String::new();
    c.read_to_string(&mut answer).unwrap_or_else(|e| panic!("read: {e}"));
    assert!(answer.starts_with("HTTP/1.1 502"), "{answer}");

    let mut held = std::net::TcpStream::connect(addr).unwrap_or_else(|e| panic!("connect: {e}"));
    drop(proxy);
    held.set_read_timeout(Some(Duration::from_secs(10)))
        .unwrap_or_else(|e| panic!("timeout: {e}"));
    let mut buf = [0u8; 16];
    assert!(
        matches!(held.read(&mut buf), Ok(0) | Err(_)),
        "connection survived the proxy"
    );
    assert!(
        std::net::TcpStream::connect(addr).is_err(),
        "still listening after drop"
    );
}

//! The demo store's sample bucket, written through the running server like any client would.

use aws_sdk_s3::config::{BehaviorVersion, Credentials, Region};
use aws_sdk_s3::error::DisplayErrorContext;
use aws_sdk_s3::primitives::ByteStream;

use crate::{DevStore, DevStoreError};

/// Name of the bucket [`seed_sample_bucket`] creates.
pub const SAMPLE_BUCKET: &str = "pail-demo";

struct SampleFile {
    key: &'static str,
    content_type: &'static str,
    body: Vec<u8>,
}

/// Creates the bucket [`SAMPLE_BUCKET`] with a small sample tree — a welcome note, three
/// pictures, a few documents and an empty folder — unless the bucket already exists.
///
/// Existing buckets are left alone, so whatever a demo user deleted or changed stays that way
/// when the app starts again.
pub async fn seed_sample_bucket(store: &DevStore) -> Result<(), DevStoreError> {
    let client = client_for(store);
    let bucket_what = || format!("bucket \"{SAMPLE_BUCKET}\"");

    match client.head_bucket().bucket(SAMPLE_BUCKET).send().await {
        Ok(_) => return Ok(()),
        Err(err) if err.as_service_error().is_some_and(|e| e.is_not_found()) => {}
        Err(err) => return Err(seed_error(bucket_what(), &err)),
    }
    match client.create_bucket().bucket(SAMPLE_BUCKET).send().await {
        Ok(_) => {}
        // Another seeder got there first; it writes the files.
        Err(err)
            if err
                .as_service_error()
                .is_some_and(|e| e.is_bucket_already_owned_by_you()) =>
        {
            return Ok(())
        }
        Err(err) => return Err(seed_error(bucket_what(), &err)),
    }

    for file in sample_files() {
        client
            .put_object()
            .bucket(SAMPLE_BUCKET)
            .key(file.key)
            .content_type(file.content_type)
            .metadata("pail-sample", "true")
            .body(ByteStream::from(file.body))
            .send()
            .await
            .map_err(|err| seed_error(format!("file \"{}\"", file.key), &err))?;
    }
    tracing::info!(bucket = SAMPLE_BUCKET, "demo store: sample bucket created");
    Ok(())
}

fn client_for(store: &DevStore) -> aws_sdk_s3::Client {
    let (access_key_id, secret) = store.credentials();
    let config = aws_sdk_s3::Config::builder()
        .behavior_version(BehaviorVersion::latest())
        .region(Region::new("us-east-1"))
        .endpoint_url(store.endpoint())
        .force_path_style(true)
        .credentials_provider(Credentials::new(access_key_id, secret, None, None, "pail-devstore"))
        .build();
    aws_sdk_s3::Client::from_conf(config)
}

fn seed_error<E: std::error::Error + 'static>(what: String, err: &E) -> DevStoreError {
    DevStoreError::Seed {
        what,
        message: DisplayErrorContext(err).to_string(),
    }
}

fn sample_files() -> Vec<SampleFile> {
    vec![
        SampleFile {
            key: "Welcome to Pail.txt",
            content_type: "text/plain; charset=utf-8",
            body: WELCOME.as_bytes().to_vec(),
        },
        SampleFile {
            key: "photos/sunrise.png",
            content_type: "image/png",
            body: sunrise_png(),
        },
        SampleFile {
            key: "photos/sea.png",
            content_type: "image/png",
            body: sea_png(),
        },
        SampleFile {
            key: "photos/forest.png",
            content_type: "image/png",
            body: forest_png(),
        },
        SampleFile {
            key: "documents/notes.md",
            content_type: "text/markdown; charset=utf-8",
            body: NOTES.as_bytes().to_vec(),
        },
        SampleFile {
            key: "documents/2026/report.csv",
            content_type: "text/csv; charset=utf-8",
            body: REPORT.as_bytes().to_vec(),
        },
        SampleFile {
            key: "empty folder/",
            content_type: "application/x-directory",
            body: Vec::new(),
        },
    ]
}

const WELCOME: &str = "\
Welcome to Pail!

This is the demo store: a small S3-compatible server running on your own computer,
so you can try Pail without an AWS account. Everything here stays in Pail's data folder.

Things to try:
  - Open \"photos\" and preview a picture.
  - Drag a file from your desktop into this window to upload it.
  - Create a folder, rename a file, delete what you do not need.

When you are ready, add a connection to your own bucket on AWS, Cloudflare R2,
Backblaze B2, MinIO or any other S3-compatible service.
";

const NOTES: &str = "\
# Notes

- Buckets show up as folders; keys with `/` in them become sub-folders.
- Folders in S3 are just shared prefixes: an \"empty folder\" is a zero-byte object
  whose key ends in `/`.
- Files are uploaded in parts when they are large, so big uploads can resume.
";

const REPORT: &str = "\
month,visitors,uploads,downloads
2026-01,1204,310,2210
2026-02,1377,342,2498
2026-03,1591,401,2903
2026-04,1720,455,3120
";

const SIDE: u32 = 64;

fn mix(a: [u8; 3], b: [u8; 3], num: u32, den: u32) -> [u8; 3] {
    let channel = |x: u8, y: u8| {
        let (x, y) = (i64::from(x), i64::from(y));
        let v = x + (y - x) * i64::from(num) / i64::from(den.max(1));
        u8::try_from(v.clamp(0, 255)).unwrap_or(u8::MAX)
    };
    [channel(a[0], b[0]), channel(a[1], b[1]), channel(a[2], b[2])]
}

fn within(x: u32, y: u32, cx: u32, cy: u32, r: u32) -> bool {
    let (dx, dy) = (x.abs_diff(cx), y.abs_diff(cy));
    dx * dx + dy * dy <= r * r
}

fn sunrise_png() -> Vec<u8> {
    encode_png(SIDE, SIDE, |x, y| {
        if within(x, y, 32, 44, 12) && y < 48 {
            [255, 214, 102]
        } else if y >= 48 {
            mix([70, 50, 90], [30, 20, 50], y - 48, 15)
        } else {
            mix([255, 140, 90], [120, 80, 170], 47 - y, 47)
        }
    })
}

fn sea_png() -> Vec<u8> {
    encode_png(SIDE, SIDE, |x, y| {
        if y < 28 {
            mix([170, 220, 255], [110, 180, 240], y, 27)
        } else if (y + x / 8) % 9 == 0 {
            [220, 240, 255] // a few wave crests
        } else {
            mix([40, 150, 190], [10, 60, 120], y - 28, 35)
        }
    })
}

fn forest_png() -> Vec<u8> {
    encode_png(SIDE, SIDE, |x, y| {
        // Three fir trees: triangles that widen towards the ground.
        let tree = [(12u32, 18u32), (32, 10), (52, 20)]
            .iter()
            .any(|&(cx, top)| y >= top && y < 56 && x.abs_diff(cx) * 3 <= (y - top));
        if tree {
            mix([60, 140, 70], [20, 80, 40], y, 63)
        } else if y >= 56 {
            [90, 70, 50]
        } else {
            mix([210, 235, 215], [160, 205, 175], y, 55)
        }
    })
}

/// Encodes an 8-bit RGB PNG with stored (uncompressed) deflate blocks: a few KiB for these
/// small pictures, and no image dependency.
fn encode_png(width: u32, height: u32, pixel: impl Fn(u32, u32) -> [u8; 3]) -> Vec<u8> {
    let mut raw = Vec::new();
    for y in 0..height {
        raw.push(0); // filter type: none
        for x in 0..width {
            raw.extend_from_slice(&pixel(x, y));
        }
    }

    let mut zlib = vec![0x78, 0x01];
    let mut blocks = raw.chunks(usize::from(u16::MAX)).peekable();
    while let Some(block) = blocks.next() {
        zlib.push(u8::from(blocks.peek().is_none())); // BFINAL, BTYPE=00 (stored)
        let len = u16::try_from(block.len()).unwrap_or(u16::MAX);
        zlib.extend_from_slice(&len.to_le_bytes());
        zlib.extend_from_slice(&(!len).to_le_bytes());
        zlib.extend_from_slice(block);
    }
    zlib.extend_from_slice(&adler32(&raw).to_be_bytes());

    let mut ihdr = Vec::with_capacity(13);
    ihdr.extend_from_slice(&width.to_be_bytes());
    ihdr.extend_from_slice(&height.to_be_bytes());
    ihdr.extend_from_slice(&[8, 2, 0, 0, 0]); // 8-bit, truecolour, deflate, no filter, no interlace

    let mut png = b"\x89PNG\r\n\x1a\n".to_vec();
    png_chunk(&mut png, b"IHDR", &ihdr);
    png_chunk(&mut png, b"IDAT", &zlib);
    png_chunk(&mut png, b"IEND", &[]);
    png
}

fn png_chunk(out: &mut Vec<u8>, kind: &[u8; 4], data: &[u8]) {
    let len = u32::try_from(data.len()).unwrap_or(u32::MAX);
    out.extend_from_slice(&len.to_be_bytes());
    let start = out.len();
    out.extend_from_slice(kind);
    out.extend_from_slice(data);
    let crc = crc32(&out[start..]);
    out.extend_from_slice(&crc.to_be_bytes());
}

fn crc32(bytes: &[u8]) -> u32 {
    let mut crc = u32::MAX;
    for &b in bytes {
        crc ^= u32::from(b);
        for _ in 0..8 {
            crc = if crc & 1 == 1 {
                (crc >> 1) ^ 0xEDB8_8320
            } else {
                crc >> 1
            };
        }
    }
    !crc
}

fn adler32(bytes: &[u8]) -> u32 {
    let (mut a, mut b) = (1u32, 0u32);
    for &byte in bytes {
        a = (a + u32::from(byte)) % 65_521;
        b = (b + a) % 65_521;
    }
    (b << 16) | a
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn checksums_match_known_values() {
        assert_eq!(crc32(b"123456789"), 0xCBF4_3926);
        assert_eq!(adler32(b"Wikipedia"), 0x11E6_0398);
    }

    #[test]
    fn sample_pictures_decode_as_png() {
        for bytes in [sunrise_png(), sea_png(), forest_png()] {
            let decoder = png::Decoder::new(std::io::Cursor::new(bytes));
            let mut reader = decoder.read_info().unwrap();
            let mut buf = vec![0; reader.output_buffer_size().unwrap()];
            let info = reader.next_frame(&mut buf).unwrap();
            assert_eq!((info.width, info.height), (SIDE, SIDE));
            assert_eq!(info.color_type, png::ColorType::Rgb);
        }
    }
}

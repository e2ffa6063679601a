//! Builds an `aws_sdk_s3::Client` for a connection.

use std::time::Duration;

use aws_config::retry::RetryConfig;
use aws_config::timeout::TimeoutConfig;
use aws_credential_types::provider::SharedCredentialsProvider;
use aws_credential_types::Credentials;
use aws_sdk_s3::config::Region;
use aws_smithy_async::time::SharedTimeSource;

use crate::secrets::Sensitive;

/// How the client authenticates.
#[derive(Debug, Clone)]
pub enum RemoteCredentials {
    /// A static key pair (secret from the keyring).
    Static {
        /// Access key id.
        access_key_id: String,
        /// Secret access key.
        secret: Sensitive<String>,
    },
    /// The standard AWS environment variables (AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN).
    Environment,
    /// Whatever the SDK resolves for a named profile in ~/.aws (SSO, credential_process, roles, keys).
    Profile(String),
}

/// Knobs that differ between interactive checks and long transfers.
#[derive(Debug, Clone)]
pub struct ClientOptions {
    /// Time to set up a TCP/TLS connection.
    pub connect_timeout: Duration,
    /// Time for one attempt of one request.
    pub attempt_timeout: Duration,
    /// Attempts per request, including the first.
    pub max_attempts: u32,
    /// Overrides the clock used for signing (tests simulate a skewed computer clock with it).
    pub time_source: Option<SharedTimeSource>,
    /// The app's shared bandwidth limits; None = unlimited (the command line).
    pub bandwidth: Option<std::sync::Arc<super::bandwidth::Bandwidth>>,
}

impl Default for ClientOptions {
    fn default() -> Self {
        Self {
            connect_timeout: Duration::from_secs(10),
            attempt_timeout: Duration::from_secs(60),
            max_attempts: 3,
            time_source: None,
            bandwidth: None,
        }
    }
}

impl ClientOptions {
    /// Short timeouts and one retry: "Test connection" should answer within seconds.
    pub fn interactive() -> Self {
        Self {
            connect_timeout: Duration::from_secs(5),
            attempt_timeout: Duration::from_secs(15),
            max_attempts: 2,
            time_source: None,
            bandwidth: None,
        }
    }
}

/// An S3 client bound to one connection's endpoint and credentials.
#[derive(Debug, Clone)]
pub struct Remote {
    pub(crate) client: aws_sdk_s3::Client,
    endpoint_label: String,
    /// The endpoint is plain HTTP on this computer. Over plain HTTP the SDK signs every chunk of
    /// an upload's body (SHA-256 over every byte, most of a large upload's CPU), which protects
    /// the bytes on a network; on loopback there is none, so Pail sends its own CRC32 instead.
    pub(crate) loopback_http: bool,
    /// The store was found to keep other bytes than a streamed (aws-chunked) upload sent, so
    /// single-part uploads go as plain bodies with `Content-MD5` from then on. Shared by every
    /// clone of this client.
    pub(crate) plain_bodies: std::sync::Arc<std::sync::atomic::AtomicBool>,
    /// Requests sent by this client and its clones, by kind.
    meter: std::sync::Arc<super::request_meter::RequestMeter>,
}

impl Remote {
    /// Builds a client. `endpoint` None means AWS's regional endpoint.
    pub async fn new(
        endpoint: Option<&str>,
        region: &str,
        path_style: bool,
        credentials: RemoteCredentials,
        options: ClientOptions,
        aws_files: &crate::aws_profiles::AwsFiles,
    ) -> Remote {
        let timeouts = TimeoutConfig::builder()
            .connect_timeout(options.connect_timeout)
            .operation_attempt_timeout(options.attempt_timeout)
            .build();
        let mut builder = aws_sdk_s3::Config::builder()
            .behavior_version(aws_sdk_s3::config::BehaviorVersion::latest())
            .region(Region::new(region.to_owned()))
            .force_path_style(path_style)
            .timeout_config(timeouts)
            .retry_config(RetryConfig::standard().with_max_attempts(options.max_attempts.max(1)));
        if let Some(ts) = options.time_source {
            builder = builder.time_source(ts);
        }
        if let Some(limits) = options.bandwidth {
            builder = builder.interceptor(super::bandwidth::BandwidthInterceptor(limits));
        }
        let meter = std::sync::Arc::new(super::request_meter::RequestMeter::default());
        builder = builder.interceptor(super::request_meter::MeterInterceptor {
            meter: meter.clone(),
            virtual_hosted: !path_style,
        });
        builder = match credentials {
            RemoteCredentials::Static { access_key_id, secret } => builder.credentials_provider(Credentials::new(
                access_key_id,
                secret.expose().clone(),
                None,
                None,
                "pail-keyring",
            )),
            RemoteCredentials::Environment => builder.credentials_provider(SharedCredentialsProvider::new(
                aws_config::environment::EnvironmentVariableCredentialsProvider::new(),
            )),
            RemoteCredentials::Profile(profile) => {
                let provider = aws_config::profile::ProfileFileCredentialsProvider::builder()
                    .profile_name(profile)
                    .profile_files(aws_files.profile_files())
                    .build();
                builder.credentials_provider(SharedCredentialsProvider::new(provider))
            }
        };
        if let Some(e) = endpoint {
            builder = builder.endpoint_url(e);
        }
        let endpoint_label = endpoint
            .map(str::to_owned)
            .unwrap_or_else(|| format!("https://s3.{region}.amazonaws.com"));
        Remote {
            client: aws_sdk_s3::Client::from_conf(builder.build()),
            loopback_http: endpoint.is_some_and(is_loopback_http),
            plain_bodies: Default::default(),
            endpoint_label,
            meter,
        }
    }

    /// The requests this client (and its clones) sent so far, by kind, retries included.
    pub fn requests(&self) -> super::request_meter::RequestCounts {
        self.meter.counts()
    }

    /// The endpoint as shown in messages.
    pub fn endpoint_label(&self) -> &str {
        &self.endpoint_label
    }

    /// The underlying SDK client, for operations the engine does not wrap yet.
    pub fn sdk(&self) -> &aws_sdk_s3::Client {
        &self.client
    }
}

/// Whether `endpoint` is a plain-HTTP URL whose host is this computer.
fn is_loopback_http(endpoint: &str) -> bool {
    plain_http_host(endpoint).is_some_and(|host| is_loopback_host(&host))
}

/// Whether `endpoint` sends requests unencrypted over a network: `http://` to a host that is
/// not this computer.
pub(crate) fn is_plain_http_to_another_machine(endpoint: &str) -> bool {
    plain_http_host(endpoint).is_some_and(|host| !is_loopback_host(&host))
}

/// The host of a plain-`http://` URL, lowercased, without port, user or brackets (None for any
/// other scheme).
fn plain_http_host(endpoint: &str) -> Option<String> {
    let endpoint = endpoint.trim();
    let rest = endpoint
        .get(..7)
        .filter(|scheme| scheme.eq_ignore_ascii_case("http://"))
        .and_then(|_| endpoint.get(7..))?;
    let authority = rest.split(['/', '?', '#']).next().unwrap_or_default();
    let host_port = authority.rsplit('@').next().unwrap_or_default();
    let host = match host_port.strip_prefix('[') {
        Some(v6) => v6.split(']').next().unwrap_or_default(),
        None => host_port.split(':').next().unwrap_or_default(),
    };
    Some(host.trim_end_matches('.').to_ascii_lowercase())
}

/// Whether a (lowercased) host is this computer: `localhost`, `*.localhost`, a loopback address.
fn is_loopback_host(host: &str) -> bool {
    host == "localhost"
        || host.ends_with(".localhost")
        || host.parse::<std::net::IpAddr>().is_ok_and(|ip| ip.is_loopback())
}

#[cfg(test)]
mod tests {
    use super::is_loopback_http;

    #[test]
    fn only_plain_http_to_this_computer_counts_as_loopback() {
        for yes in [
            "http://127.0.0.1:9000",
            "http://localhost",
            "HTTP://LocalHost:80/",
            "http://[::1]:9000/bucket",
            "http://127.9.8.7",
            "http://user@127.0.0.1:1",
        ] {
            assert!(is_loopback_http(yes), "{yes}");
        }
        for no in [
            "https://127.0.0.1:9000",
            "http://10.0.0.5:9000",
            "http://minio.lan:9000",
            "http://localhost.example.com",
            "http://[2001:db8::1]:9000",
            "http://127.0.0.1.nip.io",
            "s3.amazonaws.com",
            "",
        ] {
            assert!(!is_loopback_http(no), "{no}");
        }
    }
}

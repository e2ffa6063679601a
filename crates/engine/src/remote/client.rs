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
            endpoint_label,
        }
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

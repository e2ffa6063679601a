//! Connections: what the user saved to reach a store, minus the secret (which is in the keyring).

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::providers::Provider;

/// Where a connection's credentials come from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(tag = "kind", rename_all = "camelCase")]
pub enum CredentialSource {
    /// Access key id in the DB, secret in the OS keyring under the connection id.
    Keyring,
    /// Resolved by the AWS SDK from a named profile in ~/.aws (static keys, SSO, credential_process, roles).
    AwsProfile {
        /// The profile name.
        profile: String,
    },
}

/// A saved connection.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "camelCase")]
pub struct Connection {
    /// Stable id (a UUID); also the keyring account name.
    pub id: String,
    /// Name the user chose.
    pub name: String,
    /// Which store.
    pub provider: Provider,
    /// Custom endpoint URL; None means the provider's default (AWS).
    pub endpoint: Option<String>,
    /// Signing region.
    pub region: String,
    /// Path-style addressing (`endpoint/bucket/key`) instead of `bucket.endpoint/key`.
    pub path_style: bool,
    /// The access key id (not secret; shown to the user).
    pub access_key_id: String,
    /// Where the secret comes from.
    pub credential_source: CredentialSource,
    /// Buckets the user opened by name (for keys that may not list all buckets).
    pub pinned_buckets: Vec<String>,
}

/// What the connection form submits. Its Debug output leaves the secret out.
#[derive(Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "camelCase")]
pub struct ConnectionDraft {
    /// Name the user chose.
    pub name: String,
    /// Which store.
    pub provider: Provider,
    /// Custom endpoint URL.
    pub endpoint: Option<String>,
    /// Signing region.
    pub region: String,
    /// Path-style addressing.
    pub path_style: bool,
    /// The access key id.
    pub access_key_id: String,
    /// The secret; None on update keeps the stored one.
    pub secret_access_key: Option<String>,
    /// Where the secret comes from.
    pub credential_source: CredentialSource,
    /// Buckets to open by name.
    pub pinned_buckets: Vec<String>,
    /// The user saw the warning that the endpoint is plain `http://` to another machine and
    /// wants it anyway (absent = not yet warned).
    #[serde(default)]
    pub accept_plain_http: bool,
}

impl std::fmt::Debug for ConnectionDraft {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ConnectionDraft")
            .field("name", &self.name)
            .field("provider", &self.provider)
            .field("endpoint", &self.endpoint)
            .field("region", &self.region)
            .field("path_style", &self.path_style)
            .field("access_key_id", &self.access_key_id)
            .field(
                "secret_access_key",
                &self.secret_access_key.as_ref().map(|_| "<redacted>"),
            )
            .field("credential_source", &self.credential_source)
            .field("pinned_buckets", &self.pinned_buckets)
            .finish()
    }
}

/// A draft checked and trimmed, ready to store.
#[derive(Debug, Clone)]
pub struct ValidDraft {
    /// Trimmed name.
    pub name: String,
    /// Provider.
    pub provider: Provider,
    /// Normalised endpoint (no trailing slash), if any.
    pub endpoint: Option<String>,
    /// Trimmed region.
    pub region: String,
    /// Path-style.
    pub path_style: bool,
    /// Trimmed key id.
    pub access_key_id: String,
    /// Secret, if given (whitespace around it dropped: a common copy-paste accident).
    pub secret: Option<crate::secrets::Sensitive<String>>,
    /// Credential source.
    pub credential_source: CredentialSource,
    /// Valid, de-duplicated bucket names.
    pub pinned_buckets: Vec<String>,
}

impl ConnectionDraft {
    /// Checks the draft and explains the first problem in plain words.
    pub fn validate(&self) -> Result<ValidDraft> {
        let name = self.name.trim().to_owned();
        if name.is_empty() {
            return Err(Error::InvalidInput(
                "Give the connection a name, so you can recognise it in the sidebar.".into(),
            ));
        }
        if name.chars().count() > 100 {
            return Err(Error::InvalidInput(
                "The connection name is too long; keep it under 100 characters.".into(),
            ));
        }
        let region = self.region.trim().to_owned();
        if region.is_empty() {
            return Err(Error::InvalidInput("Enter a region (for example us-east-1). If your provider does not use regions, \"us-east-1\" or \"auto\" usually works.".into()));
        }
        let endpoint = match self.endpoint.as_deref().map(str::trim) {
            None | Some("") => None,
            Some(e) => Some(normalise_endpoint(e)?),
        };
        if let Some(e) = endpoint.as_deref() {
            if !self.accept_plain_http && is_plain_http_to_another_machine(e) {
                return Err(Error::PlainHttp { endpoint: e.to_owned() });
            }
        }
        if endpoint.is_none()
            && !matches!(self.provider, Provider::Aws)
            && matches!(self.credential_source, CredentialSource::Keyring)
        {
            return Err(Error::InvalidInput(
                "Enter the endpoint address your provider gives you (for example https://s3.example.com).".into(),
            ));
        }
        let access_key_id = self.access_key_id.trim().to_owned();
        if matches!(self.credential_source, CredentialSource::Keyring) && access_key_id.is_empty() {
            return Err(Error::InvalidInput("Enter the access key ID.".into()));
        }
        if access_key_id.chars().any(char::is_whitespace) {
            return Err(Error::InvalidInput(
                "The access key ID contains spaces; copy it again without them.".into(),
            ));
        }
        let secret = match self.secret_access_key.as_deref().map(str::trim) {
            None | Some("") => None,
            Some(s) => Some(crate::secrets::Sensitive::new(s.to_owned())),
        };
        if let CredentialSource::AwsProfile { profile } = &self.credential_source {
            if profile.trim().is_empty() {
                return Err(Error::InvalidInput(
                    "Choose which AWS profile this connection uses.".into(),
                ));
            }
        }
        let mut pinned_buckets = Vec::new();
        for b in &self.pinned_buckets {
            let b = b.trim();
            if b.is_empty() {
                continue;
            }
            validate_bucket_name(b)?;
            if !pinned_buckets.iter().any(|x: &String| x == b) {
                pinned_buckets.push(b.to_owned());
            }
        }
        Ok(ValidDraft {
            name,
            provider: self.provider,
            endpoint,
            region,
            path_style: self.path_style,
            access_key_id,
            secret,
            credential_source: self.credential_source.clone(),
            pinned_buckets,
        })
    }
}

/// Checks an endpoint URL and strips a trailing slash.
pub fn normalise_endpoint(raw: &str) -> Result<String> {
    let e = raw.trim().trim_end_matches('/');
    let rest = e
        .strip_prefix("https://")
        .or_else(|| e.strip_prefix("http://"))
        .ok_or_else(|| {
            Error::InvalidInput(format!(
                "The endpoint “{e}” must start with https:// (or http:// for a server on your own network)."
            ))
        })?;
    if rest.is_empty() || rest.contains(char::is_whitespace) {
        return Err(Error::InvalidInput(format!(
            "The endpoint “{e}” is not a valid address."
        )));
    }
    if rest.contains("{accountId}") || rest.contains("{region}") {
        return Err(Error::InvalidInput(
            "Replace the {placeholder} in the endpoint with your own value.".into(),
        ));
    }
    Ok(e.to_owned())
}

/// Whether an endpoint sends requests unencrypted over a network: `http://` to a host that is
/// not this computer (a loopback address or `localhost`).
pub fn is_plain_http_to_another_machine(endpoint: &str) -> bool {
    crate::remote::is_plain_http_to_another_machine(endpoint)
}

/// Checks a bucket name against the rules every S3 store shares, in plain words.
pub fn validate_bucket_name(name: &str) -> Result<()> {
    let ok_len = (3..=63).contains(&name.len());
    let ok_chars = name
        .chars()
        .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || matches!(c, '-' | '.' | '_'));
    let ok_ends = name.chars().next().is_some_and(|c| c.is_ascii_alphanumeric())
        && name.chars().last().is_some_and(|c| c.is_ascii_alphanumeric());
    if ok_len && ok_chars && ok_ends {
        Ok(())
    } else {
        Err(Error::InvalidInput(format!("“{name}” is not a valid bucket name: bucket names are 3 to 63 lowercase letters, digits, dots or hyphens, starting and ending with a letter or digit.")))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn draft() -> ConnectionDraft {
        ConnectionDraft {
            name: " Work ".into(),
            provider: Provider::Minio,
            endpoint: Some("http://127.0.0.1:9000/".into()),
            region: "us-east-1".into(),
            path_style: true,
            access_key_id: " AKIA123 ".into(),
            secret_access_key: Some(" s3cr3t \n".into()),
            credential_source: CredentialSource::Keyring,
            pinned_buckets: vec!["photos".into(), " photos ".into(), "".into()],
            accept_plain_http: false,
        }
    }

    #[test]
    fn plain_http_to_another_machine_is_told_apart_from_loopback_and_https() {
        for other in [
            "http://s3.example.com",
            "http://192.168.1.20:9000",
            "http://nas.local:9000/",
            "http://[fe80::1]:9000",
            "http://user@10.0.0.5",
            "HTTP://s3.example.com",
        ] {
            assert!(is_plain_http_to_another_machine(other), "{other}");
        }
        for safe in [
            "https://s3.example.com",
            "http://127.0.0.1:9000",
            "http://127.8.9.1",
            "http://localhost:9000/",
            "http://LOCALHOST",
            "http://minio.localhost:9000",
            "http://[::1]:9000",
        ] {
            assert!(!is_plain_http_to_another_machine(safe), "{safe}");
        }
    }

    #[test]
    fn plain_http_to_another_machine_is_refused_until_the_warning_is_accepted() {
        let mut d = draft();
        d.endpoint = Some("http://nas.example.org:9000".into());
        let e = d.validate().expect_err("a warning");
        assert_eq!(e.code(), crate::ErrorCode::PlainHttp);
        assert!(e.user_message().contains("without encryption"), "{}", e.user_message());
        d.accept_plain_http = true;
        assert!(d.validate().is_ok());
    }

    #[test]
    fn validation_trims_and_normalises() {
        let v = draft().validate().unwrap();
        assert_eq!(v.name, "Work");
        assert_eq!(v.endpoint.as_deref(), Some("http://127.0.0.1:9000"));
        assert_eq!(v.access_key_id, "AKIA123");
        assert_eq!(v.secret.unwrap().expose(), "s3cr3t");
        assert_eq!(v.pinned_buckets, vec!["photos".to_string()]);
    }

    #[test]
    fn each_bad_field_has_a_human_message() {
        type Mutation = Box<dyn Fn(&mut ConnectionDraft)>;
        let cases: Vec<(Mutation, &str)> = vec![
            (Box::new(|d| d.name = "  ".into()), "name"),
            (Box::new(|d| d.region = "".into()), "region"),
            (Box::new(|d| d.endpoint = Some("s3.example.com".into())), "https://"),
            (Box::new(|d| d.endpoint = None), "endpoint"),
            (
                Box::new(|d| d.endpoint = Some("https://{accountId}.r2.cloudflarestorage.com".into())),
                "placeholder",
            ),
            (Box::new(|d| d.access_key_id = "".into()), "access key ID"),
            (Box::new(|d| d.access_key_id = "AK IA".into()), "spaces"),
            (
                Box::new(|d| d.pinned_buckets = vec!["Bad_Bucket!".into()]),
                "bucket name",
            ),
        ];
        for (mutate, needle) in cases {
            let mut d = draft();
            mutate(&mut d);
            let err = d.validate().expect_err(needle);
            assert!(err.user_message().contains(needle), "{needle}: {}", err.user_message());
        }
    }

    #[test]
    fn aws_needs_no_endpoint() {
        let mut d = draft();
        d.provider = Provider::Aws;
        d.endpoint = None;
        assert!(d.validate().unwrap().endpoint.is_none());
    }

    #[test]
    fn debug_of_a_draft_hides_the_secret() {
        let d = draft();
        assert!(!format!("{d:?}").contains("s3cr3t"));
        assert!(!format!("{:?}", d.validate().unwrap()).contains("s3cr3t"));
    }
}

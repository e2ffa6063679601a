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
    /// Custom endpoint URL; None when the form did not ask for one, a blank string when it did
    /// and the field was left empty (a keyring connection then has to fill it in).
    pub endpoint: Option<String>,
    /// Signing region.
    pub region: String,
    /// Path-style addressing.
    pub path_style: bool,
    /// The access key id.
    pub access_key_id: String,
    /// The secret; None on update keeps the stored one. A blank string is the secret field left
    /// empty where the form asked for it, a problem for a keyring connection.
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

/// The longest connection name, in characters: enough for any label, short enough for the sidebar.
const MAX_NAME_CHARS: usize = 100;

/// What is wrong with each field of a [`ConnectionDraft`], in sentences the person filling in the
/// form can act on; `None` where the field is fine. Keyed like the draft's fields.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "camelCase")]
pub struct DraftProblems {
    /// The connection's name.
    pub name: Option<String>,
    /// The endpoint address.
    pub endpoint: Option<String>,
    /// The signing region.
    pub region: Option<String>,
    /// The access key ID.
    pub access_key_id: Option<String>,
    /// The secret access key.
    pub secret_access_key: Option<String>,
    /// The credential source (which AWS profile).
    pub credential_source: Option<String>,
    /// The buckets to open by name: the first one that is not a valid bucket name.
    pub pinned_buckets: Option<String>,
}

impl DraftProblems {
    /// The first problem in the form's order (top to bottom), for callers that show only one.
    pub fn first(&self) -> Option<&str> {
        [
            &self.name,
            &self.endpoint,
            &self.region,
            &self.access_key_id,
            &self.secret_access_key,
            &self.credential_source,
            &self.pinned_buckets,
        ]
        .into_iter()
        .find_map(|p| p.as_deref())
    }

    /// Whether every field is fine.
    pub fn is_empty(&self) -> bool {
        self.first().is_none()
    }
}

/// Why one field of a connection draft cannot be used; each displays as the sentence shown to
/// the person filling in the form.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DraftProblem {
    /// The name is blank.
    #[error("Give this connection a name, so you can recognise it in the sidebar.")]
    NameMissing,
    /// The name is longer than the sidebar can sensibly show.
    #[error("This name is too long: keep it to {MAX_NAME_CHARS} characters or fewer.")]
    NameTooLong,
    /// A keyring connection to a store other than AWS, or a custom endpoint field left blank.
    #[error("Enter the endpoint address your provider gives you, for example https://s3.example.com.")]
    EndpointMissing,
    /// A template's `{placeholder}` is still in the endpoint.
    #[error("Replace {placeholder} in the endpoint with {}.", placeholder_meaning(.placeholder))]
    EndpointPlaceholder {
        /// The placeholder, braces included (`{accountId}`).
        placeholder: String,
    },
    /// The endpoint does not start with `https://` or `http://`.
    #[error("The endpoint must start with https:// (or http:// for a server on your own network).")]
    EndpointScheme,
    /// The endpoint has no server name, a space, or a port that is not a number.
    #[error("This endpoint isn’t a valid web address: check the server name for typos and spaces.")]
    EndpointNotAnAddress,
    /// The region is blank.
    #[error("Enter a region (for example us-east-1). If your provider does not use regions, “us-east-1” or “auto” usually works.")]
    RegionMissing,
    /// A keyring connection without an access key ID.
    #[error("Enter the access key ID.")]
    AccessKeyIdMissing,
    /// The access key ID has whitespace inside it (a copy-paste accident).
    #[error("The access key ID contains spaces; copy it again without them.")]
    AccessKeyIdSpaces,
    /// A keyring connection whose secret field was left blank.
    #[error("Enter the secret access key.")]
    SecretMissing,
    /// An AWS-profile connection without a profile name.
    #[error("Choose which AWS profile this connection uses.")]
    ProfileMissing,
    /// A bucket to open by name breaks the bucket-name rules.
    #[error(transparent)]
    Bucket(#[from] BucketNameProblem),
}

/// What a template placeholder stands for, as the form's hint words it.
fn placeholder_meaning(placeholder: &str) -> &'static str {
    match placeholder {
        "{accountId}" => "your account ID",
        "{region}" => "your region",
        _ => "your own value",
    }
}

/// Why a name breaks the rules every S3 store shares for bucket names; each displays as a
/// sentence naming the bucket.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum BucketNameProblem {
    /// No name at all.
    #[error("Enter the bucket’s name.")]
    Missing,
    /// Characters other than lowercase letters, digits, dots, hyphens (and the legacy `_`).
    #[error("“{0}” is not a valid bucket name: use only lowercase letters, digits, dots and hyphens (no spaces, slashes or capitals).")]
    Characters(String),
    /// Shorter than 3 or longer than 63 characters.
    #[error("“{0}” is not a valid bucket name: a bucket name is 3 to 63 characters long.")]
    Length(String),
    /// Starts or ends with a dot, hyphen or underscore.
    #[error("“{0}” is not a valid bucket name: it must start and end with a lowercase letter or digit.")]
    Ends(String),
}

/// Every field of a draft checked on its own: the cleaned value, or why it cannot be used. Both
/// [`draft_problems`] and [`ConnectionDraft::validate`] read this, so they cannot disagree.
struct CheckedDraft {
    name: std::result::Result<String, DraftProblem>,
    endpoint: std::result::Result<Option<String>, DraftProblem>,
    region: std::result::Result<String, DraftProblem>,
    access_key_id: std::result::Result<String, DraftProblem>,
    secret: std::result::Result<Option<crate::secrets::Sensitive<String>>, DraftProblem>,
    credential_source: std::result::Result<(), DraftProblem>,
    pinned_buckets: std::result::Result<Vec<String>, DraftProblem>,
}

/// The fields of a draft that passed every check.
struct CheckedFields {
    name: String,
    endpoint: Option<String>,
    region: String,
    access_key_id: String,
    secret: Option<crate::secrets::Sensitive<String>>,
    pinned_buckets: Vec<String>,
}

impl CheckedDraft {
    fn new(draft: &ConnectionDraft) -> Self {
        CheckedDraft {
            name: check_name(&draft.name),
            endpoint: check_endpoint(draft),
            region: check_region(&draft.region),
            access_key_id: check_access_key_id(draft),
            secret: check_secret(draft),
            credential_source: check_credential_source(&draft.credential_source),
            pinned_buckets: check_pinned_buckets(&draft.pinned_buckets),
        }
    }

    fn problems(&self) -> DraftProblems {
        fn words<T>(r: &std::result::Result<T, DraftProblem>) -> Option<String> {
            r.as_ref().err().map(ToString::to_string)
        }
        DraftProblems {
            name: words(&self.name),
            endpoint: words(&self.endpoint),
            region: words(&self.region),
            access_key_id: words(&self.access_key_id),
            secret_access_key: words(&self.secret),
            credential_source: words(&self.credential_source),
            pinned_buckets: words(&self.pinned_buckets),
        }
    }

    /// The cleaned fields, or the first problem in the form's order (the order of
    /// [`DraftProblems::first`]: struct fields are evaluated as written).
    fn into_fields(self) -> std::result::Result<CheckedFields, DraftProblem> {
        let name = self.name?;
        let endpoint = self.endpoint?;
        let region = self.region?;
        let access_key_id = self.access_key_id?;
        let secret = self.secret?;
        self.credential_source?;
        let pinned_buckets = self.pinned_buckets?;
        Ok(CheckedFields {
            name,
            endpoint,
            region,
            access_key_id,
            secret,
            pinned_buckets,
        })
    }
}

fn check_name(raw: &str) -> std::result::Result<String, DraftProblem> {
    let name = raw.trim();
    if name.is_empty() {
        Err(DraftProblem::NameMissing)
    } else if name.chars().count() > MAX_NAME_CHARS {
        Err(DraftProblem::NameTooLong)
    } else {
        Ok(name.to_owned())
    }
}

fn check_endpoint(draft: &ConnectionDraft) -> std::result::Result<Option<String>, DraftProblem> {
    // A profile brings its own settings and AWS finds its own endpoint; every other keyring
    // connection has to be told where the store is.
    let keyring = matches!(draft.credential_source, CredentialSource::Keyring);
    match draft.endpoint.as_deref().map(str::trim) {
        None if keyring && draft.provider != Provider::Aws => Err(DraftProblem::EndpointMissing),
        None => Ok(None),
        // A blank string is an endpoint field the form showed and the person left empty (for
        // AWS: "Use a custom endpoint" ticked); `None` is one the form did not ask for.
        Some("") if keyring => Err(DraftProblem::EndpointMissing),
        Some("") => Ok(None),
        Some(e) => endpoint_address(e).map(Some),
    }
}

/// An endpoint URL checked, its scheme lowercased and trailing slashes dropped.
fn endpoint_address(raw: &str) -> std::result::Result<String, DraftProblem> {
    let e = raw.trim();
    if let Some(placeholder) = template_placeholder(e) {
        return Err(DraftProblem::EndpointPlaceholder {
            placeholder: placeholder.to_owned(),
        });
    }
    // `get` rather than slicing: the text may have a multi-byte character at any position.
    let scheme = ["https://", "http://"]
        .into_iter()
        .find(|s| e.get(..s.len()).is_some_and(|p| p.eq_ignore_ascii_case(s)))
        .ok_or(DraftProblem::EndpointScheme)?;
    let rest = e.get(scheme.len()..).unwrap_or_default().trim_end_matches('/');
    if !has_server_name(rest) {
        return Err(DraftProblem::EndpointNotAnAddress);
    }
    Ok(format!("{scheme}{rest}"))
}

/// The first `{word}` left over from a provider's endpoint template, if any.
fn template_placeholder(endpoint: &str) -> Option<&str> {
    let mut rest = endpoint;
    while let Some(open) = rest.find('{') {
        let after = &rest[open..];
        if let Some(close) = after.find('}') {
            let inner = &after[1..close];
            if !inner.is_empty() && inner.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
                return Some(&after[..=close]);
            }
        }
        rest = &after[1..];
    }
    None
}

/// Whether what follows `scheme://` names a server: no whitespace, a host before any path, and a
/// port, if any, made of digits.
fn has_server_name(rest: &str) -> bool {
    if rest.contains(char::is_whitespace) {
        return false;
    }
    let authority = rest.split(['/', '?', '#']).next().unwrap_or_default();
    let host_port = authority.rsplit('@').next().unwrap_or_default();
    let (host, port) = match host_port.strip_prefix('[') {
        Some(v6) => match v6.split_once(']') {
            Some((host, after)) => (host, after.strip_prefix(':')),
            None => return false,
        },
        None => match host_port.split_once(':') {
            Some((host, port)) => (host, Some(port)),
            None => (host_port, None),
        },
    };
    !host.is_empty() && port.is_none_or(|p| !p.is_empty() && p.chars().all(|c| c.is_ascii_digit()))
}

fn check_region(raw: &str) -> std::result::Result<String, DraftProblem> {
    let region = raw.trim();
    if region.is_empty() {
        Err(DraftProblem::RegionMissing)
    } else {
        Ok(region.to_owned())
    }
}

fn check_access_key_id(draft: &ConnectionDraft) -> std::result::Result<String, DraftProblem> {
    let id = draft.access_key_id.trim();
    if matches!(draft.credential_source, CredentialSource::Keyring) && id.is_empty() {
        Err(DraftProblem::AccessKeyIdMissing)
    } else if id.contains(char::is_whitespace) {
        Err(DraftProblem::AccessKeyIdSpaces)
    } else {
        Ok(id.to_owned())
    }
}

fn check_secret(
    draft: &ConnectionDraft,
) -> std::result::Result<Option<crate::secrets::Sensitive<String>>, DraftProblem> {
    // Whitespace around a secret is a copy-paste accident, never part of it.
    match draft.secret_access_key.as_deref().map(str::trim) {
        // No secret: keep the stored one (an edit), or none is needed (a profile).
        None => Ok(None),
        // A blank string is the secret field left empty where the form asked for it.
        Some("") if matches!(draft.credential_source, CredentialSource::Keyring) => Err(DraftProblem::SecretMissing),
        Some("") => Ok(None),
        Some(s) => Ok(Some(crate::secrets::Sensitive::new(s.to_owned()))),
    }
}

fn check_credential_source(source: &CredentialSource) -> std::result::Result<(), DraftProblem> {
    match source {
        CredentialSource::AwsProfile { profile } if profile.trim().is_empty() => Err(DraftProblem::ProfileMissing),
        _ => Ok(()),
    }
}

fn check_pinned_buckets(raw: &[String]) -> std::result::Result<Vec<String>, DraftProblem> {
    let mut buckets: Vec<String> = Vec::new();
    for b in raw.iter().map(|b| b.trim()) {
        // An empty entry is a bucket field left empty: nothing to pin, not a mistake.
        if b.is_empty() {
            continue;
        }
        if let Some(problem) = bucket_name_problem(b) {
            return Err(problem.into());
        }
        if !buckets.iter().any(|x| x == b) {
            buckets.push(b.to_owned());
        }
    }
    Ok(buckets)
}

/// Checks a connection draft without saving or contacting anything: each field's problem in
/// plain words. [`ConnectionDraft::validate`] accepts exactly the drafts this finds no problem in
/// (then asks about plain `http://`, which is a warning to accept, not a mistake in a field).
pub fn draft_problems(draft: &ConnectionDraft) -> DraftProblems {
    CheckedDraft::new(draft).problems()
}

impl ConnectionDraft {
    /// Checks the draft with [`draft_problems`]' rules and explains the first problem (in the
    /// form's order) in plain words; a clean draft to another machine over plain `http://` is
    /// refused with [`Error::PlainHttp`] until the user accepted that warning.
    pub fn validate(&self) -> Result<ValidDraft> {
        let fields = CheckedDraft::new(self)
            .into_fields()
            .map_err(|problem| Error::InvalidInput(problem.to_string()))?;
        if let Some(e) = fields.endpoint.as_deref() {
            if !self.accept_plain_http && is_plain_http_to_another_machine(e) {
                return Err(Error::PlainHttp { endpoint: e.to_owned() });
            }
        }
        Ok(ValidDraft {
            name: fields.name,
            provider: self.provider,
            endpoint: fields.endpoint,
            region: fields.region,
            path_style: self.path_style,
            access_key_id: fields.access_key_id,
            secret: fields.secret,
            credential_source: self.credential_source.clone(),
            pinned_buckets: fields.pinned_buckets,
        })
    }
}

/// Checks an endpoint URL, lowercases its scheme and strips trailing slashes.
pub fn normalise_endpoint(raw: &str) -> Result<String> {
    endpoint_address(raw).map_err(|problem| Error::InvalidInput(problem.to_string()))
}

/// Whether an endpoint sends requests unencrypted over a network: `http://` to a host that is
/// not this computer (a loopback address or `localhost`).
pub fn is_plain_http_to_another_machine(endpoint: &str) -> bool {
    crate::remote::is_plain_http_to_another_machine(endpoint)
}

/// Why `name` is not a bucket name every S3 store accepts, or `None` when it is one.
pub fn bucket_name_problem(name: &str) -> Option<BucketNameProblem> {
    let ok_chars = name
        .chars()
        .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || matches!(c, '-' | '.' | '_'));
    let ok_ends = name.chars().next().is_some_and(|c| c.is_ascii_alphanumeric())
        && name.chars().last().is_some_and(|c| c.is_ascii_alphanumeric());
    if name.is_empty() {
        Some(BucketNameProblem::Missing)
    } else if !ok_chars {
        Some(BucketNameProblem::Characters(name.to_owned()))
    } else if !(3..=63).contains(&name.len()) {
        Some(BucketNameProblem::Length(name.to_owned()))
    } else if !ok_ends {
        Some(BucketNameProblem::Ends(name.to_owned()))
    } else {
        None
    }
}

/// Checks a bucket name against the rules every S3 store shares, in plain words.
pub fn validate_bucket_name(name: &str) -> Result<()> {
    match bucket_name_problem(name) {
        Some(problem) => Err(Error::InvalidInput(problem.to_string())),
        None => Ok(()),
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
                "Replace {accountId}",
            ),
            (Box::new(|d| d.access_key_id = "".into()), "access key ID"),
            (Box::new(|d| d.access_key_id = "AK IA".into()), "spaces"),
            (
                Box::new(|d| d.secret_access_key = Some(" ".into())),
                "secret access key",
            ),
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

    /// A draft the form would send for a new keyring connection to AWS, filled in correctly.
    fn aws_draft() -> ConnectionDraft {
        ConnectionDraft {
            name: "Amazon S3".into(),
            provider: Provider::Aws,
            endpoint: None,
            region: "us-east-1".into(),
            path_style: false,
            access_key_id: "AKIA".into(),
            secret_access_key: Some("s3cret".into()),
            credential_source: CredentialSource::Keyring,
            pinned_buckets: Vec::new(),
            accept_plain_http: false,
        }
    }

    /// Only `field` has a problem, it reads `want`, and validate refuses with the same words.
    fn assert_only(d: &ConnectionDraft, field: &str, want: &str) {
        let p = draft_problems(d);
        let json = serde_json::to_value(&p).unwrap();
        for (key, value) in json.as_object().unwrap() {
            if key == field {
                assert_eq!(value.as_str(), Some(want), "{field} of {d:?}");
            } else {
                assert!(value.is_null(), "{key} should be fine in {d:?}: {value}");
            }
        }
        let err = d.validate().expect_err(want);
        assert_eq!(err.code(), crate::ErrorCode::InvalidInput);
        assert_eq!(err.user_message(), want);
    }

    fn assert_clean(d: &ConnectionDraft) {
        assert_eq!(draft_problems(d), DraftProblems::default(), "{d:?}");
        d.validate().expect("a clean draft is valid");
    }

    #[test]
    fn a_complete_aws_form_has_no_problems() {
        assert_clean(&aws_draft());
        assert!(draft_problems(&aws_draft()).is_empty());
    }

    #[test]
    fn every_missing_field_is_named_in_plain_words() {
        let d = ConnectionDraft {
            name: "".into(),
            provider: Provider::Minio,
            endpoint: Some("".into()),
            region: " ".into(),
            access_key_id: "".into(),
            secret_access_key: Some("".into()),
            ..aws_draft()
        };
        let p = draft_problems(&d);
        assert_eq!(
            p,
            DraftProblems {
                name: Some("Give this connection a name, so you can recognise it in the sidebar.".into()),
                endpoint: Some(
                    "Enter the endpoint address your provider gives you, for example https://s3.example.com."
                        .into()
                ),
                region: Some("Enter a region (for example us-east-1). If your provider does not use regions, “us-east-1” or “auto” usually works.".into()),
                access_key_id: Some("Enter the access key ID.".into()),
                secret_access_key: Some("Enter the secret access key.".into()),
                credential_source: None,
                pinned_buckets: None,
            }
        );
        assert!(!p.is_empty());
        // validate explains the first one, top to bottom as the form shows them.
        assert_eq!(d.validate().unwrap_err().user_message(), p.first().unwrap());
        assert_eq!(p.first(), p.name.as_deref());
    }

    #[test]
    fn validate_reports_the_first_of_the_problems_in_form_order() {
        let mut d = aws_draft();
        d.region = "".into();
        d.pinned_buckets = vec!["x".into()];
        assert_eq!(
            d.validate().unwrap_err().user_message(),
            draft_problems(&d).region.unwrap()
        );
        d.region = "eu-west-1".into();
        assert_eq!(
            d.validate().unwrap_err().user_message(),
            draft_problems(&d).pinned_buckets.unwrap()
        );
    }

    #[test]
    fn name_rules() {
        let mut d = aws_draft();
        d.name = " \t ".into();
        assert_only(
            &d,
            "name",
            "Give this connection a name, so you can recognise it in the sidebar.",
        );
        d.name = "é".repeat(MAX_NAME_CHARS);
        assert_clean(&d);
        d.name = "é".repeat(MAX_NAME_CHARS + 1);
        assert_only(&d, "name", "This name is too long: keep it to 100 characters or fewer.");
    }

    #[test]
    fn the_secret_is_needed_only_when_the_form_asked_for_it() {
        let mut d = aws_draft();
        d.secret_access_key = Some(" \n".into());
        assert_only(&d, "secretAccessKey", "Enter the secret access key.");
        // Editing: no secret keeps the stored one.
        d.secret_access_key = None;
        assert_clean(&d);
    }

    #[test]
    fn an_aws_profile_needs_no_keys_but_a_profile_name() {
        let mut d = aws_draft();
        d.credential_source = CredentialSource::AwsProfile { profile: "dev".into() };
        d.access_key_id = "".into();
        d.secret_access_key = None;
        assert_clean(&d);
        // A profile brings its own endpoint settings, so none is required for another provider.
        d.provider = Provider::Other;
        d.endpoint = Some("".into());
        assert_clean(&d);
        d.credential_source = CredentialSource::AwsProfile { profile: " ".into() };
        assert_only(&d, "credentialSource", "Choose which AWS profile this connection uses.");
    }

    #[test]
    fn access_key_id_rules() {
        let mut d = aws_draft();
        d.access_key_id = "  ".into();
        assert_only(&d, "accessKeyId", "Enter the access key ID.");
        d.access_key_id = "AKIA 123".into();
        assert_only(
            &d,
            "accessKeyId",
            "The access key ID contains spaces; copy it again without them.",
        );
        d.access_key_id = " AKIA123\n".into();
        assert_clean(&d);
    }

    #[test]
    fn region_rules() {
        let mut d = aws_draft();
        d.region = "".into();
        assert_only(&d, "region", "Enter a region (for example us-east-1). If your provider does not use regions, “us-east-1” or “auto” usually works.");
    }

    #[test]
    fn endpoint_mistakes_are_explained() {
        let mut d = aws_draft();
        d.provider = Provider::CloudflareR2;
        d.region = "auto".into();
        d.endpoint = Some("https://{accountId}.r2.cloudflarestorage.com".into());
        assert_only(
            &d,
            "endpoint",
            "Replace {accountId} in the endpoint with your account ID.",
        );
        d.endpoint = Some("https://s3.{region}.wasabisys.com".into());
        assert_only(&d, "endpoint", "Replace {region} in the endpoint with your region.");
        d.endpoint = Some("https://{bucket}.example.com".into());
        assert_only(&d, "endpoint", "Replace {bucket} in the endpoint with your own value.");
        let scheme = "The endpoint must start with https:// (or http:// for a server on your own network).";
        for bad in ["s3.example.com", "ftp://s3.example.com", "https:/s3.example.com", "é"] {
            d.endpoint = Some(bad.into());
            assert_only(&d, "endpoint", scheme);
        }
        let not_an_address = "This endpoint isn’t a valid web address: check the server name for typos and spaces.";
        for bad in [
            "https://",
            "https:///bucket",
            "https://s3 example.com",
            "https://user@",
            "https://s3.example.com:port",
            "https://s3.example.com:",
            "http://[::1",
        ] {
            d.endpoint = Some(bad.into());
            assert_only(&d, "endpoint", not_an_address);
        }
        for good in [
            "http://127.0.0.1:9000",
            "https://s3.example.com/proxy/",
            "http://[::1]:9000",
            "https://s3.example.com?x=1",
        ] {
            d.endpoint = Some(good.into());
            assert_clean(&d);
        }
    }

    #[test]
    fn the_endpoint_is_normalised() {
        assert_eq!(
            normalise_endpoint(" HTTPS://S3.Example.com// ").unwrap(),
            "https://S3.Example.com"
        );
        assert_eq!(
            normalise_endpoint("http://127.0.0.1:9000/").unwrap(),
            "http://127.0.0.1:9000"
        );
        let mut d = aws_draft();
        d.endpoint = Some("Https://vpce.example/".into());
        assert_eq!(d.validate().unwrap().endpoint.as_deref(), Some("https://vpce.example"));
        assert!(normalise_endpoint("s3.example.com").is_err());
    }

    #[test]
    fn a_custom_aws_endpoint_once_asked_for_is_required() {
        let mut d = aws_draft();
        d.endpoint = Some(" ".into());
        assert_only(
            &d,
            "endpoint",
            "Enter the endpoint address your provider gives you, for example https://s3.example.com.",
        );
        d.endpoint = Some("https://vpce.example".into());
        assert_clean(&d);
        // Another provider needs one even when the form did not show the field.
        d.provider = Provider::Minio;
        d.endpoint = None;
        assert!(draft_problems(&d).endpoint.is_some());
    }

    #[test]
    fn plain_http_is_a_warning_for_validate_not_a_problem_of_the_field() {
        let mut d = aws_draft();
        d.provider = Provider::Minio;
        d.endpoint = Some("http://nas.example.org:9000".into());
        assert!(draft_problems(&d).is_empty());
        assert_eq!(d.validate().unwrap_err().code(), crate::ErrorCode::PlainHttp);
    }

    #[test]
    fn pinned_buckets_are_checked_trimmed_and_deduplicated() {
        let mut d = aws_draft();
        d.pinned_buckets = vec!["photos".into(), " photos ".into(), "".into(), "my bucket".into()];
        assert_only(
            &d,
            "pinnedBuckets",
            "“my bucket” is not a valid bucket name: use only lowercase letters, digits, dots and hyphens (no spaces, slashes or capitals).",
        );
        d.pinned_buckets.pop();
        assert_eq!(d.validate().unwrap().pinned_buckets, vec!["photos".to_string()]);
    }

    #[test]
    fn bucket_name_rules() {
        assert_eq!(bucket_name_problem(""), Some(BucketNameProblem::Missing));
        assert_eq!(bucket_name_problem("").unwrap().to_string(), "Enter the bucket’s name.");
        for bad in ["a/b", "a\\b", "my bucket", "Photos", "../../etc", "café", "Bad_Bucket!"] {
            let p = bucket_name_problem(bad).expect(bad);
            assert_eq!(p, BucketNameProblem::Characters(bad.into()));
            assert!(p.to_string().contains("slashes"), "{p}");
            assert!(p.to_string().contains("not a valid bucket name"), "{p}");
        }
        for bad in ["ab", &"a".repeat(64)] {
            let p = bucket_name_problem(bad).expect(bad);
            assert_eq!(p, BucketNameProblem::Length(bad.to_string()));
            assert!(p.to_string().contains("3 to 63"), "{p}");
        }
        for bad in ["-photos", "photos.", "_ab"] {
            assert_eq!(bucket_name_problem(bad), Some(BucketNameProblem::Ends(bad.into())));
        }
        for good in ["photos", "abc", "my.bucket-1", "old_style", &"a".repeat(63)] {
            assert_eq!(bucket_name_problem(good), None, "{good}");
            assert!(validate_bucket_name(good).is_ok());
        }
        let err = validate_bucket_name("Bad_Bucket!").unwrap_err();
        assert_eq!(err.code(), crate::ErrorCode::InvalidInput);
        assert!(err
            .user_message()
            .starts_with("“Bad_Bucket!” is not a valid bucket name"));
    }

    #[test]
    fn problems_cross_ipc_as_camel_case_with_nulls() {
        let mut d = aws_draft();
        d.access_key_id = "".into();
        let json = serde_json::to_value(draft_problems(&d)).unwrap();
        assert_eq!(
            json,
            serde_json::json!({
                "name": null,
                "endpoint": null,
                "region": null,
                "accessKeyId": "Enter the access key ID.",
                "secretAccessKey": null,
                "credentialSource": null,
                "pinnedBuckets": null,
            })
        );
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

//! Finding profiles in `~/.aws/config` and `~/.aws/credentials` with the SDK's own parser, so
//! Pail reads them exactly as the AWS CLI does.

use std::path::PathBuf;

use aws_config::profile::{Profile, ProfileSet};
use aws_runtime::env_config::file::{EnvConfigFileKind as ProfileFileKind, EnvConfigFiles as ProfileFiles};
use aws_types::os_shim_internal::{Env, Fs};
use serde::{Deserialize, Serialize};

use crate::error::{error_chain, Error, Result};

/// How a profile gets its credentials, in the words the import dialog shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "camelCase")]
pub enum AwsProfileKind {
    /// `aws_access_key_id` / `aws_secret_access_key` in the files.
    StaticKeys,
    /// IAM Identity Center (SSO).
    Sso,
    /// An external `credential_process` command.
    CredentialProcess,
    /// `role_arn` with a source profile or credential source.
    AssumeRole,
    /// Credentials from environment variables.
    Environment,
    /// Something else the SDK may still resolve (web identity, ...).
    Other,
}

/// A profile the user can import.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "camelCase")]
pub struct AwsProfileInfo {
    /// Profile name.
    pub name: String,
    /// `region` from the profile.
    pub region: Option<String>,
    /// `endpoint_url` from the profile (S3-compatible stores).
    pub endpoint: Option<String>,
    /// How it authenticates.
    pub kind: AwsProfileKind,
    /// Whether a connection already uses it.
    pub already_imported: bool,
}

/// Where to read the AWS files from: the standard places, or explicit files (tests, portable setups).
#[derive(Debug, Clone, Default)]
pub struct AwsFiles {
    /// Explicit `config` file instead of `~/.aws/config` / `$AWS_CONFIG_FILE`.
    pub config: Option<PathBuf>,
    /// Explicit `credentials` file instead of `~/.aws/credentials` / `$AWS_SHARED_CREDENTIALS_FILE`.
    pub credentials: Option<PathBuf>,
}

impl AwsFiles {
    /// The SDK's description of these files.
    pub fn profile_files(&self) -> ProfileFiles {
        let mut b = ProfileFiles::builder();
        b = match &self.config {
            Some(p) => b.with_file(ProfileFileKind::Config, p),
            None => b.include_default_config_file(true),
        };
        b = match &self.credentials {
            Some(p) => b.with_file(ProfileFileKind::Credentials, p),
            None => b.include_default_credentials_file(true),
        };
        b.build()
    }
}

/// Reads every profile from the files. Missing files simply give no profiles.
pub async fn discover(files: &AwsFiles) -> Result<Vec<AwsProfileInfo>> {
    let set: ProfileSet = aws_config::profile::load(&Fs::real(), &Env::real(), &files.profile_files(), None)
        .await
        .map_err(|e| Error::AwsConfig(error_chain(&e)))?;
    let mut out: Vec<AwsProfileInfo> = set
        .profiles()
        .filter_map(|name| set.get_profile(name).map(|p| describe(name, p)))
        .collect();
    out.sort_by(|a, b| a.name.cmp(&b.name));
    Ok(out)
}

fn describe(name: &str, p: &Profile) -> AwsProfileInfo {
    let has = |k: &str| p.get(k).is_some_and(|v| !v.trim().is_empty());
    let kind = if has("sso_session") || has("sso_start_url") {
        AwsProfileKind::Sso
    } else if has("role_arn") {
        AwsProfileKind::AssumeRole
    } else if has("credential_process") {
        AwsProfileKind::CredentialProcess
    } else if has("aws_access_key_id") {
        AwsProfileKind::StaticKeys
    } else if p.get("credential_source") == Some("Environment") {
        AwsProfileKind::Environment
    } else {
        AwsProfileKind::Other
    };
    // An S3-specific endpoint (in the `services` section) is not resolved here; the top-level one is the common case.
    AwsProfileInfo {
        name: name.to_owned(),
        region: p.get("region").map(str::to_owned),
        endpoint: p.get("endpoint_url").map(str::to_owned),
        kind,
        already_imported: false,
    }
}

/// The access key id of a static-key profile, shown as the connection's key id.
pub async fn static_key_id(files: &AwsFiles, profile: &str) -> Option<String> {
    let set = aws_config::profile::load(&Fs::real(), &Env::real(), &files.profile_files(), None)
        .await
        .ok()?;
    set.get_profile(profile)?.get("aws_access_key_id").map(str::to_owned)
}

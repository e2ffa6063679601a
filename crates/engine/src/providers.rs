//! Provider presets for the connection form: what each S3-compatible store needs by default.

use serde::{Deserialize, Serialize};

/// The store a connection talks to; decides defaults and a few behaviours.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "camelCase")]
pub enum Provider {
    /// Amazon S3.
    Aws,
    /// Cloudflare R2.
    CloudflareR2,
    /// Backblaze B2 (S3 API).
    BackblazeB2,
    /// Wasabi.
    Wasabi,
    /// MinIO.
    Minio,
    /// Garage.
    Garage,
    /// DigitalOcean Spaces.
    DigitalOceanSpaces,
    /// Any other S3-compatible store.
    Other,
    /// Pail's built-in local demo store.
    Demo,
}

impl Provider {
    /// The database spelling of the provider.
    pub fn as_str(self) -> &'static str {
        match self {
            Provider::Aws => "aws",
            Provider::CloudflareR2 => "cloudflareR2",
            Provider::BackblazeB2 => "backblazeB2",
            Provider::Wasabi => "wasabi",
            Provider::Minio => "minio",
            Provider::Garage => "garage",
            Provider::DigitalOceanSpaces => "digitalOceanSpaces",
            Provider::Other => "other",
            Provider::Demo => "demo",
        }
    }

    /// Parses the database spelling; unknown values become `Other` so an old app can open a newer DB.
    pub fn parse(s: &str) -> Provider {
        match s {
            "aws" => Provider::Aws,
            "cloudflareR2" => Provider::CloudflareR2,
            "backblazeB2" => Provider::BackblazeB2,
            "wasabi" => Provider::Wasabi,
            "minio" => Provider::Minio,
            "garage" => Provider::Garage,
            "digitalOceanSpaces" => Provider::DigitalOceanSpaces,
            "demo" => Provider::Demo,
            _ => Provider::Other,
        }
    }
}

/// Defaults the connection form fills in when the user picks a provider.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "camelCase")]
pub struct ProviderPreset {
    /// Which provider.
    pub provider: Provider,
    /// Name shown in the picker.
    pub label: String,
    /// Region filled in by default.
    pub default_region: String,
    /// Endpoint with `{accountId}` / `{region}` placeholders, if the provider has a fixed shape.
    pub endpoint_template: Option<String>,
    /// Whether the user must give an endpoint.
    pub endpoint_required: bool,
    /// Whether path-style addressing is the right default.
    pub path_style: bool,
    /// One sentence of help shown under the picker.
    pub hint: String,
}

/// The presets offered by the connection form, in display order (the demo store is not offered:
/// it is created by "Try the demo store").
pub fn presets() -> Vec<ProviderPreset> {
    let p = |provider, label: &str, region: &str, template: Option<&str>, required, path_style, hint: &str| {
        ProviderPreset {
            provider,
            label: label.into(),
            default_region: region.into(),
            endpoint_template: template.map(Into::into),
            endpoint_required: required,
            path_style,
            hint: hint.into(),
        }
    };
    vec![
        p(Provider::Aws, "Amazon S3", "us-east-1", None, false, false,
          "Use an access key from the AWS console (IAM → Users → Security credentials). The region is where your buckets live."),
        p(Provider::CloudflareR2, "Cloudflare R2", "auto", Some("https://{accountId}.r2.cloudflarestorage.com"), true, true,
          "Create an R2 API token in the Cloudflare dashboard; replace {accountId} with your account ID."),
        p(Provider::BackblazeB2, "Backblaze B2", "us-west-004", Some("https://s3.{region}.backblazeb2.com"), true, false,
          "Use an application key; the key ID is the access key. The region is in your bucket's endpoint (e.g. us-west-004)."),
        p(Provider::Wasabi, "Wasabi", "us-east-1", Some("https://s3.{region}.wasabisys.com"), true, false,
          "Use an access key from the Wasabi console and the region your buckets are in."),
        p(Provider::Minio, "MinIO", "us-east-1", Some("http://localhost:9000"), true, true,
          "Enter your MinIO server's address, including the port (usually 9000)."),
        p(Provider::Garage, "Garage", "garage", Some("http://localhost:3900"), true, true,
          "Enter your Garage S3 API address (usually port 3900) and the region from garage.toml (often \"garage\")."),
        p(Provider::DigitalOceanSpaces, "DigitalOcean Spaces", "nyc3", Some("https://{region}.digitaloceanspaces.com"), true, false,
          "Create a Spaces access key in the DigitalOcean control panel; the region is your Space's datacenter (e.g. nyc3)."),
        p(Provider::Other, "Other S3-compatible", "us-east-1", None, true, true,
          "Enter the S3 endpoint address your provider gives you. Turn off path-style only if they ask for virtual-hosted buckets."),
    ]
}

/// Fills `{region}` in a template; `{accountId}` stays for the user to fill.
pub fn expand_endpoint(template: &str, region: &str) -> String {
    template.replace("{region}", region)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_provider_round_trips_through_its_db_spelling() {
        for preset in presets() {
            assert_eq!(Provider::parse(preset.provider.as_str()), preset.provider);
        }
        assert_eq!(Provider::parse("demo"), Provider::Demo);
        assert_eq!(Provider::parse("something-new"), Provider::Other);
    }

    #[test]
    fn presets_cover_the_products_list() {
        let all: Vec<Provider> = presets().iter().map(|p| p.provider).collect();
        for p in [
            Provider::Aws,
            Provider::CloudflareR2,
            Provider::BackblazeB2,
            Provider::Wasabi,
            Provider::Minio,
            Provider::Garage,
            Provider::DigitalOceanSpaces,
            Provider::Other,
        ] {
            assert!(all.contains(&p), "{p:?} missing");
        }
    }

    #[test]
    fn region_placeholder_is_expanded() {
        assert_eq!(
            expand_endpoint("https://s3.{region}.wasabisys.com", "eu-central-1"),
            "https://s3.eu-central-1.wasabisys.com"
        );
    }
}

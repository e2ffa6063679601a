//! Profiles from the AWS config files become connections that work through the SDK's resolution.

use pail_engine::aws_profiles::{AwsFiles, AwsProfileKind};
use pail_engine::connections::CredentialSource;

use crate::support::*;

#[tokio::test]
async fn profiles_are_discovered_with_their_kind_and_imported_once() {
    let endpoint = moto_endpoint();
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("config");
    let credentials = dir.path().join("credentials");
    std::fs::write(
        &config,
        format!(
            "[profile local]\nregion = us-east-1\nendpoint_url = {endpoint}\n\n\
             [profile work-sso]\nsso_session = corp\nsso_account_id = 111122223333\nsso_role_name = Reader\nregion = eu-west-1\n\n\
             [sso-session corp]\nsso_start_url = https://example.invalid/start\nsso_region = eu-west-1\n\n\
             [profile tool]\ncredential_process = /bin/false\n"
        ),
    )
    .unwrap();
    std::fs::write(
        &credentials,
        "[local]\naws_access_key_id = AKIALOCAL\naws_secret_access_key = local-secret-value\n",
    )
    .unwrap();
    let t = TestEngine::with_aws_files(AwsFiles {
        config: Some(config),
        credentials: Some(credentials),
    })
    .await;

    let found = t.engine.discover_aws_profiles().await.unwrap();
    let kinds: Vec<(&str, AwsProfileKind)> = found.iter().map(|p| (p.name.as_str(), p.kind)).collect();
    assert_eq!(
        kinds,
        vec![
            ("local", AwsProfileKind::StaticKeys),
            ("tool", AwsProfileKind::CredentialProcess),
            ("work-sso", AwsProfileKind::Sso)
        ]
    );
    let local = &found[0];
    assert_eq!(local.endpoint.as_deref(), Some(endpoint.as_str()));

    let bucket = bucket_name("imported");
    make_bucket(&sdk_client(&endpoint, "k", "s"), &bucket, &["hello.txt".into()]).await;

    let created = t.engine.import_aws_profiles(&["local".into()]).await.unwrap();
    assert_eq!(created.len(), 1);
    let conn = &created[0];
    assert_eq!(
        conn.credential_source,
        CredentialSource::AwsProfile {
            profile: "local".into()
        }
    );
    assert_eq!(conn.access_key_id, "AKIALOCAL");
    // The SDK resolves the profile's keys; Pail copied no secret into its keyring.
    assert_eq!(secret_tool_lookup(&t.service, &conn.id), None);
    let buckets = t.engine.list_buckets(&conn.id).await.unwrap();
    assert!(buckets.buckets.iter().any(|b| b.name == bucket));

    // Importing again does not duplicate; the dialog marks it as imported.
    assert!(t
        .engine
        .import_aws_profiles(&["local".into()])
        .await
        .unwrap()
        .is_empty());
    assert!(t.engine.discover_aws_profiles().await.unwrap()[0].already_imported);

    // A profile whose credential process fails explains itself.
    let tool = t.engine.import_aws_profiles(&["tool".into()]).await.unwrap().remove(0);
    let err = t.engine.list_buckets(&tool.id).await.unwrap_err();
    assert_eq!(
        err.code(),
        pail_engine::ErrorCode::MissingCredentials,
        "{}",
        err.detail()
    );

    let err = t.engine.import_aws_profiles(&["nope".into()]).await.unwrap_err();
    assert!(err.user_message().contains("no AWS profile named “nope”"));
}

//! Who may talk to the store, with the error codes AWS itself returns.

use std::collections::{HashMap, HashSet};

use s3s::access::{S3Access, S3AccessContext};
use s3s::auth::{S3Auth, SecretKey};
use s3s::dto::ListBucketsInput;
use s3s::{S3Error, S3ErrorCode, S3Request, S3Result};

/// Looks up secrets by access key id.
///
/// s3s's `SimpleAuth` answers an unknown key with `NotSignedUp`; AWS says `InvalidAccessKeyId`,
/// and clients (and Pail's error messages) key off that code.
pub(crate) struct DevAuth {
    users: HashMap<String, SecretKey>,
}

impl DevAuth {
    pub(crate) fn new(users: impl IntoIterator<Item = (String, String)>) -> Self {
        let users = users
            .into_iter()
            .map(|(id, secret)| (id, SecretKey::from(secret)))
            .collect();
        Self { users }
    }
}

#[async_trait::async_trait]
impl S3Auth for DevAuth {
    async fn get_secret_key(&self, access_key: &str) -> S3Result<SecretKey> {
        self.users.get(access_key).cloned().ok_or_else(|| {
            S3Error::with_message(
                S3ErrorCode::InvalidAccessKeyId,
                "The AWS Access Key Id you provided does not exist in our records.",
            )
        })
    }
}

/// Refuses anonymous requests and, for the configured keys, ListBuckets.
pub(crate) struct DevAccess {
    deny_list_buckets_for: HashSet<String>,
}

impl DevAccess {
    pub(crate) fn new(deny_list_buckets_for: impl IntoIterator<Item = String>) -> Self {
        Self {
            deny_list_buckets_for: deny_list_buckets_for.into_iter().collect(),
        }
    }
}

#[async_trait::async_trait]
impl S3Access for DevAccess {
    async fn check(&self, cx: &mut S3AccessContext<'_>) -> S3Result<()> {
        match cx.credentials() {
            Some(_) => Ok(()),
            None => Err(S3Error::with_message(
                S3ErrorCode::AccessDenied,
                "Anonymous requests are not allowed; sign the request.",
            )),
        }
    }

    async fn list_buckets(&self, req: &mut S3Request<ListBucketsInput>) -> S3Result<()> {
        let denied = req
            .credentials
            .as_ref()
            .is_some_and(|c| self.deny_list_buckets_for.contains(&c.access_key));
        if denied {
            return Err(S3Error::with_message(
                S3ErrorCode::AccessDenied,
                "User is not authorized to perform: s3:ListAllMyBuckets",
            ));
        }
        Ok(())
    }
}

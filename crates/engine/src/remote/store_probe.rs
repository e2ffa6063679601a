//! Finds out whether a store keeps the promises two-way sync rests on: that a write or delete
//! conditional on an ETag (`If-Match`), or on absence (`If-None-Match: *`), is refused when the
//! condition is false. Several small S3-compatible servers accept those headers and ignore
//! them; there, a racing computer's edit would be overwritten with no error at all. So before a
//! pair syncs both ways, a scratch key under the pair's prefix is written and deleted with
//! conditions that must fail, and the answers are recorded.

use super::{PutSpec, Remote, WriteCondition};
use crate::error::{ErrorCode, Operation, Result};

/// What a probe found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConditionProbe {
    /// Each promise the store broke, as a phrase ("overwrote a file although told not to").
    pub lacks: Vec<String>,
    /// What each step saw, for the technical detail.
    pub detail: String,
}

impl ConditionProbe {
    /// Whether every condition was honoured.
    pub fn is_safe(&self) -> bool {
        self.lacks.is_empty()
    }

    /// The store's failings as one phrase for a sentence ("ignores …, and …").
    pub fn lacks_sentence(&self) -> String {
        match self.lacks.as_slice() {
            [] => String::new(),
            [one] => one.clone(),
            [rest @ .., last] => format!("{}, and {last}", rest.join(", ")),
        }
    }
}

/// An ETag no object has.
const WRONG_ETAG: &str = "00000000000000000000000000000000";

impl Remote {
    /// Probes `bucket` under `prefix` (`""` or ending with `/`) with a scratch key in Pail's own
    /// folder (`<prefix>.pail/probe-<prober>`), removed again at the end. `prober` names this
    /// computer's pair, so two computers never probe on one key and a probe cut short (a crash,
    /// a dropped connection) leaves at most one key behind, cleared by the next probe. Errors of
    /// the first, ordinary write (no permission, no bucket) are returned as they are.
    pub async fn probe_conditions(&self, bucket: &str, prefix: &str, prober: &str) -> Result<ConditionProbe> {
        let key = format!("{prefix}{}/probe-{prober}", crate::core::RESERVED_DIR);
        // A leftover of an earlier probe would make the first, conditional create fail.
        self.client
            .delete_object()
            .bucket(bucket)
            .key(&key)
            .send()
            .await
            .map_err(|e| super::classify(e, Operation::DeleteObject, self.endpoint_label(), Some(bucket)))?;
        let spec = |condition| PutSpec {
            condition,
            metadata: Vec::new(),
        };
        let mut lacks = Vec::new();
        let mut detail = Vec::new();
        match self.put_empty(bucket, &key, &spec(WriteCondition::IfAbsent)).await {
            Ok(created) => detail.push(format!("create {key} with If-None-Match: * → ETag {}", created.etag)),
            // A retry of a create the store had applied already (the reply was lost): it exists.
            Err(e) if e.code() == ErrorCode::PreconditionFailed => detail.push(format!(
                "create {key} with If-None-Match: * → exists (a retried create)"
            )),
            Err(e) => return Err(e),
        }

        let outcome = self.put_empty(bucket, &key, &spec(WriteCondition::IfAbsent)).await;
        if let Some(broken) = judge(
            "PUT with If-None-Match: * on a key that exists",
            outcome.map(|_| ()),
            &mut detail,
        )? {
            lacks.push(broken.unwrap_or_else(|| {
                "overwrites a file that exists although told to create it only if it is new".into()
            }));
        }
        let outcome = self
            .put_empty(bucket, &key, &spec(WriteCondition::IfMatch(WRONG_ETAG.into())))
            .await;
        if let Some(broken) = judge("PUT with a wrong If-Match", outcome.map(|_| ()), &mut detail)? {
            lacks.push(broken.unwrap_or_else(|| "overwrites a file although it changed since it was last seen".into()));
        }
        let outcome = self
            .client
            .delete_object()
            .bucket(bucket)
            .key(&key)
            .if_match(format!("\"{WRONG_ETAG}\""))
            .send()
            .await
            .map(|_| ())
            .map_err(|e| super::classify(e, Operation::DeleteObject, self.endpoint_label(), Some(bucket)));
        match outcome {
            // Refusing the header outright is honest: deletes then check with a HEAD first.
            Err(ref e) if e.detail().contains("NotImplemented") => {
                detail.push("DELETE with a wrong If-Match → not implemented (deletes check with HEAD first)".into());
            }
            other => {
                if let Some(broken) = judge("DELETE with a wrong If-Match", other, &mut detail)? {
                    lacks.push(
                        broken.unwrap_or_else(|| "deletes a file although it changed since it was last seen".into()),
                    );
                }
            }
        }
        // Whatever the answers, the scratch key goes (it may be gone already).
        if let Err(e) = self.client.delete_object().bucket(bucket).key(&key).send().await {
            tracing::debug!(key, "could not remove the probe key: {e}");
        }
        Ok(ConditionProbe {
            lacks,
            detail: detail.join("; "),
        })
    }
}

/// Notes what one conditional request did. `None`: refused as it must be. `Some(None)`: it
/// went through (the store ignored the condition). `Some(Some(phrase))`: it failed otherwise,
/// which also means the condition cannot be relied on. A failure that may pass on its own (the
/// network, a busy server) is returned as an error: a store is never judged on a bad moment.
fn judge(step: &str, outcome: Result<()>, detail: &mut Vec<String>) -> Result<Option<Option<String>>> {
    match outcome {
        Err(e) if e.code() == ErrorCode::PreconditionFailed => {
            detail.push(format!("{step} → refused (412)"));
            Ok(None)
        }
        Ok(()) => {
            detail.push(format!("{step} → accepted"));
            Ok(Some(None))
        }
        Err(e) if e.is_transient() => Err(e),
        Err(e) => {
            detail.push(format!("{step} → {}", e.detail()));
            Ok(Some(Some(format!(
                "does not answer conditional requests as S3 does ({step} failed otherwise)"
            ))))
        }
    }
}

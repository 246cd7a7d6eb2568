//! `GET /v1/status`.

use serde::{Deserialize, Serialize};

/// Says that the agent runs, which version, and what it saw of the caller.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StatusResponse {
    /// Always `"kyso"`, so a page can tell Kyso from another local agent.
    pub agent: String,
    /// The agent's version (semver).
    pub version: String,
    /// The API version, [`crate::API_VERSION`].
    pub api_version: u32,
    /// Whether at least one token is present in a configured PKCS#11 module.
    pub tokens_present: bool,
    /// The caller's `Origin` header as the agent saw it.
    pub origin: Option<String>,
}

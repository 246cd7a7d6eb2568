//! What the browsers are told: which portal origins may reach the agent on loopback without a
//! prompt, and to trust the machine's CA.
//!
//! Chrome and Edge gate requests from public sites to loopback behind Local Network Access.
//! Two policy generations exempt listed origins: `LocalNetworkAccessAllowedForUrls` (read since
//! version 139) and `LoopbackNetworkAllowedForUrls` (since 146, loopback only, and checked
//! first). Both are written, so both old and new browsers let the portals through; a browser
//! ignores a name it does not know. `CACertificates` (since 131) makes Chrome trust the CA even
//! for a user whose certificate database setup could not reach.
//!
//! Firefox reads one `policies.json` shared with other software, so Kyso's entries are merged
//! into it and taken out again on uninstall, leaving the rest as it was.

use serde_json::{Map, Value, json};

/// Chromium-family policy names that take the origin list.
pub const CHROMIUM_ORIGIN_POLICIES: [&str; 2] = ["LocalNetworkAccessAllowedForUrls", "LoopbackNetworkAllowedForUrls"];
/// Chromium-family policy that adds trusted CA certificates (base64 DER).
pub const CHROMIUM_CA_POLICY: &str = "CACertificates";

/// The managed-policy file Kyso puts in a Chromium-family browser's policy directory.
pub fn chromium_policy(origins: &[String], ca_der: &[u8]) -> Value {
    use base64::Engine;
    let mut map = Map::new();
    for name in CHROMIUM_ORIGIN_POLICIES {
        map.insert(name.into(), json!(origins));
    }
    map.insert(CHROMIUM_CA_POLICY.into(), json!([base64::engine::general_purpose::STANDARD.encode(ca_der)]));
    Value::Object(map)
}

/// What [`firefox_add`] changed, for [`firefox_remove`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FirefoxChange {
    /// `ImportEnterpriseRoots` was not on before.
    pub set_enterprise_roots: bool,
}

/// Adds the CA file to `Certificates.Install` and turns `Certificates.ImportEnterpriseRoots`
/// on (the OS store on Windows and macOS) in an existing or empty `policies.json` document.
///
/// # Errors
///
/// The document is not a JSON object of the expected shape; it is then left alone.
pub fn firefox_add(document: &mut Value, ca_path: &str) -> Result<FirefoxChange, String> {
    let certificates = certificates_mut(document)?;
    let set_enterprise_roots = certificates.get("ImportEnterpriseRoots") != Some(&Value::Bool(true));
    certificates.insert("ImportEnterpriseRoots".into(), Value::Bool(true));
    let install = certificates.entry("Install").or_insert_with(|| json!([]));
    let list = install.as_array_mut().ok_or("policies.Certificates.Install is not a list")?;
    if !list.iter().any(|v| v.as_str() == Some(ca_path)) {
        list.push(Value::String(ca_path.into()));
    }
    Ok(FirefoxChange { set_enterprise_roots })
}

/// Undoes [`firefox_add`]: removes the CA file, and `ImportEnterpriseRoots` when Kyso set it;
/// objects left empty are removed. Returns whether the document now holds no policy at all.
pub fn firefox_remove(document: &mut Value, ca_path: &str, change: FirefoxChange) -> bool {
    let Some(policies) = document.get_mut("policies").and_then(Value::as_object_mut) else {
        return document.as_object().is_some_and(Map::is_empty);
    };
    if let Some(certificates) = policies.get_mut("Certificates").and_then(Value::as_object_mut) {
        if let Some(list) = certificates.get_mut("Install").and_then(Value::as_array_mut) {
            list.retain(|v| v.as_str() != Some(ca_path));
            if list.is_empty() {
                certificates.remove("Install");
            }
        }
        if change.set_enterprise_roots {
            certificates.remove("ImportEnterpriseRoots");
        }
        if certificates.is_empty() {
            policies.remove("Certificates");
        }
    }
    let empty = policies.is_empty();
    if empty && let Some(root) = document.as_object_mut() {
        root.remove("policies");
    }
    document.as_object().is_some_and(Map::is_empty)
}

fn certificates_mut(document: &mut Value) -> Result<&mut Map<String, Value>, String> {
    if document.is_null() {
        *document = json!({});
    }
    let root = document.as_object_mut().ok_or("policies.json is not a JSON object")?;
    let policies = root.entry("policies").or_insert_with(|| json!({}));
    let policies = policies.as_object_mut().ok_or("`policies` is not an object")?;
    let certificates = policies.entry("Certificates").or_insert_with(|| json!({}));
    certificates.as_object_mut().ok_or_else(|| "`policies.Certificates` is not an object".to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chromium_policy_lists_origins_under_both_generations() {
        let policy = chromium_policy(&["https://a.example".into()], b"\x30\x03");
        assert_eq!(policy["LocalNetworkAccessAllowedForUrls"], json!(["https://a.example"]));
        assert_eq!(policy["LoopbackNetworkAllowedForUrls"], json!(["https://a.example"]));
        assert_eq!(policy["CACertificates"], json!(["MAM="]));
    }

    #[test]
    fn firefox_edits_leave_other_policies_as_they_were() {
        let original = json!({"policies": {"DisableTelemetry": true, "Certificates": {"Install": ["/other.pem"]}}});
        let mut document = original.clone();
        let change = firefox_add(&mut document, "/etc/kyso/tls/ca.pem").expect("merged");
        assert!(change.set_enterprise_roots);
        assert_eq!(document["policies"]["Certificates"]["Install"], json!(["/other.pem", "/etc/kyso/tls/ca.pem"]));
        assert!(!firefox_add(&mut document.clone(), "/etc/kyso/tls/ca.pem").expect("again").set_enterprise_roots);
        assert!(!firefox_remove(&mut document, "/etc/kyso/tls/ca.pem", change));
        assert_eq!(document, original);
    }

    #[test]
    fn a_file_kyso_made_empties_completely() {
        let mut document = Value::Null;
        let change = firefox_add(&mut document, "/ca.pem").expect("new");
        assert!(firefox_remove(&mut document, "/ca.pem", change));
    }

    #[test]
    fn enterprise_roots_set_by_the_admin_stay() {
        let mut document = json!({"policies": {"Certificates": {"ImportEnterpriseRoots": true}}});
        let change = firefox_add(&mut document, "/ca.pem").expect("merged");
        assert!(!change.set_enterprise_roots);
        firefox_remove(&mut document, "/ca.pem", change);
        assert_eq!(document, json!({"policies": {"Certificates": {"ImportEnterpriseRoots": true}}}));
    }

    #[test]
    fn odd_shapes_are_refused_not_overwritten() {
        assert!(firefox_add(&mut json!([]), "/ca.pem").is_err());
        assert!(firefox_add(&mut json!({"policies": {"Certificates": {"Install": "x"}}}), "/ca.pem").is_err());
    }
}

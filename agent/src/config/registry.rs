//! The machine policy on Windows: values under `HKLM\Software\Policies\Kyso\Agent`, written by
//! the MSI or Group Policy, read into the same schema as the TOML files.
//!
//! Value names are the TOML keys (`port`, `allowed_origins`, `tls.cert`, `pkcs11.modules`,
//! `limits.max_body_bytes`, ...). Lists are REG_MULTI_SZ, or REG_SZ separated by commas or
//! semicolons (what MSI properties carry); numbers are REG_DWORD/REG_QWORD or decimal strings.
//! `defaults.acts` is a list of `origin=act` entries.

/// The registry key (under HKEY_LOCAL_MACHINE).
pub const POLICY_KEY: &str = r"Software\Policies\Kyso\Agent";

/// A registry value, as far as the policy cares.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PolicyValue {
    /// REG_SZ or REG_EXPAND_SZ.
    Text(String),
    /// REG_MULTI_SZ.
    Texts(Vec<String>),
    /// REG_DWORD or REG_QWORD.
    Number(u64),
}

#[derive(Clone, Copy)]
enum Kind {
    Number,
    Bool,
    Text,
    List,
    /// `key=value` entries, one per REG_MULTI_SZ string: a table.
    Pairs,
}

const KNOWN: &[(&str, Kind)] = &[
    ("port", Kind::Number),
    ("allowed_origins", Kind::List),
    ("danger_allow_any_origin", Kind::Bool),
    ("prompt", Kind::Text),
    ("language", Kind::Text),
    ("prompter", Kind::Text),
    ("prompt_timeout_seconds", Kind::Number),
    ("tls.cert", Kind::Text),
    ("tls.key", Kind::Text),
    ("pkcs11.modules", Kind::List),
    ("appearance.font", Kind::Text),
    ("appearance.bold_font", Kind::Text),
    ("outbound.tls_roots", Kind::List),
    ("outbound.timeout_seconds", Kind::Number),
    ("tsa.url", Kind::Text),
    ("trust.anchors", Kind::List),
    ("trust.revocation_timeout_seconds", Kind::Number),
    ("trust.refuse_unknown_revocation", Kind::Bool),
    ("compat.port", Kind::Number),
    ("compat.certificate", Kind::Text),
    ("compat.signature_image", Kind::Text),
    ("compat.seal_image", Kind::Text),
    ("compat.session_cookie", Kind::Text),
    ("limits.max_body_bytes", Kind::Number),
    ("limits.max_connections", Kind::Number),
    ("limits.max_queued_requests", Kind::Number),
    ("audit.dir", Kind::Text),
    ("audit.max_file_bytes", Kind::Number),
    ("audit.keep_files", Kind::Number),
    ("defaults.level", Kind::Text),
    ("defaults.acts", Kind::Pairs),
];

/// Converts policy values to a TOML document of the configuration schema.
///
/// # Errors
///
/// Names the value and what is expected, for unknown names and values of the wrong type.
pub fn to_toml(values: &[(String, PolicyValue)]) -> Result<String, String> {
    let mut root = toml::Table::new();
    for (name, value) in values {
        let lower = name.to_ascii_lowercase();
        let Some((key, kind)) = KNOWN.iter().find(|(k, _)| *k == lower) else {
            let names: Vec<&str> = KNOWN.iter().map(|(k, _)| *k).collect();
            return Err(format!("unknown value `{name}`, expected one of {}", names.join(", ")));
        };
        let converted = convert(*kind, value).map_err(|expected| format!("value `{name}`: expected {expected}"))?;
        let (table, leaf) = match key.split_once('.') {
            Some((section, leaf)) => {
                let entry = root.entry(section).or_insert_with(|| toml::Value::Table(toml::Table::new()));
                match entry {
                    toml::Value::Table(table) => (table, leaf),
                    _ => return Err(format!("value `{name}` conflicts with `{section}`")),
                }
            }
            None => (&mut root, *key),
        };
        table.insert(leaf.to_owned(), converted);
    }
    Ok(root.to_string())
}

fn convert(kind: Kind, value: &PolicyValue) -> Result<toml::Value, &'static str> {
    let number = |text: &str| text.trim().parse::<i64>().ok();
    Ok(match (kind, value) {
        (Kind::Number, PolicyValue::Number(n)) => toml::Value::Integer(i64::try_from(*n).map_err(|_| "a number")?),
        (Kind::Number, PolicyValue::Text(t)) => toml::Value::Integer(number(t).ok_or("a number")?),
        (Kind::Bool, PolicyValue::Number(n)) if *n <= 1 => toml::Value::Boolean(*n == 1),
        (Kind::Bool, PolicyValue::Text(t)) if matches!(t.trim(), "0" | "1") => toml::Value::Boolean(t.trim() == "1"),
        (Kind::Bool, _) => return Err("0 or 1"),
        (Kind::Text, PolicyValue::Text(t)) => toml::Value::String(t.clone()),
        (Kind::List, PolicyValue::Texts(items)) => list(items.iter().map(String::as_str)),
        (Kind::List, PolicyValue::Text(t)) => list(t.split([',', ';'])),
        (Kind::Pairs, PolicyValue::Texts(items)) => pairs(items.iter().map(String::as_str))?,
        (Kind::Pairs, PolicyValue::Text(t)) => pairs(t.split([',', ';']))?,
        (Kind::Pairs, _) => return Err("key=value entries (REG_MULTI_SZ, or REG_SZ separated by commas)"),
        (Kind::Number, _) => return Err("a number (REG_DWORD, REG_QWORD or decimal text)"),
        (Kind::Text, _) => return Err("text (REG_SZ)"),
        (Kind::List, _) => return Err("a list (REG_MULTI_SZ, or REG_SZ separated by commas)"),
    })
}

fn list<'a>(items: impl Iterator<Item = &'a str>) -> toml::Value {
    toml::Value::Array(
        items.map(str::trim).filter(|s| !s.is_empty()).map(|s| toml::Value::String(s.to_owned())).collect(),
    )
}

fn pairs<'a>(items: impl Iterator<Item = &'a str>) -> Result<toml::Value, &'static str> {
    let mut table = toml::Table::new();
    for item in items.map(str::trim).filter(|s| !s.is_empty()) {
        let (key, value) = item.split_once('=').ok_or("key=value entries")?;
        table.insert(key.trim().to_owned(), toml::Value::String(value.trim().to_owned()));
    }
    Ok(toml::Value::Table(table))
}

/// Reads the policy key's values; `None` when the key does not exist.
///
/// # Errors
///
/// A registry failure other than a missing key.
#[cfg(windows)]
pub fn read() -> Result<Option<Vec<(String, PolicyValue)>>, String> {
    use windows_registry::{LOCAL_MACHINE, Type};
    let key = match LOCAL_MACHINE.open(POLICY_KEY) {
        Ok(key) => key,
        // ERROR_FILE_NOT_FOUND: no policy on this machine.
        Err(error) if error.code().0 as u32 == 0x8007_0002 => return Ok(None),
        Err(error) => return Err(format!(r"HKLM\{POLICY_KEY}: {error}")),
    };
    let mut out = Vec::new();
    for (name, value) in key.values().map_err(|e| format!(r"HKLM\{POLICY_KEY}: {e}"))? {
        let converted = match value.ty() {
            Type::U32 => PolicyValue::Number(u64::from(u32::try_from(value).map_err(|e| e.to_string())?)),
            Type::U64 => PolicyValue::Number(u64::try_from(value).map_err(|e| e.to_string())?),
            Type::MultiString => PolicyValue::Texts(Vec::<String>::try_from(value).map_err(|e| e.to_string())?),
            Type::String | Type::ExpandString => PolicyValue::Text(String::try_from(value).map_err(|e| e.to_string())?),
            other => return Err(format!(r"HKLM\{POLICY_KEY}: value `{name}` has unsupported type {other:?}")),
        };
        out.push((name, converted));
    }
    Ok(Some(out))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::ConfigFile;

    fn text(s: &str) -> PolicyValue {
        PolicyValue::Text(s.into())
    }

    #[test]
    fn msi_style_values_become_the_config_schema() {
        let values = vec![
            ("PORT".to_owned(), PolicyValue::Number(8987)),
            ("allowed_origins".to_owned(), text("https://qlvb.ninhbinh.gov.vn, https://dichvucong.ninhbinh.gov.vn;")),
            ("pkcs11.modules".to_owned(), PolicyValue::Texts(vec![r"C:\Windows\System32\eps2003csp11.dll".into()])),
            ("tls.cert".to_owned(), text(r"C:\ProgramData\Kyso\tls\cert.pem")),
            ("danger_allow_any_origin".to_owned(), PolicyValue::Number(0)),
            ("limits.max_connections".to_owned(), text("32")),
            ("defaults.acts".to_owned(), PolicyValue::Texts(vec!["https://qlvb.ninhbinh.gov.vn = approve".into()])),
        ];
        let toml = to_toml(&values).expect("converts");
        let file: ConfigFile = toml::from_str(&toml).expect("parses as config");
        assert_eq!(file.port.map(|p| *p.get_ref()), Some(8987));
        let origins: Vec<String> = file.allowed_origins.expect("origins").into_iter().map(|o| o.into_inner()).collect();
        assert_eq!(origins, ["https://qlvb.ninhbinh.gov.vn", "https://dichvucong.ninhbinh.gov.vn"]);
        assert_eq!(file.pkcs11.modules.map(|m| m.len()), Some(1));
        assert_eq!(file.danger_allow_any_origin.map(|d| *d.get_ref()), Some(false));
        assert_eq!(file.limits.max_connections.map(|c| *c.get_ref()), Some(32));
        let acts = file.defaults.acts.expect("acts");
        assert_eq!(acts.get("https://qlvb.ninhbinh.gov.vn").map(|a| a.get_ref().as_str()), Some("approve"));
    }

    /// The Group Policy template writes only value names the agent reads, of the right type.
    #[test]
    fn group_policy_template_names_known_values() {
        let admx = include_str!("../../../installer/windows/policy/kyso.admx");
        let mut found = 0;
        for (element, value) in [("<multiText ", text("https://a.example")), ("<decimal ", PolicyValue::Number(8987))] {
            for chunk in admx.split(element).skip(1) {
                let name =
                    chunk.split("valueName=\"").nth(1).and_then(|rest| rest.split('"').next()).expect("valueName");
                let toml = to_toml(&[(name.to_owned(), value.clone())]).unwrap_or_else(|e| panic!("{name}: {e}"));
                toml::from_str::<ConfigFile>(&toml).unwrap_or_else(|e| panic!("{name}: {e}"));
                found += 1;
            }
        }
        assert_eq!(found, 3, "allowed_origins, pkcs11.modules, port");
        assert!(admx.contains(&format!(r#"key="{POLICY_KEY}""#)));
    }

    #[test]
    fn unknown_names_and_wrong_types_are_errors() {
        assert!(
            to_toml(&[("allowed_orgins".into(), text("x"))])
                .expect_err("unknown")
                .contains("unknown value `allowed_orgins`")
        );
        assert!(to_toml(&[("port".into(), text("eighty"))]).expect_err("type").contains("expected a number"));
        assert!(
            to_toml(&[("danger_allow_any_origin".into(), PolicyValue::Number(2))])
                .expect_err("bool")
                .contains("0 or 1")
        );
        assert!(to_toml(&[("tls.key".into(), PolicyValue::Number(1))]).expect_err("text").contains("REG_SZ"));
    }
}

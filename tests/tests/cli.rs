//! The command line: `sign --detached`, `certificates`, configuration errors.

use std::process::{Command, Stdio};

use kyso_tests::agent::{configured, dev_cert, kyso_command as agent_command};
use kyso_tests::pki::{PIN, Pki};
use kyso_tests::{binary, temp_dir, verify};

fn run_with_stdin(mut command: Command, stdin: &str) -> std::process::Output {
    use std::io::Write;
    let mut child = command.stdin(Stdio::piped()).stdout(Stdio::piped()).stderr(Stdio::piped()).spawn().expect("spawn");
    child.stdin.take().expect("stdin").write_all(stdin.as_bytes()).expect("write stdin");
    child.wait_with_output().expect("wait")
}

#[test]
fn sign_detached_with_pin_on_stdin() {
    let pki = Pki::shared();
    let (dir, config) = configured(pki, "");
    let input = dir.path().join("quyết định.txt");
    std::fs::write(&input, "Quyết định số 123/QĐ-UBND".repeat(1000)).expect("input");
    let output = dir.path().join("quyết định.txt.p7s");
    for algorithm in ["rsa-pss", "rsa-pkcs1"] {
        let mut command = agent_command(pki, &config);
        command
            .args(["sign", "--detached", "--pin-stdin", "--algorithm", algorithm, "--cert"])
            .arg(pki.thumbprint("org-rsa"));
        command.arg(&input).arg("-o").arg(&output);
        let result = run_with_stdin(command, &format!("{PIN}\n"));
        assert!(result.status.success(), "{}", String::from_utf8_lossy(&result.stderr));
        verify::openssl_cms(&output, &input, &pki.path("chain.pem")).expect("openssl");
        verify::pyhanko_detached(&output, &input, &pki.path("root.pem")).expect("pyhanko");
    }
}

#[test]
fn sign_with_wrong_pin_fails_and_writes_nothing() {
    let pki = Pki::shared();
    let (dir, config) = configured(pki, "");
    let input = dir.path().join("a.txt");
    std::fs::write(&input, "a").expect("input");
    let output = dir.path().join("a.p7s");
    let mut command = agent_command(pki, &config);
    command
        .args(["sign", "--detached", "--pin-stdin", "--cert"])
        .arg(pki.thumbprint("person-ec"))
        .arg(&input)
        .arg("-o")
        .arg(&output);
    let result = run_with_stdin(command, "000000\n");
    assert!(!result.status.success());
    let stderr = String::from_utf8_lossy(&result.stderr);
    assert!(stderr.contains("pin_incorrect") && stderr.contains("Mã PIN không đúng"), "{stderr}");
    assert!(!output.exists(), "a failed signature left a file");
}

#[test]
fn certificates_json_uses_kyso_config() {
    let pki = Pki::shared();
    let (_dir, config) = configured(pki, "");
    let result = Command::new(binary("kyso-agent"))
        .args(["certificates", "--json"])
        .env("KYSO_CONFIG", &config)
        .env("KYSO_POLICY", "")
        .env("SOFTHSM2_CONF", pki.softhsm_conf())
        .output()
        .expect("run");
    assert!(result.status.success(), "{:?}: {}", result.status, String::from_utf8_lossy(&result.stderr));
    let list: serde_json::Value = serde_json::from_slice(&result.stdout).expect("json");
    assert_eq!(list["certificates"].as_array().map(Vec::len), Some(7));
}

#[test]
fn invalid_settings_stop_the_agent_with_file_and_line() {
    let pki = Pki::shared();
    let dir = temp_dir("kyso-cli-");
    let cases = [
        ("port = 0\nallowed_orgins = []\n", "agent.toml:2: unknown field `allowed_orgins`"),
        ("allowed_origins = [\"http://portal.test\"]\n", "agent.toml:1: allowed_origins"),
        ("danger_allow_any_origin = \"yes\"\n", "agent.toml:1:"),
    ];
    for (text, expected) in cases {
        let config = dir.path().join("agent.toml");
        std::fs::write(
            &config,
            format!("{text}[tls]\ncert = \"{0}/cert.pem\"\nkey = \"{0}/key.pem\"\n", dev_cert().display()),
        )
        .expect("config");
        let result = agent_command(pki, &config).arg("serve").stdin(Stdio::null()).output().expect("run");
        assert!(!result.status.success(), "started with {text:?}");
        let stderr = String::from_utf8_lossy(&result.stderr);
        assert!(stderr.contains(expected), "{text:?}: {stderr}");
    }
    let missing = agent_command(pki, &dir.path().join("absent.toml")).arg("serve").output().expect("run");
    assert!(!missing.status.success());
    assert!(String::from_utf8_lossy(&missing.stderr).contains("absent.toml: cannot read"));
}

#[test]
fn machine_policy_overrides_the_users_origins() {
    let pki = Pki::shared();
    let (dir, config) = configured(pki, "danger_allow_any_origin = true");
    let policy = dir.path().join("policy.toml");
    std::fs::write(&policy, "allowed_origins = [\"https://qlvb.ninhbinh.gov.vn\"]\nport = 0\n").expect("policy");
    let mut child = agent_command(pki, &config)
        .env("KYSO_POLICY", &policy)
        .env("KYSO_LOG", "info")
        .arg("serve")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn");
    std::thread::sleep(std::time::Duration::from_millis(1500));
    let _ = Command::new("kill").arg("-TERM").arg(child.id().to_string()).status();
    let _ = child.kill();
    let output = child.wait_with_output().expect("wait");
    let log = String::from_utf8_lossy(&output.stderr);
    assert!(log.contains("set by the machine policy"), "{log}");
    assert!(log.contains("https://qlvb.ninhbinh.gov.vn") && !log.contains("DANGER"), "{log}");
}

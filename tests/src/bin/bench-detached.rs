//! Benchmark: one detached CMS signature with an RSA-2048 key on a SoftHSM2 token, through Kyso
//! and through peers doing the same job with the same key, measured in the same run.
//!
//! Peers: Kyso over HTTPS (a new TLS connection per request, and one kept alive as browsers do),
//! `kyso-agent sign --detached --pin-stdin` (a process per signature), and `openssl cms -sign`
//! with the OpenSSL PKCS#11 engine (a process per signature). Every Kyso request includes the
//! real consent flow: the scripted pinentry process is started and answered each time. pyHanko
//! (`pyhanko sign addsig --detach pkcs11`, a process per signature) is measured too when its
//! PKCS#11 extra is installed.
//! Prints median, p90 and min per peer and the ratio of each peer's median to Kyso's (HTTPS,
//! kept alive). Run through `bench/detached.sh`, which builds release binaries first.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use base64::Engine;
use kyso_tests::agent::{Agent, config_text};
use kyso_tests::bench::{Measured, report, time};
use kyso_tests::pki::{PIN, Pki};
use serde_json::json;

const ENGINE_CONF: &str = "openssl_conf = init\n[init]\nengines = engines\n[engines]\npkcs11 = pkcs11\n\
                           [pkcs11]\nengine_id = pkcs11\nMODULE_PATH = {MODULE}\ninit = 0\n";

fn main() {
    let mut iterations = 20usize;
    let mut json_output = false;
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--iterations" => iterations = args.next().and_then(|n| n.parse().ok()).expect("--iterations N"),
            "--json" => json_output = true,
            other => panic!("unknown argument {other}; usage: bench-detached [--iterations N] [--json]"),
        }
    }
    let warmup = 3;
    let pki = Pki::fresh();
    let work = kyso_tests::temp_dir("kyso-bench-");
    let content = work.path().join("content.txt");
    std::fs::write(&content, "Quyết định số 123/QĐ-UBND về việc phê duyệt kế hoạch năm 2027\n".repeat(50))
        .expect("content");
    let runtime = tokio::runtime::Runtime::new().expect("runtime");
    let mut results = Vec::new();

    for algorithm in ["rsa-pkcs1", "rsa-pss"] {
        let agent = Agent::start(&pki);
        let pin = format!("pin {PIN}");
        agent.answers(&vec![pin.as_str(); 2 * (iterations + warmup) + 2]);
        let body = json!({
            "content_base64": base64::engine::general_purpose::STANDARD.encode(std::fs::read(&content).expect("read")),
            "certificate": pki.thumbprint("org-rsa"),
            "signature_algorithm": algorithm,
        });
        let client = agent.client();
        let check = |reply: &kyso_tests::client::Reply, what: &str| {
            assert_eq!(reply.status, 200, "{what}: {}", String::from_utf8_lossy(&reply.body));
        };
        // Verified once by OpenSSL, so we never compare against a broken signature.
        let reply = runtime.block_on(client.post_json("/v1/sign/detached", &body));
        check(&reply, "first signature");
        let p7s = work.path().join(format!("kyso-{algorithm}.p7s"));
        let der = base64::engine::general_purpose::STANDARD
            .decode(reply.json()["signature_base64"].as_str().expect("signature"))
            .expect("base64");
        std::fs::write(&p7s, der).expect("write");
        kyso_tests::verify::openssl_cms(&p7s, &content, &pki.path("chain.pem")).expect("Kyso's signature verifies");

        let mut connection = runtime.block_on(client.keep_alive());
        let samples = time(iterations, warmup, || {
            check(&runtime.block_on(connection.post_json("/v1/sign/detached", &body)), "keep-alive");
        });
        results.push(Measured { name: format!("kyso https keep-alive ({algorithm})"), samples, peak_rss_kib: None });
        let samples = time(iterations, warmup, || {
            check(&runtime.block_on(client.post_json("/v1/sign/detached", &body)), "new connection");
        });
        results.push(Measured {
            name: format!("kyso https new connection ({algorithm})"),
            samples,
            peak_rss_kib: None,
        });
    }

    let config = work.path().join("agent.toml");
    std::fs::write(&config, config_text(&pki, "")).expect("config");
    for algorithm in ["rsa-pkcs1", "rsa-pss"] {
        let output = work.path().join(format!("cli-{algorithm}.p7s"));
        let sign = || kyso_cli(&pki, &config, algorithm, &content, &output);
        sign();
        kyso_tests::verify::openssl_cms(&output, &content, &pki.path("chain.pem")).expect("CLI signature verifies");
        let samples = time(iterations, warmup, sign);
        results.push(Measured { name: format!("kyso-agent sign CLI ({algorithm})"), samples, peak_rss_kib: None });
    }

    let engine_conf = work.path().join("openssl-engine.cnf");
    std::fs::write(&engine_conf, ENGINE_CONF.replace("{MODULE}", pki.module())).expect("engine conf");
    let mut skipped = Vec::new();
    for (algorithm, extra) in [("rsa-pkcs1", None), ("rsa-pss", Some("rsa_padding_mode:pss"))] {
        let output = work.path().join(format!("openssl-{algorithm}.p7s"));
        let sign = || openssl_engine(&pki, &engine_conf, extra, &content, &output);
        if !sign() || kyso_tests::verify::openssl_cms(&output, &content, &pki.path("chain.pem")).is_err() {
            skipped.push(format!("openssl cms -sign with the pkcs11 engine ({algorithm}): engine missing or failed"));
            continue;
        }
        let samples = time(iterations, warmup, || assert!(sign(), "openssl failed"));
        results.push(Measured {
            name: format!("openssl cms -sign, pkcs11 engine ({algorithm})"),
            samples,
            peak_rss_kib: None,
        });
    }
    let output = work.path().join("pyhanko.p7s");
    let sign = || pyhanko(&pki, &content, &output);
    if sign() && kyso_tests::verify::openssl_cms(&output, &content, &pki.path("chain.pem")).is_ok() {
        let samples = time(iterations.min(10), 1, || assert!(sign(), "pyhanko failed"));
        results.push(Measured {
            name: "pyhanko sign addsig --detach pkcs11 (rsa-pkcs1)".into(),
            samples,
            peak_rss_kib: None,
        });
    } else {
        skipped.push("pyhanko sign addsig --detach pkcs11: pyhanko or python-pkcs11 missing or failed".into());
    }
    let title = format!(
        "one detached CMS signature, RSA-2048 on SoftHSM2, {iterations} runs each after {warmup} warm-up (pyHanko: 10 after 1)"
    );
    report(&title, &results, &skipped, json_output);
}

fn kyso_cli(pki: &Pki, config: &Path, algorithm: &str, content: &Path, output: &Path) {
    use std::io::Write;
    let mut child = Command::new(kyso_tests::binary("kyso-agent"))
        .arg("--config")
        .arg(config)
        .args(["sign", "--detached", "--pin-stdin", "--algorithm", algorithm, "--cert"])
        .arg(pki.thumbprint("org-rsa"))
        .arg(content)
        .arg("-o")
        .arg(output)
        .env("SOFTHSM2_CONF", pki.softhsm_conf())
        .env("KYSO_POLICY", "")
        .env("KYSO_LOG", "warn")
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("spawn kyso-agent sign");
    child.stdin.take().expect("stdin").write_all(format!("{PIN}\n").as_bytes()).expect("pin");
    assert!(child.wait().expect("wait").success(), "kyso-agent sign failed");
}

fn openssl_engine(pki: &Pki, conf: &Path, keyopt: Option<&str>, content: &Path, output: &PathBuf) -> bool {
    let mut command = Command::new("openssl");
    command
        .args([
            "cms", "-sign", "-binary", "-outform", "DER", "-md", "sha256", "-engine", "pkcs11", "-keyform", "engine",
        ])
        .arg("-inkey")
        .arg(format!("pkcs11:token=kyso-test;object=org-rsa;type=private;pin-value={PIN}"))
        .arg("-signer")
        .arg(pki.path("org-rsa.pem"));
    if let Some(option) = keyopt {
        command.args(["-keyopt", option]);
    }
    command
        .arg("-in")
        .arg(content)
        .arg("-out")
        .arg(output)
        .env("OPENSSL_CONF", conf)
        .env("SOFTHSM2_CONF", pki.softhsm_conf())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
}

fn pyhanko(pki: &Pki, content: &Path, output: &Path) -> bool {
    use std::io::Write;
    let child = Command::new("pyhanko")
        .args(["sign", "addsig", "--detach", "pkcs11", "--lib", pki.module(), "--token-label", "kyso-test"])
        .args(["--cert-label", "org-rsa", "--key-label", "org-rsa"])
        .arg(content)
        .arg(output)
        .env("SOFTHSM2_CONF", pki.softhsm_conf())
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn();
    let Ok(mut child) = child else { return false };
    if let Some(mut stdin) = child.stdin.take() {
        let _ = stdin.write_all(format!("{PIN}\n").as_bytes());
    }
    child.wait().is_ok_and(|s| s.success())
}

//! `kyso-agent change-pin` on a SoftHSM token of its own: C_SetPIN with the current PIN,
//! through the prompter (current, new, new again) or standard input; refusals leave the PIN as
//! it was; the date is recorded, and a PIN older than six months is recalled in the consent
//! window.

use std::io::Write;
use std::path::Path;
use std::process::{Output, Stdio};

use kyso_tests::agent::{Agent, config_text, configured, kyso_command};
use kyso_tests::pdfs;
use kyso_tests::pki::{PIN, Pki};
use serde_json::Value;

const NEW_PIN: &str = "24681357";

fn change_with_stdin(pki: &Pki, config: &Path, input: &str) -> Output {
    let mut child = kyso_command(pki, config)
        .args(["change-pin", "--pin-stdin"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("kyso-agent change-pin");
    child.stdin.take().expect("stdin").write_all(input.as_bytes()).expect("pins");
    child.wait_with_output().expect("wait")
}

/// Signs a small PDF with `pin` from standard input; says whether it worked.
fn signs_with(pki: &Pki, config: &Path, pin: &str) -> bool {
    let dir = config.parent().expect("dir");
    let input = dir.join("letter.pdf");
    if !input.exists() {
        pdfs::write_simple(&input, 1, "");
    }
    let mut child = kyso_command(pki, config)
        .args(["sign", "--pin-stdin", "--cert", &pki.thumbprint("person-rsa"), "--act", "plain"])
        .arg(&input)
        .arg("-o")
        .arg(dir.join("signed.pdf"))
        .stdin(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("kyso-agent sign");
    child.stdin.take().expect("stdin").write_all(format!("{pin}\n").as_bytes()).expect("pin");
    child.wait_with_output().expect("wait").status.success()
}

fn text(out: &Output) -> String {
    format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr))
}

#[test]
fn the_pin_changes_through_the_prompter_and_refusals_change_nothing() {
    let pki = Pki::fresh();
    let (dir, config) = configured(&pki, "");
    let pinentry = dir.path().join("pinentry");
    std::fs::create_dir(&pinentry).expect("pinentry dir");

    // Refusals first; each leaves the PIN as it was.
    let wrong = change_with_stdin(&pki, &config, &format!("000000\n{NEW_PIN}\n"));
    assert!(!wrong.status.success() && text(&wrong).contains("The current PIN is wrong"), "{}", text(&wrong));
    let short = change_with_stdin(&pki, &config, &format!("{PIN}\n12\n"));
    assert!(
        !short.status.success() && text(&short).contains("The token refused the new PIN: it takes 4 to"),
        "{}",
        text(&short)
    );
    let same = change_with_stdin(&pki, &config, &format!("{PIN}\n{PIN}\n"));
    assert!(!same.status.success() && text(&same).contains("the same as the current one"), "{}", text(&same));
    std::fs::write(pinentry.join("answers"), format!("pin {PIN}\npin {NEW_PIN}\npin 99999999\n")).expect("answers");
    let mismatch =
        kyso_command(&pki, &config).arg("change-pin").env("KYSO_TEST_PINENTRY_DIR", &pinentry).output().expect("run");
    assert!(!mismatch.status.success() && text(&mismatch).contains("differ"), "{}", text(&mismatch));
    assert!(signs_with(&pki, &config, PIN), "the PIN is unchanged after every refusal");

    // Through the prompter: current, new, and new again (this pinentry cannot check a repeat).
    std::fs::write(pinentry.join("log"), "").expect("clear log");
    std::fs::write(pinentry.join("answers"), format!("pin {PIN}\npin {NEW_PIN}\npin {NEW_PIN}\n")).expect("answers");
    let changed =
        kyso_command(&pki, &config).arg("change-pin").env("KYSO_TEST_PINENTRY_DIR", &pinentry).output().expect("run");
    assert!(changed.status.success(), "{}", text(&changed));
    assert!(text(&changed).contains("was changed"), "{}", text(&changed));
    let log = std::fs::read_to_string(pinentry.join("log")).expect("log");
    let dialogs: Vec<&str> = log.lines().filter(|l| l.starts_with("GETPIN")).collect();
    assert_eq!(dialogs.len(), 3, "{log}");
    assert!(dialogs[0].contains("Enter the current PIN") && dialogs[0].contains("Token:"), "{}", dialogs[0]);
    assert!(dialogs[1].contains("Enter the new PIN") && dialogs[2].contains("again"), "{log}");
    assert!(!log.contains(NEW_PIN) && !log.contains(PIN), "no PIN in what the dialogs show");

    assert!(!signs_with(&pki, &config, PIN), "the old PIN no longer works");
    assert!(signs_with(&pki, &config, NEW_PIN), "the new one does");

    // The date is recorded for the reminder, and nothing secret with it.
    let record = std::fs::read_to_string(dir.path().join("data/kyso/pin-changes.json")).expect("record");
    let today = time::OffsetDateTime::now_utc().date().to_string();
    assert!(record.contains(&format!("\"changed\": \"{today}\"")), "{record}");
    assert!(!record.contains(NEW_PIN) && !record.contains(PIN), "{record}");

    // Back to the PIN the PKI's other users expect, from standard input.
    let back = change_with_stdin(&pki, &config, &format!("{NEW_PIN}\n{PIN}\n"));
    assert!(back.status.success(), "{}", text(&back));
}

#[tokio::test]
async fn a_pin_older_than_six_months_is_recalled_in_the_consent_window() {
    let pki = Pki::shared();
    let listing = kyso_command(pki, &configured(pki, "").1).args(["certificates", "--json"]).output().expect("list");
    let listing: Value = serde_json::from_slice(&listing.stdout).expect("json");
    let token = &listing["certificates"][0]["token"];
    let (serial, label) = (token["serial"].as_str().expect("serial"), token["label"].as_str().expect("label"));
    let agent = Agent::start_with_config(pki, &config_text(pki, ""));
    let long_ago = time::OffsetDateTime::now_utc().date() - time::Duration::days(200);
    let record = serde_json::json!({"tokens": {serial: {"label": label, "first_seen": long_ago.to_string(), "changed": long_ago.to_string()}}});
    let data = agent.path("data/kyso");
    std::fs::create_dir_all(&data).expect("data dir");
    std::fs::write(data.join("pin-changes.json"), record.to_string()).expect("record");

    agent.answers(&[&format!("pin {PIN}")]);
    let body = serde_json::json!({
        "content_base64": "VGjhu50gdHLDrG5o",
        "certificate": pki.thumbprint("person-rsa"),
        "document_name": "to-trinh.txt",
    });
    let reply = agent.client().post_json("/v1/sign/detached", &body).await;
    assert_eq!(reply.status, 200, "{}", String::from_utf8_lossy(&reply.body));
    let prompt = agent.prompts().pop().expect("a prompt");
    assert!(prompt.contains("over 6 months old") && prompt.contains(&long_ago.to_string()), "{prompt}");
    assert!(prompt.contains("kyso-agent change-pin"), "{prompt}");
}

//! The `qiscus-emulator` binary: first line, serving, SIGTERM exit 0.

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};

#[test]
fn binary_prints_listening_line_and_exits_on_sigterm() {
    let mut child = Command::new(env!("CARGO_BIN_EXE_qiscus-emulator"))
        .args(["--addr", "127.0.0.1:0", "--secret", "s3cret", "--seed", "3"])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("spawn");
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    let base = line
        .trim_end()
        .strip_prefix("listening on ")
        .unwrap_or_else(|| panic!("unexpected first line {line:?}"))
        .to_string();
    assert!(base.starts_with("http://127.0.0.1:"));
    assert!(!base.ends_with(":0"));

    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let status = rt.block_on(async {
        reqwest::Client::new()
            .post(format!("{base}/api/v2/rest/login_or_register"))
            .header("QISCUS-SDK-SECRET", "s3cret")
            .json(&serde_json::json!({"email": "a@x.com", "username": "Ani"}))
            .send()
            .await
            .unwrap()
            .status()
            .as_u16()
    });
    assert_eq!(status, 200);

    let killed = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(killed.success());
    let exit = child.wait().unwrap();
    assert!(exit.success(), "exit status {exit:?}");
}

#[test]
fn binary_rejects_a_bad_fault_spec() {
    let out = Command::new(env!("CARGO_BIN_EXE_qiscus-emulator"))
        .args(["--faults", "500=0.1,bogus=1"])
        .output()
        .expect("run");
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("bogus"), "{err}");
}

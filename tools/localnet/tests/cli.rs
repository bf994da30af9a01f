//! Bad input to `localnet`: one clear line, a non-zero exit, nothing of the user's touched.

use std::process::Command;

fn localnet(args: &[&str]) -> (bool, String) {
    let output = Command::new(env!("CARGO_BIN_EXE_localnet")).args(args).output().expect("localnet runs");
    (output.status.success(), String::from_utf8_lossy(&output.stderr).trim().to_string())
}

#[test]
fn a_busy_rpc_port_is_named() {
    let busy = std::net::TcpListener::bind("127.0.0.1:0").expect("a port");
    let port = busy.local_addr().expect("address").port().to_string();
    let (ok, stderr) = localnet(&["--rpc-port", &port]);
    assert!(!ok);
    assert_eq!(stderr.lines().last(), Some("error: the validator did not start: Address already in use (os error 98)"));
}

#[test]
fn a_directory_that_is_not_a_ledger_is_never_wiped() {
    let dir = tempfile::tempdir().expect("temp dir");
    std::fs::write(dir.path().join("thesis.tex"), "years of work").expect("written");
    let (ok, stderr) = localnet(&["--ledger", dir.path().to_str().expect("utf-8 path")]);
    assert!(!ok);
    assert!(stderr.ends_with("exists and is not a ledger; refusing to wipe it"), "{stderr}");
    assert_eq!(std::fs::read_to_string(dir.path().join("thesis.tex")).expect("still there"), "years of work");
}

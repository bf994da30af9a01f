//! Signer URIs through the binary, offline: `--sign-only` needs no cluster, so each signer kind
//! shows which key it produced in the Solana CLI's `PUBKEY=SIGNATURE` block. Exit codes too.

use std::io::Write;
use std::path::Path;
use std::process::{Command, Output, Stdio};

use solana_keypair::Keypair;
use solana_signer::Signer;

/// BIP39's all-zero test phrase: a key nobody should ever fund.
const PHRASE: &str = "abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon about";
const BLOCKHASH: &str = "4uQeVj5tqViQh7yWWGStvkEG1Zmhx6uasJtWCJziofM";

fn bin() -> &'static str {
    env!("CARGO_BIN_EXE_covenant-keeper")
}

/// A treasury named by public keys only: nothing here can reach a cluster.
fn config_dir() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let operator = Keypair::new().pubkey();
    let text = format!("[cluster]\nurl = \"http://127.0.0.1:1\"\n[treasury]\noperator = \"{operator}\"\nid = 1\n");
    std::fs::write(dir.path().join("keeper.toml"), text).unwrap();
    dir
}

fn offline_pause(authority: &str) -> Vec<String> {
    ["--output", "json-compact", "--sign-only", "--blockhash", BLOCKHASH, "pause", "--authority", authority]
        .map(String::from)
        .to_vec()
}

fn run_with_stdin(dir: &Path, args: &[String], stdin: &[u8]) -> Output {
    let mut child = Command::new(bin())
        .current_dir(dir)
        .env("RUST_LOG", "error")
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("binary runs");
    child.stdin.take().expect("stdin").write_all(stdin).expect("stdin written");
    child.wait_with_output().expect("binary exits")
}

/// The signed block's one signer: its public key and its signature.
fn signed_by(stdout: &str) -> (String, String) {
    let start = stdout.find('{').unwrap_or_else(|| panic!("no JSON in {stdout:?}"));
    let json: serde_json::Value = serde_json::from_str(stdout[start..].trim()).expect("JSON");
    assert_eq!(json["blockhash"], BLOCKHASH);
    assert_eq!(json["absent"], serde_json::json!([]), "the authority pays and signs");
    let pair = json["signers"][0].as_str().expect("a signer").to_string();
    let (pubkey, signature) = pair.split_once('=').expect("PUBKEY=SIGNATURE");
    (pubkey.to_string(), signature.to_string())
}

#[test]
fn a_keypair_file_and_stdin_sign_offline() {
    let dir = config_dir();
    let key = Keypair::new();
    covenant_keeper::setup::write_keypair(&key, &dir.path().join("guardian.json")).unwrap();
    let by_file = run_with_stdin(dir.path(), &offline_pause("guardian.json"), b"");
    assert!(by_file.status.success(), "{}", String::from_utf8_lossy(&by_file.stderr));
    let (pubkey, file_signature) = signed_by(&String::from_utf8_lossy(&by_file.stdout));
    assert_eq!(pubkey, key.pubkey().to_string());

    let json = serde_json::to_string(&key.to_bytes().to_vec()).unwrap();
    let by_stdin = run_with_stdin(dir.path(), &offline_pause("stdin:"), json.as_bytes());
    assert!(by_stdin.status.success(), "{}", String::from_utf8_lossy(&by_stdin.stderr));
    let (pubkey, stdin_signature) = signed_by(&String::from_utf8_lossy(&by_stdin.stdout));
    assert_eq!(pubkey, key.pubkey().to_string());
    assert_eq!(stdin_signature, file_signature, "same key, same message, same signature (ed25519 is deterministic)");
}

#[test]
fn a_seed_phrase_typed_at_the_prompt_signs_offline() {
    // prompt:// reads the terminal, not stdin: `script` gives the binary a terminal fed from our stdin.
    let dir = config_dir();
    let command = std::iter::once(bin().to_string()).chain(offline_pause("prompt://")).collect::<Vec<_>>().join(" ");
    let args = ["-qec".to_string(), command, "/dev/null".to_string()];
    let mut child = Command::new("script")
        .current_dir(dir.path())
        .env("RUST_LOG", "error")
        .args(&args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("`script` (util-linux) runs");
    // The phrase, then ENTER for no passphrase.
    child.stdin.take().expect("stdin").write_all(format!("{PHRASE}\n\n").as_bytes()).expect("typed");
    let output = child.wait_with_output().expect("exits");
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(output.status.success(), "{stdout} {}", String::from_utf8_lossy(&output.stderr));
    assert!(stdout.contains("[guardian] seed phrase:"), "the prompt names the key it asks for: {stdout}");
    let seed = solana_seed_phrase::generate_seed_from_seed_phrase_and_passphrase(PHRASE, "");
    let expected = solana_keypair::seed_derivable::keypair_from_seed_and_derivation_path(&seed, None).unwrap();
    assert_eq!(signed_by(&stdout).0, expected.pubkey().to_string(), "m/44'/501' of the phrase");
}

#[test]
fn exit_codes_say_whether_the_command_line_or_the_command_failed() {
    let dir = config_dir();
    let run =
        |args: &[&str]| run_with_stdin(dir.path(), &args.iter().map(|arg| arg.to_string()).collect::<Vec<_>>(), b"");
    // 2: the command line is wrong, said in one line.
    for args in [
        &["pause", "--colour"][..],
        &["donate", "--from", "a.json"],
        &["donate", "--from", "a.json", "--amount", "1", "--lamports", "5"],
    ] {
        let output = run(args);
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(output.status.code(), Some(2), "{args:?}: {stderr}");
        assert_eq!(stderr.trim().lines().count(), 1, "{args:?}: one line: {stderr}");
        assert!(stderr.starts_with("error: ") && stderr.contains("--help"), "{stderr}");
    }
    let missing = run(&["donate", "--from", "a.json"]);
    assert!(String::from_utf8_lossy(&missing.stderr).contains("--amount"), "names what is missing");
    // --sign-only without a blockhash is a command-line error too.
    assert_eq!(run(&["--sign-only", "pause", "--authority", "x.json"]).status.code(), Some(2));
    // 1: the command ran and failed (here: no such key file).
    let failed = run(&["--sign-only", "--blockhash", BLOCKHASH, "pause", "--authority", "missing.json"]);
    let stderr = String::from_utf8_lossy(&failed.stderr);
    assert_eq!(failed.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.starts_with("error: guardian signer missing.json:") && stderr.trim().lines().count() == 1,
        "{stderr}"
    );
    // 0: help is not an error.
    assert_eq!(run(&["--help"]).status.code(), Some(0));
}

//! Bad inputs to the binary: one clear line on stderr, a non-zero exit, nothing sent.

use std::path::Path;
use std::process::Command;

use solana_keypair::Keypair;

/// Runs the binary in `dir`, with `home` as $HOME when given (where the Solana CLI config lives).
fn keeper_in(dir: &Path, home: Option<&Path>, args: &[&str]) -> (bool, String) {
    let mut command = Command::new(env!("CARGO_BIN_EXE_covenant-keeper"));
    command.current_dir(dir).env("RUST_LOG", "error").env_remove("COVENANT_CONFIG").env_remove("COVENANT_RPC_URL");
    if let Some(home) = home {
        // Another $HOME, the same ONNX Runtime and OCR models (found from the real $HOME).
        command.env("ORT_DYLIB_PATH", covenant_keeper::setup::default_ort_library());
        command.env("COVENANT_OCR_DIR", covenant_keeper::proofs::default_models_dir());
        command.env("HOME", home);
    }
    let output = command.args(args).output().expect("binary runs");
    (output.status.success(), String::from_utf8_lossy(&output.stderr).trim().to_string())
}

#[track_caller]
fn fails_in(dir: &Path, home: Option<&Path>, args: &[&str], needle: &str) {
    let (ok, stderr) = keeper_in(dir, home, args);
    assert!(!ok, "{args:?} should fail");
    assert_eq!(stderr.lines().count(), 1, "one line: {stderr}");
    assert!(stderr.starts_with("error: ") && stderr.contains(needle), "{args:?}: {needle:?} not in {stderr}");
}

#[track_caller]
fn fails_with(dir: &Path, args: &[&str], needle: &str) {
    fails_in(dir, None, args, needle);
}

fn write_config(dir: &Path, url: &str) {
    let config = format!(
        "[cluster]\nurl = \"{url}\"\ntimeout_seconds = 2\n[keys]\nkeeper = \"keeper.json\"\n[treasury]\noperator = \"{}\"\nid = 1\n",
        solana_signer::Signer::pubkey(&Keypair::new())
    );
    std::fs::write(dir.join("keeper.toml"), config).unwrap();
}

#[test]
fn a_missing_or_malformed_config_is_named() {
    let dir = tempfile::tempdir().unwrap();
    fails_with(dir.path(), &["status"], "config file keeper.toml: No such file");
    std::fs::write(dir.path().join("keeper.toml"), "[keys\nkeeper = 1").unwrap();
    fails_with(dir.path(), &["status"], "config file keeper.toml");
    std::fs::write(dir.path().join("keeper.toml"), "[keys]\nkeeper = \"k.json\"\n[treasury]\nid = 1\nsurprise = 2\n")
        .unwrap();
    fails_with(dir.path(), &["status"], "unknown field `surprise`");
    let bad_policy = "[keys]\nkeeper = \"k.json\"\n[treasury]\nid = 1\n[[policy]]\nasset = \"SOL\"\nper_tx_max = 5\nperiod_seconds = 60\nperiod_cap = 1\n";
    std::fs::write(dir.path().join("keeper.toml"), bad_policy).unwrap();
    fails_with(dir.path(), &["status"], "policy[0] (SOL)");
}

#[test]
fn a_keypair_file_not_in_solana_cli_format_is_named() {
    let dir = tempfile::tempdir().unwrap();
    write_config(dir.path(), "http://127.0.0.1:1");
    // Only the loop reads the keeper's key.
    fails_with(dir.path(), &["run", "--once"], "keypair file");
    std::fs::write(dir.path().join("keeper.json"), "{\"secret\": \"hunter2\"}").unwrap();
    fails_with(dir.path(), &["run", "--once"], "not a Solana CLI keypair");
    std::fs::write(dir.path().join("keeper.json"), "[1, 2, 3]").unwrap();
    fails_with(dir.path(), &["run", "--once"], "has 3 bytes, expected 64");
    fails_with(dir.path(), &["status"], "cannot reach the cluster");
}

#[test]
fn an_unreachable_cluster_is_named() {
    let dir = tempfile::tempdir().unwrap();
    write_config(dir.path(), "http://127.0.0.1:1");
    covenant_keeper::setup::write_keypair(&Keypair::new(), &dir.path().join("keeper.json")).unwrap();
    fails_with(dir.path(), &["status"], "cannot reach the cluster at http://127.0.0.1:1");
    fails_with(dir.path(), &["run", "--once"], "cannot reach the cluster at http://127.0.0.1:1");
}

#[test]
fn a_missing_or_foreign_model_is_named() {
    let dir = tempfile::tempdir().unwrap();
    write_config(dir.path(), "http://127.0.0.1:1");
    covenant_keeper::setup::write_keypair(&Keypair::new(), &dir.path().join("keeper.json")).unwrap();
    fails_with(dir.path(), &["--model", "nowhere.onnx", "check-model"], "model file nowhere.onnx");
    let foreign = dir.path().join("foreign.onnx");
    std::fs::write(&foreign, include_bytes!("fixtures/wrong_contract.onnx")).unwrap();
    fails_with(dir.path(), &["--model", foreign.to_str().unwrap(), "check-model"], "does not follow contract");
    fails_with(dir.path(), &["--ort-lib", "/nonexistent/libonnxruntime.so", "check-model"], "ONNX Runtime library");
    // The model is checked before the loop ever talks to the cluster.
    fails_with(dir.path(), &["--model", "nowhere.onnx", "run", "--once"], "model file nowhere.onnx");
    let v1 = dir.path().join("v1.onnx");
    std::fs::write(&v1, include_bytes!("fixtures/v1_default.onnx")).unwrap();
    fails_with(dir.path(), &["--model", v1.to_str().unwrap(), "check-model"], "covenant.candidates.v1");
    // The proof reader's models are checked too, and a missing one is named with its fix.
    let mut config = std::fs::read_to_string(dir.path().join("keeper.toml")).unwrap();
    config.push_str("[proofs]\nmodels_dir = \"no-models-here\"\n");
    std::fs::write(dir.path().join("elsewhere.toml"), config).unwrap();
    fails_with(dir.path(), &["--config", "elsewhere.toml", "check-model"], "setup-ocr-models");
    let output = Command::new(env!("CARGO_BIN_EXE_covenant-keeper"))
        .current_dir(dir.path())
        .env("RUST_LOG", "error")
        .args(["check-model", "--device", "cpu"])
        .output()
        .expect("binary runs");
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    assert!(stdout.contains("model ok: version default-3") && stdout.contains("provider CPU"), "{stdout}");
    assert!(stdout.contains("proof reader ok: PP-OCRv4 detection sha256 d2a7720d"), "{stdout}");
}

#[test]
fn the_example_config_parses_except_for_its_placeholders() {
    let text = include_str!("../keeper.example.toml");
    let error = covenant_keeper::config::KeeperConfig::parse(text).expect_err("placeholders are not keys");
    // Addresses are parsed with the config: the error names the field.
    assert!(error.contains("payee[0].recipient") && error.contains("not a base58 public key"), "{error}");
    let key = solana_signer::Signer::pubkey(&Keypair::new()).to_string();
    let filled = text.replace("<inference provider pubkey>", &key).replace("<operator pubkey>", &key);
    let config = covenant_keeper::config::KeeperConfig::parse(&filled).expect("example parses");
    assert_eq!((config.policies.len(), config.payees.len(), config.payments.len()), (1, 1, 1));
    assert_eq!((config.policies[0].per_tx_max, config.payments[0].amount), (2_000_000_000, 50_000_000), "SOL amounts");
    assert_eq!(config.keys.operator.as_deref(), Some("usb://ledger?key=0"));
    assert_eq!(config.proofs.max_bytes, 8 << 20, "the documented default");
}

#[track_caller]
fn fails_at_home_with(dir: &Path, home: &Path, args: &[&str], needle: &str) {
    fails_in(dir, Some(home), args, needle);
}

#[test]
fn urls_take_monikers_and_the_solana_cli_config_fills_in_url_keypair_and_commitment() {
    let (dir, home) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let operator = solana_signer::Signer::pubkey(&Keypair::new());
    // No cluster.url, no keys.keeper: both come from the Solana CLI config, or nowhere.
    std::fs::write(
        dir.path().join("keeper.toml"),
        format!("[cluster]\ntimeout_seconds = 2\n[treasury]\noperator = \"{operator}\"\nid = 1\n"),
    )
    .unwrap();
    let needs_key = "set keys.keeper, or a keypair in the Solana CLI config";
    fails_at_home_with(dir.path(), home.path(), &["run", "--once"], needs_key);

    let cli_dir = home.path().join(".config/solana/cli");
    std::fs::create_dir_all(&cli_dir).unwrap();
    let keypair = home.path().join("id.json");
    covenant_keeper::setup::write_keypair(&Keypair::new(), &keypair).unwrap();
    let yaml = format!(
        "json_rpc_url: \"http://127.0.0.1:2\"\nwebsocket_url: \"\"\nkeypair_path: {}\naddress_labels: {{}}\ncommitment: finalized\n",
        keypair.display()
    );
    std::fs::write(cli_dir.join("config.yml"), yaml).unwrap();
    // The CLI config's URL and keypair are used...
    fails_at_home_with(dir.path(), home.path(), &["status"], "cannot reach the cluster at http://127.0.0.1:2");
    fails_at_home_with(dir.path(), home.path(), &["run", "--once"], "cannot reach the cluster at http://127.0.0.1:2");
    // ...unless the command line names another cluster, by moniker or by URL.
    fails_at_home_with(dir.path(), home.path(), &["-u", "http://127.0.0.1:3", "status"], "http://127.0.0.1:3");
    fails_at_home_with(
        dir.path(),
        home.path(),
        &["--url", "l", "status"],
        "cannot reach the cluster at http://localhost:8899",
    );
    fails_at_home_with(
        dir.path(),
        home.path(),
        &["-u", "devnt", "status"],
        "--url: \"devnt\" is neither an http(s) URL nor a cluster moniker",
    );
    fails_at_home_with(
        dir.path(),
        home.path(),
        &["--commitment", "final", "status"],
        "--commitment: \"final\" is not a commitment",
    );
    // keeper.toml's own settings sit between the command line and the CLI config.
    std::fs::write(
        dir.path().join("keeper.toml"),
        format!("[cluster]\nurl = \"http://127.0.0.1:4\"\ntimeout_seconds = 2\n[treasury]\noperator = \"{operator}\"\nid = 1\n"),
    )
    .unwrap();
    fails_at_home_with(dir.path(), home.path(), &["status"], "cannot reach the cluster at http://127.0.0.1:4");
    std::fs::write(dir.path().join("keeper.toml"), "[cluster]\nurl = \"dev\"\n[treasury]\nid = 1\n").unwrap();
    fails_at_home_with(dir.path(), home.path(), &["status"], "cluster.url: \"dev\" is neither");
}

#[test]
fn logs_have_no_colour_codes_in_a_pipe_and_can_be_json() {
    let dir = tempfile::tempdir().unwrap();
    write_config(dir.path(), "http://127.0.0.1:1");
    covenant_keeper::setup::write_keypair(&Keypair::new(), &dir.path().join("keeper.json")).unwrap();
    let run = |format: &str| {
        let output = Command::new(env!("CARGO_BIN_EXE_covenant-keeper"))
            .current_dir(dir.path())
            .env("RUST_LOG", "covenant_keeper=info")
            .args(["--log-format", format, "check-model", "--device", "cpu"])
            .output()
            .expect("binary runs");
        assert!(output.status.success());
        String::from_utf8_lossy(&output.stderr).to_string()
    };
    let text = run("text");
    assert!(text.contains("inference provider") && !text.contains('\u{1b}'), "{text}");
    let json = run("json");
    let lines: Vec<serde_json::Value> =
        json.lines().map(|line| serde_json::from_str(line).unwrap_or_else(|_| panic!("not JSON: {line}"))).collect();
    assert!(lines.iter().any(|line| line["fields"]["message"] == "inference provider"), "{json}");
    // One-shot commands are quiet by default (no RUST_LOG): only their result is printed.
    let output = Command::new(env!("CARGO_BIN_EXE_covenant-keeper"))
        .current_dir(dir.path())
        .env_remove("RUST_LOG")
        .args(["check-model", "--device", "cpu"])
        .output()
        .expect("binary runs");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success() && stderr.trim().is_empty(), "{stderr}");
    assert!(String::from_utf8_lossy(&output.stdout).contains("model ok"));
}

#[test]
fn the_deploy_manifests_run_commands_and_a_config_the_keeper_accepts() {
    use clap::Parser;
    use covenant_keeper::cli::{Cli, Command};
    let parse_run = |line: &str| {
        let args: Vec<String> = std::iter::once("covenant-keeper".to_string())
            .chain(
                line.split_whitespace().skip_while(|word| !word.ends_with("covenant-keeper")).skip(1).map(String::from),
            )
            .collect();
        match Cli::try_parse_from(&args).unwrap_or_else(|error| panic!("{args:?}: {error}")).command {
            Command::Run { all, shard, .. } => (all, shard.map(|shard| shard.to_string())),
            other => panic!("not run: {other:?}"),
        }
    };
    // Kubernetes: pod 1 of 2 replicas keeps shard 1/2 of every treasury of its key.
    let kubernetes = include_str!("../../deploy/kubernetes/keeper.yaml");
    let line = kubernetes.lines().find(|line| line.contains("exec covenant-keeper run")).expect("the pod's command");
    let line = line.replace("\"${HOSTNAME##*-}/${REPLICAS}\"", "1/2");
    assert_eq!(parse_run(&line), (true, Some("1/2".into())));
    let toml: String = kubernetes
        .lines()
        .skip_while(|line| !line.contains("keeper.toml: |"))
        .skip(1)
        .take_while(|line| line.starts_with("    ") || line.trim().is_empty())
        .map(|line| format!("{}\n", line.strip_prefix("    ").unwrap_or(line)))
        .collect();
    let key = solana_signer::Signer::pubkey(&Keypair::new()).to_string();
    let config = covenant_keeper::config::KeeperConfig::parse(&toml.replace("<operator pubkey>", &key))
        .unwrap_or_else(|error| panic!("the ConfigMap's keeper.toml: {error}"));
    assert!(config.fleet.all && config.run.metrics_addr.as_deref() == Some("0.0.0.0:9464"));
    // systemd: instance 0 of SHARDS=2.
    let unit = include_str!("../../deploy/systemd/covenant-keeper@.service");
    let exec = unit.lines().find_map(|line| line.strip_prefix("ExecStart=")).expect("ExecStart");
    assert_eq!(parse_run(&exec.replace("%i", "0").replace("${SHARDS}", "2")), (true, Some("0/2".into())));
}

#[test]
fn claim_codes_need_no_key_and_no_cluster_and_a_bad_wallet_is_named() {
    let dir = tempfile::tempdir().unwrap();
    write_config(dir.path(), "http://127.0.0.1:1");
    let claimant = solana_signer::Signer::pubkey(&Keypair::new());
    let output = Command::new(env!("CARGO_BIN_EXE_covenant-keeper"))
        .current_dir(dir.path())
        .env("RUST_LOG", "error")
        .args(["--output", "json", "claim-code", "--bounty", "3", "--claimant", &claimant.to_string()])
        .output()
        .expect("binary runs");
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    let json: serde_json::Value = serde_json::from_slice(&output.stdout).expect("json");
    let config = covenant_keeper::config::KeeperConfig::load(&dir.path().join("keeper.toml")).expect("config");
    let treasury = covenant::sdk::TreasuryAddresses::new(config.treasury.operator.expect("operator"), 1);
    let expected = covenant_keeper::proofs::claim_code::claim_code(&treasury.bounty(3), &claimant);
    assert_eq!(json["claim_code"], expected.as_str());
    fails_with(dir.path(), &["claim-code", "--bounty", "3", "--claimant", "not-a-wallet"], "--claimant");
}

#[test]
fn fingerprints_re_run_the_duplicate_check_from_the_photos_alone() {
    let dir = tempfile::tempdir().unwrap();
    let photos = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/photos");
    let (graf1, graf3) = (photos.join("graf1.jpg"), photos.join("graf3.jpg"));
    let image =
        covenant_vision::decode(&std::fs::read(&graf1).unwrap(), covenant_vision::DecodeLimits::default()).unwrap();
    let copy = dir.path().join("copy.jpg");
    std::fs::write(&copy, covenant_vision::edits::jpeg(&covenant_vision::edits::Edit::Resize(0.5).apply(&image), 70))
        .unwrap();
    let output = Command::new(env!("CARGO_BIN_EXE_covenant-keeper"))
        .current_dir(dir.path())
        .env("RUST_LOG", "error")
        .args(["--output", "json", "fingerprint"])
        .args([&graf1, &copy, &graf3])
        .output()
        .expect("binary runs");
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    let json: serde_json::Value = serde_json::from_slice(&output.stdout).expect("json");
    let distance = |n: usize| json["photos"][n]["distance_to_first"].as_u64();
    let defaults = covenant_keeper::config::CopiesConfig::default();
    assert_eq!(
        json["photos"][0]["fingerprint"],
        serde_json::to_value(covenant_vision::Fingerprint::of(&image)).unwrap()
    );
    assert_eq!(json["photos"][0]["windows"].as_array().map(Vec::len), Some(6));
    assert!(distance(1).is_some_and(|d| d <= u64::from(defaults.copy_distance)), "a resized copy: {json}");
    assert!(distance(2).is_some_and(|d| d >= u64::from(defaults.new_distance)), "another angle: {json}");
    std::fs::write(dir.path().join("notes.txt"), "not a photo").unwrap();
    fails_with(dir.path(), &["fingerprint", "notes.txt"], "photo notes.txt");
}

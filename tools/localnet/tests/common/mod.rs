//! The `localnet` binary as a child process, and the keeper binary run against it.

#![allow(dead_code)] // each test binary uses part of it

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use solana_keypair::Keypair;

/// The Pyth prices a localnet publishes for the suites (`scripts/with-localnet` passes the same).
pub const PYTH_PRICES: [&str; 2] = ["SOL=150", "USDC=1"];

/// A cold validator start (genesis, RocksDB, first slots) takes a few seconds on 2 cores.
const START_TIMEOUT: Duration = Duration::from_secs(120);
const STOP_TIMEOUT: Duration = Duration::from_secs(60);

pub struct LocalnetProcess {
    child: Child,
    pub rpc_url: String,
    pub faucet: Keypair,
    pub ledger: PathBuf,
    /// Every line `localnet` printed before "ready".
    pub banner: Vec<String>,
    lines: mpsc::Receiver<String>,
}

impl LocalnetProcess {
    /// Starts `localnet --rpc-port 0` with the prices every suite expects (`PYTH_PRICES`, as
    /// `scripts/with-localnet` starts it) and waits for its "ready" line.
    pub fn start() -> Self {
        let mut child = Command::new(env!("CARGO_BIN_EXE_localnet"))
            .args(["--rpc-port", "0"])
            .args(PYTH_PRICES.iter().flat_map(|price| ["--pyth-price", price]))
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("localnet starts");
        let stdout = child.stdout.take().expect("piped stdout");
        let (sender, lines) = mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                if sender.send(line).is_err() {
                    break;
                }
            }
        });
        let started = Instant::now();
        let mut banner = Vec::new();
        loop {
            let left = START_TIMEOUT.checked_sub(started.elapsed()).unwrap_or_default();
            match lines.recv_timeout(left) {
                Ok(line) if line.starts_with("ready") => break,
                Ok(line) => banner.push(line),
                Err(error) => {
                    let _ = child.kill();
                    panic!("localnet did not get ready ({error}); it printed: {banner:#?}");
                }
            }
        }
        let field = |name: &str| -> String {
            let line = banner.iter().find(|line| line.starts_with(name)).unwrap_or_else(|| panic!("no {name} line"));
            line[name.len()..].trim().split(' ').next().expect("a value").to_string()
        };
        let rpc_url = field("rpc");
        let faucet_path = PathBuf::from(field("faucet"));
        let faucet = covenant_keeper::setup::read_keypair(&faucet_path).expect("faucet keypair reads");
        let ledger = PathBuf::from(field("ledger"));
        Self { child, rpc_url, faucet, ledger, banner, lines }
    }

    /// Sends `signal` and waits for the exit; returns the status and what it printed meanwhile.
    pub fn stop_with(mut self, signal: i32) -> (ExitStatus, Vec<String>) {
        let pid = i32::try_from(self.child.id()).expect("pid fits");
        // SAFETY: kill(2) on our own child's pid.
        assert_eq!(unsafe { libc::kill(pid, signal) }, 0, "signal delivered");
        let started = Instant::now();
        loop {
            if let Some(status) = self.child.try_wait().expect("wait") {
                let printed = self.lines.try_iter().collect();
                return (status, printed);
            }
            assert!(started.elapsed() < STOP_TIMEOUT, "localnet did not stop within {STOP_TIMEOUT:?}");
            std::thread::sleep(Duration::from_millis(100));
        }
    }
}

impl Drop for LocalnetProcess {
    fn drop(&mut self) {
        // A test that panicked midway must not leave a validator running.
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Where the scenario runs: a `localnet` this test starts and stops, or a cluster someone else runs
/// (`anchor test`'s validator, or `scripts/localnet` in another terminal) named by
/// `COVENANT_LOCALNET_URL`, with `COVENANT_LOCALNET_FAUCET` a funded keypair file there.
pub enum Cluster {
    Spawned(LocalnetProcess),
    External { rpc_url: String, faucet: Keypair },
}

impl Cluster {
    pub fn from_env() -> Self {
        let Some(rpc_url) = std::env::var("COVENANT_LOCALNET_URL").ok().filter(|url| !url.is_empty()) else {
            return Self::Spawned(LocalnetProcess::start());
        };
        let faucet_path = std::env::var_os("COVENANT_LOCALNET_FAUCET")
            .map(PathBuf::from)
            .expect("COVENANT_LOCALNET_URL needs COVENANT_LOCALNET_FAUCET, a funded keypair file");
        let faucet = covenant_keeper::setup::read_keypair(&faucet_path).expect("faucet keypair reads");
        Self::External { rpc_url, faucet }
    }

    pub fn rpc_url(&self) -> &str {
        match self {
            Self::Spawned(localnet) => &localnet.rpc_url,
            Self::External { rpc_url, .. } => rpc_url,
        }
    }

    pub fn faucet(&self) -> &Keypair {
        match self {
            Self::Spawned(localnet) => &localnet.faucet,
            Self::External { faucet, .. } => faucet,
        }
    }
}

/// The keeper binary: `COVENANT_KEEPER_BIN`, or `covenant-keeper` next to this test's target dir
/// (`scripts/localnet test` builds it first).
pub fn keeper_binary() -> PathBuf {
    if let Some(path) = std::env::var_os("COVENANT_KEEPER_BIN") {
        return PathBuf::from(path);
    }
    let exe = std::env::current_exe().expect("test binary path");
    // target/<profile>/deps/<test> -> target/<profile>/covenant-keeper
    let path = exe.parent().and_then(Path::parent).expect("target dir").join("covenant-keeper");
    assert!(path.exists(), "{} is missing: build it first (`cargo build -p covenant-keeper`)", path.display());
    path
}

/// Runs the keeper binary in `dir` (where keeper.toml is); returns stdout, panicking with stderr
/// when it fails.
pub fn keeper(dir: &Path, args: &[&str]) -> String {
    let output = Command::new(keeper_binary())
        .current_dir(dir)
        .env("RUST_LOG", "error")
        .env_remove("COVENANT_CONFIG")
        .env_remove("COVENANT_RPC_URL")
        .args(args)
        .output()
        .expect("keeper runs");
    let stdout = String::from_utf8_lossy(&output.stdout).to_string();
    assert!(
        output.status.success(),
        "covenant-keeper {args:?} failed:\n{}\n{stdout}",
        String::from_utf8_lossy(&output.stderr)
    );
    stdout
}

/// Runs the keeper binary in `dir` expecting it to refuse; returns what it said (stdout and stderr).
pub fn keeper_refuses(dir: &Path, args: &[&str]) -> String {
    let output = Command::new(keeper_binary())
        .current_dir(dir)
        .env("RUST_LOG", "error")
        .env_remove("COVENANT_CONFIG")
        .env_remove("COVENANT_RPC_URL")
        .args(args)
        .output()
        .expect("keeper runs");
    let said = format!("{}{}", String::from_utf8_lossy(&output.stdout), String::from_utf8_lossy(&output.stderr));
    assert!(!output.status.success(), "covenant-keeper {args:?} should have refused:\n{said}");
    said
}

/// One JSON-RPC call over a bare HTTP/1.1 connection: what `curl -X POST` would send.
pub fn json_rpc(rpc_url: &str, body: &serde_json::Value) -> serde_json::Value {
    let address = rpc_url.strip_prefix("http://").expect("http URL").trim_end_matches('/');
    let body = body.to_string();
    let mut stream = TcpStream::connect(address).expect("RPC port accepts");
    stream.set_read_timeout(Some(Duration::from_secs(30))).expect("timeout set");
    write!(
        stream,
        "POST / HTTP/1.1\r\nHost: {address}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    )
    .expect("request sent");
    let mut response = String::new();
    stream.read_to_string(&mut response).expect("response read");
    let (head, payload) = response.split_once("\r\n\r\n").expect("HTTP response");
    assert!(head.starts_with("HTTP/1.1 200"), "{head}");
    serde_json::from_str(payload).unwrap_or_else(|error| panic!("JSON-RPC answer ({error}): {payload}"))
}

//! A real agave validator on 127.0.0.1 running the natively built Covenant program.
//!
//! No SBF toolchain can build the program's `.so` on every machine, and agave has no option that adds
//! a builtin program to a validator. This crate does it through public API: genesis holds a
//! native-loader account at the program id, and every bank in the validator's forks gets the program
//! as a builtin (children inherit it from their parent). SPL Token Swap (ported, `third_party/`)
//! runs the same way, as the swap venue a treasury can allowlist. SPL Token, Token-2022, ATA and Memo
//! come with the test validator's genesis. Pyth prices, when asked for, are genesis accounts in the
//! receiver's layout at the push oracle's sponsored feed addresses, as a cluster clone would be.

use std::collections::BTreeSet;
use std::net::{IpAddr, Ipv4Addr};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use anyhow::{bail, Context};
use solana_account::{AccountSharedData, ReadableAccount, WritableAccount};
use solana_keypair::Keypair;
use solana_program_runtime::invoke_context::BuiltinFunctionWithContext;
use solana_program_runtime::loaded_programs::ProgramCacheEntry;
use solana_program_test::processor;
use solana_pubkey::Pubkey;
use solana_signer::Signer;
use solana_streamer::socket::SocketAddrSpace;
use solana_test_validator::{TestValidator, TestValidatorGenesis};

/// The programs this localnet runs natively: (name its native-loader account carries, id, entry).
fn builtins() -> [(&'static str, Pubkey, Option<BuiltinFunctionWithContext>); 2] {
    [
        ("covenant", covenant::ID, processor!(covenant::native_entry)),
        ("spl_token_swap", spl_token_swap::ID, processor!(spl_token_swap::processor::Processor::process)),
    ]
}
/// How long the builtin may take to reach every bank before start gives up.
const REGISTER_TIMEOUT: Duration = Duration::from_secs(20);
/// How often the watcher looks for banks without the builtin.
const WATCH_INTERVAL: Duration = Duration::from_millis(20);

/// Ports for the validator's own sockets: clear of the usual RPC port (8899) and of Linux's
/// ephemeral range.
const NODE_PORT_RANGE: (u16, u16) = (11_000, 13_000);

/// What the test validator's genesis gives the faucet (mint) keypair.
pub const FAUCET_SOL: u64 = 500_000_000;

/// Programs the localnet must serve, checked at start: Covenant, then the SPL programs its
/// instructions call.
pub fn expected_programs() -> [(&'static str, Pubkey); 5] {
    [
        ("covenant", covenant::ID),
        ("spl-token-swap", spl_token_swap::ID),
        ("spl-token", anchor_spl::token::ID),
        ("spl-token-2022", anchor_spl::token_2022::ID),
        ("spl-associated-token-account", anchor_spl::associated_token::ID),
    ]
}

#[derive(Clone, Debug)]
pub struct Options {
    /// JSON-RPC port (the websocket is the next one); `None` picks free ports.
    pub rpc_port: Option<u16>,
    /// Where the ledger goes. It is wiped at start and kept at exit; without it, the ledger is a
    /// new temporary directory removed at exit.
    pub ledger: Option<PathBuf>,
    /// Pyth prices to publish at genesis (fresh for `PRICE_MAX_AGE_SECONDS`).
    pub prices: Vec<PythPrice>,
}

/// One Pyth feed's price as genesis publishes it: `price_e8` dollars × 10⁻⁸, 0.1% confidence, on
/// its EMA, fully verified, published when the localnet starts.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PythPrice {
    pub feed_id: [u8; 32],
    pub price_e8: i64,
}

impl PythPrice {
    /// `SOL=150`, `USDC=1` or `<64 hex digits>=<dollars>` (up to 8 decimals).
    pub fn parse(text: &str) -> anyhow::Result<Self> {
        let (name, dollars) = text.split_once('=').context("expected FEED=DOLLARS, e.g. SOL=150")?;
        let feed_id = match name.to_ascii_uppercase().as_str() {
            "SOL" => covenant::sdk::PYTH_SOL_USD_FEED,
            "USDC" => covenant::sdk::PYTH_USDC_USD_FEED,
            _ => pyth_solana_receiver_sdk::price_update::get_feed_id_from_hex(name)
                .map_err(|_| anyhow::anyhow!("{name:?}: SOL, USDC or a feed id of 64 hex digits"))?,
        };
        let price_e8 = covenant_keeper::units::parse_amount(dollars, 8)
            .ok()
            .and_then(|units| i64::try_from(units).ok())
            .filter(|units| *units > 0)
            .with_context(|| format!("{dollars:?}: a positive dollar amount"))?;
        Ok(Self { feed_id, price_e8 })
    }

    /// The receiver-owned `PriceUpdateV2` genesis holds at the feed's sponsored address.
    fn account(&self, rent: &solana_rent::Rent, now: i64) -> (Pubkey, AccountSharedData) {
        let data = covenant::sdk::PriceQuote::new(self.feed_id, self.price_e8, now).account_data();
        let mut account =
            AccountSharedData::new(rent.minimum_balance(data.len()), data.len(), &pyth_solana_receiver_sdk::ID);
        account.set_data_from_slice(&data);
        (covenant::sdk::price_feed_account(&self.feed_id), account)
    }
}

pub struct Localnet {
    // Field order is drop order: the validator stops before its ledger directory goes.
    validator: TestValidator,
    watcher: Option<Watcher>,
    faucet: Keypair,
    ledger: Ledger,
}

impl Localnet {
    /// Starts the validator and returns once every bank has the Covenant program.
    pub fn start(options: &Options) -> anyhow::Result<Self> {
        // Native programs reach the runtime (CPI, sysvars) through program-test's syscall stubs,
        // which a ProgramTest bank installs process-wide the first time one starts.
        install_syscall_stubs()?;

        let ledger = Ledger::prepare(options.ledger.as_deref())?;
        let faucet = Keypair::new();
        let mut genesis = TestValidatorGenesis::default();
        for (name, id, _) in builtins() {
            let program_account = native_program_account(&genesis, name);
            genesis.add_account(id, program_account);
        }
        genesis.ledger_path(ledger.path());
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .context("the system clock is before 1970")?
            .as_secs();
        for price in &options.prices {
            let (address, account) = price.account(&genesis.rent, i64::try_from(now).unwrap_or(i64::MAX));
            genesis.add_account(address, account);
        }
        // Transaction history (getSignaturesForAddress, getTransaction) with its logs and inner
        // instructions, where Covenant's CPI events are: what explorers and the donor app's
        // activity feed read. Without the extended metadata both come back null.
        genesis.rpc_config(solana_rpc::rpc::JsonRpcConfig {
            enable_rpc_transaction_history: true,
            enable_extended_tx_metadata_storage: true,
            ..solana_rpc::rpc::JsonRpcConfig::default_for_test()
        });
        if let Some(port) = options.rpc_port {
            genesis.rpc_port(port);
        }
        // The node's sockets (gossip included) search this range for free ports, so two localnets
        // can run side by side; a debug build's default range is 25 ports, too few for them all.
        genesis.bind_ip_addr(IpAddr::V4(Ipv4Addr::LOCALHOST)).port_range(NODE_PORT_RANGE).gossip_port(0);
        let validator = genesis
            .start_with_mint_address(faucet.pubkey(), SocketAddrSpace::new(true))
            .map_err(|error| anyhow::anyhow!("the validator did not start: {error}"))?;
        let watcher = Watcher::spawn(&validator)?;
        let localnet = Self { validator, watcher: Some(watcher), faucet, ledger };
        localnet.check_programs()?;
        Ok(localnet)
    }

    pub fn rpc_url(&self) -> String {
        self.validator.rpc_url()
    }

    pub fn websocket_url(&self) -> String {
        self.validator.rpc_pubsub_url()
    }

    /// The keypair genesis funded with [`FAUCET_SOL`].
    pub fn faucet(&self) -> &Keypair {
        &self.faucet
    }

    pub fn ledger_path(&self) -> &Path {
        self.ledger.path()
    }

    fn check_programs(&self) -> anyhow::Result<()> {
        let bank =
            self.validator.bank_forks().read().map_err(|_| anyhow::anyhow!("bank forks lock poisoned"))?.working_bank();
        for (name, id) in expected_programs() {
            let loaders = [
                solana_sdk_ids::native_loader::id(),
                solana_sdk_ids::bpf_loader::id(),
                solana_sdk_ids::bpf_loader_upgradeable::id(),
            ];
            match bank.get_account(&id) {
                Some(account) if loaders.contains(account.owner()) => {}
                _ => bail!("{name} ({id}) is not a program on the localnet"),
            }
        }
        Ok(())
    }
}

impl Drop for Localnet {
    fn drop(&mut self) {
        if let Some(watcher) = self.watcher.take() {
            watcher.stop();
        }
    }
}

/// The genesis account agave keeps at a builtin's id: owned by the native loader, holding its name.
fn native_program_account(genesis: &TestValidatorGenesis, name: &str) -> AccountSharedData {
    let lamports = genesis.rent.minimum_balance(name.len()).max(1);
    let mut account = AccountSharedData::new(lamports, name.len(), &solana_sdk_ids::native_loader::id());
    account.set_data_from_slice(name.as_bytes());
    account.set_executable(true);
    account
}

/// Each builtin's name, id and program cache entry.
fn builtin_entries() -> anyhow::Result<Vec<(&'static str, Pubkey, ProgramCacheEntry)>> {
    builtins()
        .into_iter()
        .map(|(name, id, entry)| {
            let entry = entry.with_context(|| format!("processor! gave no entry for {name}"))?;
            Ok((name, id, ProgramCacheEntry::new_builtin(0, name.len(), entry)))
        })
        .collect()
}

fn install_syscall_stubs() -> anyhow::Result<()> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .context("a runtime for the throwaway ProgramTest bank")?;
    runtime.block_on(async {
        drop(solana_program_test::ProgramTest::default().start().await);
    });
    Ok(())
}

/// Gives the builtin to every bank, once per bank. A bank copies its parent's builtins when it is
/// made, so after one pass over the forks every bank made later inherits it; a bank made from a
/// parent the pass had not reached yet is caught when it shows up in the forks. The watcher keeps
/// looking for the validator's whole life, which costs one read lock per interval.
struct Watcher {
    stop: Arc<AtomicBool>,
    thread: JoinHandle<()>,
}

impl Watcher {
    fn spawn(validator: &TestValidator) -> anyhow::Result<Self> {
        let forks = validator.bank_forks();
        builtin_entries()?; // fail here, not in the thread
        let stop = Arc::new(AtomicBool::new(false));
        // The highest slot of the first full pass; u64::MAX until then.
        let first_pass = Arc::new(AtomicU64::new(u64::MAX));
        let newest = Arc::new(AtomicU64::new(0));
        let thread = {
            let (stop, first_pass, newest) = (stop.clone(), first_pass.clone(), newest.clone());
            std::thread::Builder::new()
                .name("covenant-builtin".into())
                .spawn(move || {
                    let mut done = BTreeSet::new();
                    while !stop.load(Ordering::Relaxed) {
                        let banks: Vec<_> = match forks.read() {
                            Ok(forks) => forks.banks().values().map(|bank| bank.clone_without_scheduler()).collect(),
                            Err(_) => return,
                        };
                        let oldest = banks.iter().map(|bank| bank.slot()).min().unwrap_or(0);
                        done = done.split_off(&oldest); // forget pruned banks
                        for bank in &banks {
                            if done.insert(bank.slot()) {
                                let Ok(entries) = builtin_entries() else { return };
                                for (name, id, entry) in entries {
                                    bank.add_builtin(id, name, entry);
                                }
                            }
                        }
                        let highest = banks.iter().map(|bank| bank.slot()).max().unwrap_or(0);
                        let _ = first_pass.compare_exchange(u64::MAX, highest, Ordering::AcqRel, Ordering::Acquire);
                        newest.store(highest, Ordering::Release);
                        std::thread::sleep(WATCH_INTERVAL);
                    }
                })
                .context("spawning the builtin watcher")?
        };
        // Two slots past the first pass, the working bank descends from banks that had it.
        let started = Instant::now();
        loop {
            let first = first_pass.load(Ordering::Acquire);
            if first != u64::MAX && newest.load(Ordering::Acquire) >= first + 2 {
                break;
            }
            if thread.is_finished() {
                bail!("the builtin watcher stopped before the program reached every bank");
            }
            if started.elapsed() > REGISTER_TIMEOUT {
                bail!("the validator made no new slots in {REGISTER_TIMEOUT:?}");
            }
            std::thread::sleep(WATCH_INTERVAL);
        }
        Ok(Self { stop, thread })
    }

    fn stop(self) {
        self.stop.store(true, Ordering::Relaxed);
        // A watcher that panicked has nothing left to clean up.
        let _ = self.thread.join();
    }
}

/// The ledger directory: fresh at every start.
enum Ledger {
    Temporary(tempfile::TempDir),
    Kept(PathBuf),
}

impl Ledger {
    fn prepare(path: Option<&Path>) -> anyhow::Result<Self> {
        match path {
            None => Ok(Self::Temporary(
                tempfile::Builder::new()
                    .prefix("covenant-localnet-")
                    .tempdir()
                    .context("a temporary ledger directory")?,
            )),
            Some(path) => {
                if path.exists() {
                    // Only a ledger (or an empty directory) is wiped: a mistyped path must not
                    // cost someone their home directory.
                    let is_ledger = path.join("genesis.bin").exists();
                    let is_empty = std::fs::read_dir(path).map(|mut entries| entries.next().is_none()).unwrap_or(false);
                    if !is_ledger && !is_empty {
                        bail!("{} exists and is not a ledger; refusing to wipe it", path.display());
                    }
                    std::fs::remove_dir_all(path)
                        .with_context(|| format!("clearing the old ledger at {}", path.display()))?;
                }
                Ok(Self::Kept(path.to_path_buf()))
            }
        }
    }

    fn path(&self) -> &Path {
        match self {
            Self::Temporary(dir) => dir.path(),
            Self::Kept(path) => path,
        }
    }
}

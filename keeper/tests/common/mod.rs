//! A treasury on the in-process bank, set up the way an operator would (`init` from a TOML config),
//! and keepers over it.

#![allow(dead_code)] // each test binary uses part of the world

use std::path::PathBuf;
use std::sync::Arc;

use anchor_lang::prelude::Pubkey;
use anchor_lang::AccountDeserialize;
use covenant::instructions::CreateBountyArgs;
use covenant::sdk::{self, TreasuryAddresses};
use covenant::state::DecisionRecord;
use covenant_keeper::chain::{BankChain, Chain};
use covenant_keeper::config::KeeperConfig;
use covenant_keeper::keeper::Keeper;
use covenant_keeper::model::{Device, Model, OnnxModel};
use covenant_keeper::{ops, setup};
use solana_keypair::Keypair;
use solana_signer::Signer;

pub const SOL: u64 = 1_000_000_000;
pub const HOUR: i64 = 3_600;

/// Loads the shipped model once per test binary.
pub fn default_model() -> Arc<dyn Model> {
    static MODEL: std::sync::OnceLock<Arc<OnnxModel>> = std::sync::OnceLock::new();
    MODEL
        .get_or_init(|| {
            let library = setup::default_ort_library();
            let model = OnnxModel::from_bytes(setup::DEFAULT_MODEL, "default", &library, Device::Cpu);
            Arc::new(model.unwrap_or_else(|error| panic!("{error} (scripts/test runs scripts/setup-onnxruntime)")))
        })
        .clone()
}

/// Loads the PP-OCRv4 sessions once per test binary (each world gets its own reader around them).
pub fn shared_ocr() -> Arc<covenant_vision::Ocr> {
    static OCR: std::sync::OnceLock<Arc<covenant_vision::Ocr>> = std::sync::OnceLock::new();
    OCR.get_or_init(|| {
        let library = setup::default_ort_library();
        let config = covenant_keeper::config::ProofConfig::default();
        let ocr = covenant_keeper::proofs::load_ocr(&config, std::path::Path::new("."), &library, Device::Cpu);
        Arc::new(ocr.unwrap_or_else(|error| panic!("{error} (scripts/test runs scripts/setup-ocr-models)")))
    })
    .clone()
}

/// The slogan bounty 0 (and 1, 2) photos must show in every test world.
pub const SLOGAN: &str = "covenant keeps its word";

pub struct World {
    pub chain: Arc<BankChain>,
    pub operator: Keypair,
    pub keeper: Keypair,
    pub donor: Keypair,
    pub t: TreasuryAddresses,
    pub config: KeeperConfig,
    pub dir: tempfile::TempDir,
}

/// The SOL policy every test starts from: 2 SOL per transaction, 5 SOL a day, co-sign above
/// 1.5 SOL with a one-hour timelock.
pub const POLICY: &str = r#"
[[policy]]
asset = "SOL"
per_tx_max = 2_000_000_000
period_seconds = 86_400
period_cap = 5_000_000_000
cosign_threshold = 1_500_000_000
timelock_seconds = 3_600
"#;

impl World {
    /// `extra` is appended to the config (payees, payments, airdrops...). The vault gets `vault_sol`.
    pub async fn new(extra: &str, vault_sol: u64) -> Self {
        let operator = Keypair::new();
        let keeper = Keypair::new();
        let donor = Keypair::new();
        let chain = Arc::new(
            BankChain::start(&[
                (operator.pubkey(), 100 * SOL),
                (keeper.pubkey(), 10 * SOL),
                (donor.pubkey(), 100 * SOL),
            ])
            .await,
        );
        let dir = tempfile::tempdir().expect("temp dir");
        std::fs::create_dir_all(dir.path().join("proofs")).expect("proofs dir");
        let rules: String = (0..3)
            .filter(|_| !extra.contains("[[bounty]]"))
            .map(|id| format!("[[bounty]]\nid = {id}\nproof = {{ text = \"{SLOGAN}\" }}\n"))
            .collect();
        let proofs =
            if extra.contains("[proofs]") { String::new() } else { "[proofs]\ndir = \"proofs\"\n".to_string() };
        let text = format!(
            "[keys]\nkeeper = \"keeper.json\"\n[treasury]\noperator = \"{}\"\nid = 7\n[loop]\ndecision_log = \"{}\"\n{POLICY}\n{rules}{proofs}{extra}",
            operator.pubkey(),
            dir.path().join("decisions.jsonl").display()
        );
        let config = KeeperConfig::parse(&text).unwrap_or_else(|error| panic!("test config: {error}"));
        let steps =
            ops::init_steps(chain.as_ref(), &config, operator.pubkey(), keeper.pubkey()).await.expect("init steps");
        for step in steps {
            ops::submit(chain.as_ref(), &step.instructions, &operator, &[]).await.expect("init step lands");
        }
        let t = TreasuryAddresses::new(operator.pubkey(), 7);
        if vault_sol > 0 {
            ops::submit(chain.as_ref(), &ops::donate(&t, donor.pubkey(), vault_sol, "seed".into()), &donor, &[])
                .await
                .expect("donation lands");
        }
        Self { chain, operator, keeper, donor, t, config, dir }
    }

    pub fn log_path(&self) -> PathBuf {
        self.config.run.decision_log.clone()
    }

    pub fn keeper_with(&self, chain: Arc<dyn Chain>, dry_run: bool) -> Keeper {
        self.keeper_configured(chain, self.config.clone(), dry_run)
    }

    /// A keeper of this world's treasury and key under another `config`, with a proof reader.
    pub fn keeper_configured(&self, chain: Arc<dyn Chain>, config: KeeperConfig, dry_run: bool) -> Keeper {
        Keeper::new(chain, default_model(), config, self.keeper.insecure_clone(), self.t, dry_run)
            .expect("keeper starts")
            .with_proof_reader(self.reader())
    }

    /// A proof reader for this world's config (proofs dir relative to the world's folder).
    pub fn reader(&self) -> Arc<covenant_keeper::proofs::ProofReader> {
        Arc::new(covenant_keeper::proofs::ProofReader::new(shared_ocr(), &self.config.proofs, self.dir.path()))
    }

    pub fn proofs_dir(&self) -> PathBuf {
        self.dir.path().join("proofs")
    }

    pub fn keeper(&self) -> Keeper {
        self.keeper_with(self.chain.clone(), false)
    }

    /// Another keeper process on this treasury and key, on `chain`, with a journal of its own
    /// (`journal`, in the world's folder): a journal is locked by the keeper that has it open.
    pub fn other_keeper(&self, chain: Arc<dyn Chain>, journal: &str) -> Keeper {
        let mut config = self.config.clone();
        config.run.decision_log = self.dir.path().join(journal);
        self.keeper_configured(chain, config, false)
    }

    /// Publishes `price_e8` dollars (exponent -8, 0.1% confidence) for `feed_id`, `age` seconds
    /// old, at the feed's sponsored price account, where the keeper reads it.
    pub async fn publish_price(&self, feed_id: [u8; 32], price_e8: i64, age: i64) {
        let quote = covenant::sdk::PriceQuote::new(feed_id, price_e8, self.now().await - age);
        let account = solana_account::Account {
            lamports: 10_000_000,
            data: quote.account_data(),
            owner: pyth_solana_receiver_sdk::ID,
            ..solana_account::Account::default()
        };
        self.chain.set_account(covenant::sdk::price_feed_account(&feed_id), account).await;
    }

    pub async fn lamports(&self, key: Pubkey) -> u64 {
        self.chain.accounts(&[key]).await.expect("read").remove(0).map_or(0, |account| account.lamports)
    }

    pub async fn account<T: AccountDeserialize>(&self, key: Pubkey) -> T {
        let account = self.chain.accounts(&[key]).await.expect("read").remove(0).expect("account exists");
        T::try_deserialize(&mut account.data.as_slice()).expect("decodes")
    }

    pub async fn now(&self) -> i64 {
        self.chain.clock().await.expect("clock").unix_timestamp
    }

    /// The operator launches the agent's POSTER meme token (6 decimals, a 10,000,000 supply cap,
    /// `period_cap` a day for the keeper) with `vault_allocation` minted to the vault.
    pub async fn launch_meme(&self, vault_allocation: u64, period_cap: u64) -> Pubkey {
        use covenant::instructions::LaunchMemeArgs;
        use covenant::policy::MintLimits;
        let mint = Keypair::new();
        let args = LaunchMemeArgs {
            name: "Poster Coin".into(),
            symbol: "POSTER".into(),
            uri: "https://example.org/poster.json".into(),
            decimals: 6,
            supply_cap: 10_000_000,
            limits: MintLimits { period_seconds: 86_400, period_cap, allowlist_required: false },
            vault_allocation,
            recipient_allocations: Vec::new(),
        };
        let launch = sdk::launch_meme(&self.t, mint.pubkey(), args, &[]);
        ops::submit(self.chain.as_ref(), &[launch], &self.operator, &[&mint]).await.expect("operator launches");
        mint.pubkey()
    }

    /// The operator opens bounty `id`: `reward` per claim, `max_claims`, one day to claim.
    pub async fn open_bounty(&self, id: u64, reward: u64, max_claims: u32) -> Pubkey {
        self.open_bounty_with(id, reward, max_claims, false).await
    }

    /// `open_bounty`, asking each claim's photo for the claimant's code when `claim_code`.
    pub async fn open_bounty_with(&self, id: u64, reward: u64, max_claims: u32, claim_code: bool) -> Pubkey {
        self.open_bounty_on(id, reward, max_claims, claim_code, Default::default()).await
    }

    /// `open_bounty_with` under dispute terms (a challenge window, a bond, an arbiter).
    pub async fn open_bounty_on(
        &self,
        id: u64,
        reward: u64,
        max_claims: u32,
        claim_code: bool,
        disputes: covenant::state::DisputeTerms,
    ) -> Pubkey {
        let deadline = self.now().await + 24 * HOUR;
        let args = CreateBountyArgs {
            reward,
            max_claims,
            deadline,
            description: "photo of our poster".into(),
            decision: DecisionRecord::default(),
            claim_code,
            disputes,
        };
        let ix = sdk::create_bounty(&self.t, self.operator.pubkey(), None, id, args);
        ops::submit(self.chain.as_ref(), &[ix], &self.operator, &[]).await.expect("bounty opens");
        self.t.bounty(id)
    }

    /// A new funded wallet submits a claim with a rendered photo: `good` shows the poster with
    /// the slogan, a bad one shows no poster.
    pub async fn claim(&self, bounty: Pubkey, good: bool) -> Keypair {
        use covenant_vision::render::{render_png, Photo};
        let photo =
            if good { Photo::Poster(vec!["COVENANT".into(), "keeps its word".into()]) } else { Photo::NoPoster };
        let bytes = render_png(&photo, rand_seed());
        self.claim_with_file(bounty, &bytes, None).await
    }

    /// Writes `bytes` into the proofs dir and claims with its SHA-256 (or `hash`, when given).
    pub async fn claim_with_file(&self, bounty: Pubkey, bytes: &[u8], hash: Option<[u8; 32]>) -> Keypair {
        let (uri, sha256) = self.proof_file(bytes);
        self.claim_with(bounty, &uri, hash.unwrap_or(sha256)).await
    }

    /// Writes `bytes` into the proofs dir under a new name: its `file://` URI and SHA-256.
    pub fn proof_file(&self, bytes: &[u8]) -> (String, [u8; 32]) {
        use sha2::Digest;
        let name = format!("{}.png", Pubkey::new_unique());
        std::fs::write(self.proofs_dir().join(&name), bytes).expect("proof written");
        (format!("file://{name}"), sha2::Sha256::digest(bytes).into())
    }

    /// A new funded wallet submits a claim with this URI and hash.
    pub async fn claim_with(&self, bounty: Pubkey, uri: &str, hash: [u8; 32]) -> Keypair {
        self.claim_as(Keypair::new(), bounty, uri, hash).await
    }

    /// `claimant` (funded here) submits a claim with this URI and hash.
    pub async fn claim_as(&self, claimant: Keypair, bounty: Pubkey, uri: &str, hash: [u8; 32]) -> Keypair {
        let fund = solana_system_interface::instruction::transfer(&self.donor.pubkey(), &claimant.pubkey(), SOL);
        ops::submit(self.chain.as_ref(), &[fund], &self.donor, &[]).await.expect("claimant funded");
        let ix = sdk::submit_claim(bounty, claimant.pubkey(), uri.into(), hash);
        ops::submit(self.chain.as_ref(), &[ix], &claimant, &[]).await.expect("claim lands");
        claimant
    }
}

/// A fresh render seed per call (photos differ between claims).
pub fn rand_seed() -> u64 {
    use std::sync::atomic::{AtomicU64, Ordering};
    static NEXT: AtomicU64 = AtomicU64::new(1);
    NEXT.fetch_add(1, Ordering::Relaxed)
}

/// A `[[payment]]` block.
pub fn payment(name: &str, recipient: &Pubkey, amount: u64, partial: bool) -> String {
    format!(
        "[[payment]]\nname = \"{name}\"\nrecipient = \"{recipient}\"\namount = {amount}\nevery_seconds = 3600\npartial = {partial}\n"
    )
}

/// A GET to the keeper's HTTP server (metrics, health, decision records) on an ephemeral local
/// port: the response's head (status line first, then the headers) and its body.
pub async fn http_get(keeper: &Keeper, path: &str) -> (String, String) {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let address = listener.local_addr().expect("address");
    let records = Some(covenant_keeper::records::router(keeper.records()));
    let server = tokio::spawn(covenant_keeper::metrics::serve(listener, keeper.metrics(), records));
    let mut stream = tokio::net::TcpStream::connect(address).await.expect("connect");
    let request = format!("GET {path} HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n");
    stream.write_all(request.as_bytes()).await.expect("send");
    let mut bytes = Vec::new();
    stream.read_to_end(&mut bytes).await.expect("read");
    server.abort();
    // A binary body (a model) is compared by length: lossy text keeps the head intact.
    let response = String::from_utf8_lossy(&bytes).into_owned();
    let (head, body) = response.split_once("\r\n\r\n").expect("a head and a body");
    (head.to_string(), body.to_string())
}

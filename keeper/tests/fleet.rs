//! Two keepers on one treasury (a standby, a restart on a fresh machine, overlapping shards): every
//! scheduled payment and airdrop lands once, by its on-chain marker; claims, grant releases and
//! pending executions once, by the program's own state; and a keeper whose journal was lost rebuilds
//! what is done from the chain.

mod common;

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

use anchor_lang::prelude::Pubkey;
use anchor_lang::Discriminator;
use async_trait::async_trait;
use common::{payment, World, HOUR, SOL};
use covenant::policy::{ClaimStatus, ReleaseSchedule};
use covenant::sdk;
use covenant::state::{ActionMarker, Claim, Grant};
use covenant_keeper::chain::{BankChain, Chain, ChainResult, Memcmp, Simulation};
use covenant_keeper::config::AirdropConfig;
use covenant_keeper::keeper::Keeper;
use covenant_keeper::ops;
use solana_account::Account;
use solana_hash::Hash;
use solana_signature::Signature;
use solana_signer::Signer;
use solana_transaction::Transaction;
use solana_transaction_error::TransactionError;

const RENT: u64 = 50_000_000;

/// Another keeper's view of the bank: `blind`, it never sees markers (it observed before the other
/// keeper's transaction landed, so it tries everything and only the chain can stop it); it also
/// counts how many transactions are in flight at once, the fee lookups, and the simulations made
/// while transactions were in flight.
struct View {
    inner: Arc<BankChain>,
    blind: bool,
    in_flight: AtomicUsize,
    most: AtomicUsize,
    fee_lookups: AtomicUsize,
    simulated_meanwhile: AtomicUsize,
}

impl View {
    fn new(inner: Arc<BankChain>, blind: bool) -> Self {
        Self {
            inner,
            blind,
            in_flight: AtomicUsize::new(0),
            most: AtomicUsize::new(0),
            fee_lookups: AtomicUsize::new(0),
            simulated_meanwhile: AtomicUsize::new(0),
        }
    }
}

#[async_trait]
impl Chain for View {
    fn endpoint(&self) -> String {
        "another keeper's view".into()
    }
    async fn accounts(&self, keys: &[Pubkey]) -> ChainResult<Vec<Option<Account>>> {
        self.inner.accounts(keys).await
    }
    async fn program_accounts(&self, program: &Pubkey, filters: &[Memcmp]) -> ChainResult<Vec<(Pubkey, Account)>> {
        let found = self.inner.program_accounts(program, filters).await?;
        let hidden = |account: &Account| self.blind && account.data.starts_with(ActionMarker::DISCRIMINATOR);
        Ok(found.into_iter().filter(|(_, account)| !hidden(account)).collect())
    }
    async fn latest_blockhash(&self) -> ChainResult<Hash> {
        self.inner.latest_blockhash().await
    }
    async fn simulate(&self, tx: &Transaction) -> ChainResult<Simulation> {
        if self.in_flight.load(Ordering::SeqCst) > 0 {
            self.simulated_meanwhile.fetch_add(1, Ordering::SeqCst);
        }
        self.inner.simulate(tx).await
    }
    async fn send_and_confirm(&self, tx: &Transaction) -> ChainResult<Signature> {
        let now = self.in_flight.fetch_add(1, Ordering::SeqCst) + 1;
        self.most.fetch_max(now, Ordering::SeqCst);
        // A confirmation takes a while on a real cluster: long enough here for the others to start.
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
        let sent = self.inner.send_and_confirm(tx).await;
        self.in_flight.fetch_sub(1, Ordering::SeqCst);
        sent
    }
    async fn signature_status(&self, signature: &Signature) -> ChainResult<Option<Result<(), TransactionError>>> {
        self.inner.signature_status(signature).await
    }
    async fn recent_priority_fees(&self, accounts: &[Pubkey]) -> ChainResult<Vec<u64>> {
        self.fee_lookups.fetch_add(1, Ordering::SeqCst);
        self.inner.recent_priority_fees(accounts).await
    }
    async fn minimum_balance(&self, data_len: usize) -> ChainResult<u64> {
        self.inner.minimum_balance(data_len).await
    }
}

/// The operator launches a meme token and `fans` are to get 1,000 each.
async fn launch_with_airdrop(world: &mut World, fans: &[Pubkey]) -> Pubkey {
    let mint = world.launch_meme(0, 1_000_000).await;
    world.config.airdrops.push(AirdropConfig { name: "fans".into(), mint, recipients: fans.to_vec(), amount: 1_000 });
    mint
}

async fn minted(world: &World, fan: &Pubkey, mint: &Pubkey) -> u64 {
    use spl_token_2022_interface::extension::StateWithExtensions;
    let account = sdk::meme_token_account(fan, mint);
    let Some(account) = world.chain.accounts(&[account]).await.expect("read").remove(0) else { return 0 };
    StateWithExtensions::<spl_token_2022_interface::state::Account>::unpack(&account.data).expect("token").base.amount
}

#[tokio::test]
async fn a_keeper_that_did_not_see_the_others_payment_is_stopped_by_the_chain() {
    let landlord = Pubkey::new_unique();
    let mut world = World::new(&payment("rent", &landlord, RENT, false), 10 * SOL).await;
    let fans = [Pubkey::new_unique(), Pubkey::new_unique()];
    let mint = launch_with_airdrop(&mut world, &fans).await;
    let mut first = world.keeper();
    let mut blind = world.other_keeper(Arc::new(View::new(world.chain.clone(), true)), "blind.jsonl");
    for _ in 0..3 {
        let done = first.tick().await.expect("first keeper");
        let period = format!("pay:rent:{}", world.now().await / HOUR);
        assert!(done.landed.contains(&period), "{done:?}");
        // The second keeper decides the same period (and, at first, the same airdrops) and sends:
        // its transactions fail whole at their markers.
        let late = blind.tick().await.expect("second keeper");
        assert!(late.landed.is_empty(), "nothing lands twice: {late:?}");
        // Blind to markers, it tries the airdrops again each tick; the chain refuses each time.
        assert_eq!(late.done_elsewhere.len(), 1 + fans.len(), "{late:?}");
        assert!(late.done_elsewhere.contains(&period) && late.failed.is_empty(), "{late:?}");
        world.chain.warp_seconds(HOUR).await.expect("next period");
    }
    assert_eq!(world.lamports(landlord).await, 3 * RENT, "three periods, each paid once");
    for fan in &fans {
        assert_eq!(minted(&world, fan, &mint).await, 1_000, "each fan airdropped once");
    }
}

#[tokio::test]
async fn a_keeper_restarted_with_an_empty_journal_pays_nothing_twice() {
    let landlord = Pubkey::new_unique();
    let mut world = World::new(&payment("rent", &landlord, RENT, false), 10 * SOL).await;
    let fans = [Pubkey::new_unique()];
    let mint = launch_with_airdrop(&mut world, &fans).await;
    let done = world.keeper().tick().await.expect("tick");
    assert_eq!(done.landed.len(), 2, "the period and the airdrop: {done:?}");
    // The disk is lost: a new machine, an empty journal, the same treasury and key.
    std::fs::remove_file(world.log_path()).expect("journal gone");
    let mut fresh = world.other_keeper(world.chain.clone(), "new-machine.jsonl");
    let report = fresh.tick().await.expect("tick");
    assert!(report.landed.is_empty() && report.done_elsewhere.is_empty(), "read from the chain: {report:?}");
    assert_eq!(world.lamports(landlord).await, RENT);
    assert_eq!(minted(&world, &fans[0], &mint).await, 1_000);
    // The next period is its to pay, once.
    world.chain.warp_seconds(HOUR).await.expect("next period");
    let period = format!("pay:rent:{}", world.now().await / HOUR);
    assert_eq!(fresh.tick().await.expect("tick").landed, vec![period]);
    assert_eq!(world.lamports(landlord).await, 2 * RENT);
}

#[tokio::test]
async fn two_keepers_ticking_at_once_land_every_action_once() {
    let landlord = Pubkey::new_unique();
    let mut world = World::new(&payment("rent", &landlord, RENT, false), 10 * SOL).await;
    let fans = [Pubkey::new_unique(), Pubkey::new_unique()];
    let mint = launch_with_airdrop(&mut world, &fans).await;
    // Bound by program state: a claim, a grant's release.
    let bounty = world.open_bounty(0, SOL / 10, 5).await;
    let claimant = world.claim(bounty, true).await;
    let now = world.now().await;
    let ixs = ops::grant(&world.t, world.donor.pubkey(), 1, SOL, ReleaseSchedule::Immediate, now + 48 * HOUR, None);
    ops::submit(world.chain.as_ref(), &ixs, &world.donor, &[]).await.expect("grant funded");
    let claimant_before = world.lamports(claimant.pubkey()).await;

    let mut one = world.keeper();
    let mut two = world.other_keeper(world.chain.clone(), "standby.jsonl");
    // Both may report a key landed: the same decision made twice is the same transaction (one
    // signature, which lands once). A different one is refused, by its marker or by the program's
    // state, and counts as done elsewhere, never as a failure. The balances decide.
    let mut raced = 0;
    for _ in 0..2 {
        let (a, b) = tokio::join!(one.tick(), two.tick());
        let (a, b) = (a.expect("tick"), b.expect("tick"));
        assert!(a.failed.is_empty() && b.failed.is_empty(), "{a:?} {b:?}");
        raced += a.done_elsewhere.len() + b.done_elsewhere.len();
        world.chain.warp_seconds(HOUR).await.expect("next period");
    }
    assert!(raced > 0, "the two keepers did race");
    assert_eq!(world.lamports(landlord).await, 2 * RENT, "two periods, each once");
    for fan in &fans {
        assert_eq!(minted(&world, fan, &mint).await, 1_000);
    }
    let claim: Claim = world.account(sdk::claim_address(&bounty, &claimant.pubkey())).await;
    assert_eq!(claim.status, ClaimStatus::Approved);
    assert_eq!(world.lamports(claimant.pubkey()).await, claimant_before + SOL / 10, "the reward once");
    let grant: Grant = world.account(world.t.grant(&world.donor.pubkey(), 1)).await;
    assert_eq!(grant.ledger.released, SOL, "released once, in full");
}

#[tokio::test]
async fn one_keeper_per_journal_and_dry_runs_say_so() {
    let landlord = Pubkey::new_unique();
    let world = World::new(&payment("rent", &landlord, RENT, false), 10 * SOL).await;
    let first = world.keeper();
    let config = world.config.clone();
    let second = covenant_keeper::keeper::Keeper::new(
        world.chain.clone(),
        common::default_model(),
        config,
        world.keeper.insecure_clone(),
        world.t,
        false,
    );
    let error = second.err().expect("the journal is taken").to_string();
    assert!(error.contains("in use by another keeper process") && error.lines().count() == 1, "{error}");
    drop(first);
    let mut dry = world.keeper_with(world.chain.clone(), true);
    let report = dry.tick().await.expect("a dry run");
    assert!(report.landed.is_empty() && !report.not_sent.is_empty(), "{report:?}");
    let log = std::fs::read_to_string(world.log_path()).expect("log");
    let decisions: Vec<serde_json::Value> = log.lines().map(|line| serde_json::from_str(line).expect("JSON")).collect();
    assert!(!decisions.is_empty() && decisions.iter().all(|line| line["dry_run"] == true), "{log}");
    assert_eq!(world.lamports(landlord).await, 0, "nothing signed");
}

/// `count` more treasuries of the world's operator and keeper, set up as the world's (same
/// policy), each vault holding `vault` lamports.
async fn more_treasuries(world: &World, count: u64, vault: u64) -> Vec<covenant::sdk::TreasuryAddresses> {
    let mut created = Vec::new();
    for id in 100..100 + count {
        let mut config = world.config.clone();
        config.treasury.id = id;
        let steps = ops::init_steps(world.chain.as_ref(), &config, world.operator.pubkey(), world.keeper.pubkey())
            .await
            .expect("init steps");
        for step in steps {
            ops::submit(world.chain.as_ref(), &step.instructions, &world.operator, &[]).await.expect("created");
        }
        let t = covenant::sdk::TreasuryAddresses::new(world.operator.pubkey(), id);
        let donation = ops::donate(&t, world.donor.pubkey(), vault, String::new());
        ops::submit(world.chain.as_ref(), &donation, &world.donor, &[]).await.expect("funded");
        created.push(t);
    }
    created
}

fn fleet_keeper(world: &World, treasuries: Vec<covenant::sdk::TreasuryAddresses>, journal: &str) -> Keeper {
    fleet_on(world, world.chain.clone(), treasuries, journal, 32)
}

fn fleet_on(
    world: &World,
    chain: Arc<dyn Chain>,
    treasuries: Vec<covenant::sdk::TreasuryAddresses>,
    journal: &str,
    max_in_flight: usize,
) -> Keeper {
    let mut config = world.config.clone();
    config.run.decision_log = world.dir.path().join(journal);
    config.run.max_in_flight = max_in_flight;
    Keeper::fleet(chain, common::default_model(), config, world.keeper.insecure_clone(), treasuries, false)
        .expect("fleet starts")
        .with_proof_reader(world.reader())
}

#[tokio::test]
async fn a_fleet_split_over_two_shards_and_an_overlapping_third_pays_each_treasury_once_per_period() {
    let landlord = Pubkey::new_unique();
    let world = World::new(&payment("rent", &landlord, RENT, false), 10 * SOL).await;
    more_treasuries(&world, 7, 10 * SOL).await;
    // `--all`: every treasury whose keeper is this key, found with one scan.
    let all = covenant_keeper::fleet::discover(world.chain.as_ref(), &world.keeper.pubkey()).await.expect("scan");
    assert_eq!(all.len(), 8, "the world's treasury and seven more");
    let shard = |index| covenant_keeper::fleet::Shard { index, count: 2 };
    let (zero, one) = (
        covenant_keeper::fleet::shard_of(all.clone(), shard(0)),
        covenant_keeper::fleet::shard_of(all.clone(), shard(1)),
    );
    assert_eq!(zero.len() + one.len(), all.len(), "every treasury in exactly one shard");
    assert!(!zero.is_empty() && !one.is_empty(), "both shards have work");
    let vaults_before: Vec<u64> = futures::future::join_all(all.iter().map(|t| world.lamports(t.vault))).await;

    let mut a = fleet_keeper(&world, zero, "shard-0.jsonl");
    let mut b = fleet_keeper(&world, one, "shard-1.jsonl");
    // Mid re-shard: a process still running the old single shard keeps all of them.
    let mut overlap = fleet_keeper(&world, all.clone(), "old-shard.jsonl");
    for _ in 0..2 {
        let (ra, rb, rc) = tokio::join!(a.tick(), b.tick(), overlap.tick());
        for report in [ra.expect("tick"), rb.expect("tick"), rc.expect("tick")] {
            assert!(report.failed.is_empty() && report.refused.is_empty(), "{report:?}");
            // A fleet's journal and report keys name their treasury.
            assert!(report.landed.iter().all(|key| key.contains("/pay:rent:")), "{report:?}");
        }
        world.chain.warp_seconds(HOUR).await.expect("next period");
    }
    assert_eq!(world.lamports(landlord).await, 2 * 8 * RENT, "two periods of eight treasuries, each once");
    for (t, before) in all.iter().zip(vaults_before) {
        assert_eq!(world.lamports(t.vault).await, before - 2 * RENT, "{}: its own two periods", t.treasury);
    }
    let metrics = a.metrics().render();
    let kept = a.treasuries().len();
    assert!(metrics.contains(&format!("covenant_keeper_treasuries {kept}")), "{metrics}");
}

#[tokio::test]
async fn a_fleet_sends_its_treasuries_at_once_within_its_in_flight_bound() {
    let landlord = Pubkey::new_unique();
    let world = World::new(&payment("rent", &landlord, RENT, false), 10 * SOL).await;
    more_treasuries(&world, 5, 10 * SOL).await;
    let all = covenant_keeper::fleet::discover(world.chain.as_ref(), &world.keeper.pubkey()).await.expect("scan");
    let view = Arc::new(View::new(world.chain.clone(), false));
    let mut fleet = fleet_on(&world, view.clone(), all, "fleet.jsonl", 3);
    let report = fleet.tick().await.expect("tick");
    assert_eq!(report.landed.len(), 6, "{report:?}");
    assert_eq!(view.most.load(Ordering::SeqCst), 3, "three at a time, never more");
    assert_eq!(view.fee_lookups.load(Ordering::SeqCst), 2, "one fee lookup per batch of three");
    // The second batch was simulated and signed while the first confirmed; never sent meanwhile.
    assert!(view.simulated_meanwhile.load(Ordering::SeqCst) >= 1, "prepared while the first batch was in flight");
    assert_eq!(world.lamports(landlord).await, 6 * RENT);
    // The whole wave's intents reached the journal before any of them was sent.
    let log = std::fs::read_to_string(world.dir.path().join("fleet.jsonl")).expect("journal");
    let kinds: Vec<String> = log
        .lines()
        .filter_map(|line| serde_json::from_str::<serde_json::Value>(line).ok())
        .filter_map(|line| line["type"].as_str().map(String::from))
        .filter(|kind| kind != "decision")
        .collect();
    assert_eq!(kinds[..3], ["intent", "intent", "intent"], "{kinds:?}");
}

#[tokio::test]
async fn journal_keys_are_scoped_for_every_treasury_but_the_configs_own() {
    let landlord = Pubkey::new_unique();
    let world = World::new(&payment("rent", &landlord, RENT, false), 10 * SOL).await;
    let other = more_treasuries(&world, 1, 10 * SOL).await;
    // A shard that happens to hold one treasury still scopes its keys: they must not change when
    // the shard grows.
    let mut alone = fleet_keeper(&world, other.clone(), "alone.jsonl");
    let report = alone.tick().await.expect("tick");
    assert_eq!(report.landed.len(), 1, "{report:?}");
    assert!(report.landed[0].starts_with(&format!("{}/pay:rent:", other[0].treasury)), "{report:?}");
    // The config's own treasury keeps the keys a one-treasury journal always had, in a fleet too.
    let mut config = world.config.clone();
    config.run.decision_log = world.dir.path().join("own.jsonl");
    let mut fleet = Keeper::fleet(
        world.chain.clone(),
        common::default_model(),
        config,
        world.keeper.insecure_clone(),
        vec![world.t, other[0]],
        false,
    )
    .expect("fleet starts")
    .owning(world.t.treasury);
    let report = fleet.tick().await.expect("tick");
    assert_eq!(report.landed.len(), 1, "the other treasury's period was already paid: {report:?}");
    assert!(report.landed[0].starts_with("pay:rent:"), "{report:?}");
    assert_eq!(world.lamports(landlord).await, 2 * RENT);
}

#[test]
fn journal_keys_are_read_back_to_their_treasury() {
    use covenant_keeper::keeper::{by_treasury, split_scope};
    let (own, other) = (Pubkey::new_unique(), Pubkey::new_unique());
    let keys: std::collections::HashSet<String> = [
        "pay:rent:3".to_string(),
        format!("{other}/pay:rent:3"),
        // A schedule named with a slash is still the config's own treasury's.
        "pay:gpu/a100:1".to_string(),
        format!("{other}/airdrop:fans:{own}"),
    ]
    .into();
    let split = by_treasury(keys.clone(), Some(own));
    assert_eq!(split[&own], ["pay:rent:3".to_string(), "pay:gpu/a100:1".to_string()].into());
    assert_eq!(split[&other], ["pay:rent:3".to_string(), format!("airdrop:fans:{own}")].into());
    // Without an own treasury, unscoped keys belong to nobody.
    let split = by_treasury(keys, None);
    assert_eq!(split.len(), 1);
    assert_eq!(split_scope(&format!("{other}/execute:4"), None), (Some(other), "execute:4"));
    assert_eq!(split_scope("execute:4", Some(own)), (Some(own), "execute:4"));
}

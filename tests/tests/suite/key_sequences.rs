//! What each key can do at worst, under random sequences: seeded runs of pause, queue (ordinary
//! and guardian overrides), cancel (by the guardian and the operator), execute, keeper rotation,
//! marks (by current and rotated-out keepers, at any sequence) and clock jumps, each checked
//! against a reference model. Invariants:
//! 1. only a matured request that is still valid (same state, same pause, not expired) executes;
//! 2. a guardian alone never freezes funds longer than the bound (timelock + 7 days, plus one
//!    timelock if it pauses again while its removal waits);
//! 3. no marker blocks a rotated keeper's due work.

use std::collections::HashMap;

use covenant::constants::{CONFIG_CHANGE_GRACE_SECONDS, GUARDIAN_OVERRIDE_DELAY_SECONDS};
use covenant::errors::CovenantError;
use covenant::policy::{ConfigChange, PolicyLimits};
use covenant::sdk;
use covenant_tests::bank::SOL;
use covenant_tests::{limits, Harness, Rng, TxFailure};
use solana_instruction_error::InstructionError;
use solana_keypair::Keypair;
use solana_signer::Signer;
use solana_transaction_error::TransactionError;

const TIMELOCK: u32 = 3_600;
const KEYS: [[u8; 32]; 2] = [[3; 32], [4; 32]];

#[derive(Clone)]
struct Request {
    id: u64,
    change: ConfigChange,
    basis: Option<ConfigChange>,
    pause_count: u64,
    overrides: bool,
    queued_at: i64,
    executable_at: i64,
    live: bool,
}

/// The reference model: the treasury's powers as the README states them.
struct Model {
    paused: bool,
    pause_count: u64,
    keeper: usize,
    tenure: u64,
    guardian: Option<usize>,
    timelock: u32,
    requests: Vec<Request>,
    markers: HashMap<[u8; 32], (u64, u64)>,
}

impl Model {
    fn basis(&self, change: &ConfigChange, keepers: &[Keypair], guardians: &[Keypair]) -> Option<ConfigChange> {
        match change {
            ConfigChange::SetKeeper { .. } => Some(ConfigChange::SetKeeper { keeper: keepers[self.keeper].pubkey() }),
            ConfigChange::SetGuardian { .. } => {
                Some(ConfigChange::SetGuardian { guardian: self.guardian.map(|g| guardians[g].pubkey()) })
            }
            ConfigChange::SetConfigTimelock { .. } => Some(ConfigChange::SetConfigTimelock { seconds: self.timelock }),
            _ => None,
        }
    }

    /// What executing `request` at `now` answers, in the order the program checks.
    fn execute(&self, request: &Request, now: i64, basis: Option<ConfigChange>) -> Result<(), CovenantError> {
        if !request.live {
            return Err(CovenantError::ConfigChangeMismatch);
        }
        if request.change == ConfigChange::Unpause && !self.paused {
            return Err(CovenantError::NotPaused);
        }
        let same_pause = request.change != ConfigChange::Unpause || request.pause_count == self.pause_count;
        if request.basis != basis || !same_pause {
            return Err(CovenantError::ConfigChangeStale);
        }
        let extra = if request.overrides { GUARDIAN_OVERRIDE_DELAY_SECONDS } else { 0 };
        let matures = request.executable_at.max(request.queued_at + i64::from(self.timelock) + extra);
        if now < matures {
            return Err(CovenantError::ConfigTimelockActive);
        }
        if now >= matures + CONFIG_CHANGE_GRACE_SECONDS {
            return Err(CovenantError::ConfigChangeExpired);
        }
        if request.change != ConfigChange::Unpause && !request.overrides && self.paused {
            return Err(CovenantError::TreasuryPaused);
        }
        Ok(())
    }
}

fn code(result: &Result<covenant_tests::Events, TxFailure>) -> Option<u32> {
    match result {
        Ok(_) => None,
        Err(failure) => match failure.error {
            TransactionError::InstructionError(_, InstructionError::Custom(code)) => Some(code),
            ref other => panic!("not a program error: {other:?}"),
        },
    }
}

#[track_caller]
fn expect(step: &str, result: &Result<covenant_tests::Events, TxFailure>, predicted: Result<(), CovenantError>) {
    assert_eq!(
        code(result),
        predicted.err().map(u32::from),
        "{step}: model predicted {predicted:?}, chain said {result:?}"
    );
}

/// Which outcomes the runs reached, so the test fails if the generator stops reaching a case.
type Seen = HashMap<String, usize>;

struct Run {
    h: Harness,
    m: Model,
    keepers: Vec<Keypair>,
    guardians: Vec<Keypair>,
    rng: Rng,
    seen: Seen,
}

impl Run {
    async fn new(seed: u64) -> Self {
        let limits = PolicyLimits { allowlist_required: false, ..limits(SOL, 100 * SOL) };
        let mut h = Harness::with_sol_policy(limits, 10 * SOL).await;
        h.as_operator(sdk::set_config_timelock(&h.treasury, TIMELOCK)).await.expect("timelock");
        let mut keepers = vec![h.roles.keeper.insecure_clone()];
        let guardians = vec![h.roles.guardian.insecure_clone(), Keypair::new(), Keypair::new()];
        for _ in 0..3 {
            let keeper = Keypair::new();
            h.bank.transfer(keeper.pubkey(), SOL).await;
            keepers.push(keeper);
        }
        for guardian in &guardians[1..] {
            h.bank.transfer(guardian.pubkey(), SOL).await;
        }
        let m = Model {
            paused: false,
            pause_count: 0,
            keeper: 0,
            tenure: 0,
            guardian: Some(0),
            timelock: TIMELOCK,
            requests: Vec::new(),
            markers: HashMap::new(),
        };
        Self { h, m, keepers, guardians, rng: Rng(seed), seen: Seen::new() }
    }

    async fn queue(&mut self, change: ConfigChange, overrides: bool) {
        let id = self.h.treasury_state().await.next_config_change_id;
        let ix = if overrides {
            sdk::queue_guardian_override(&self.h.treasury, id, change.clone())
        } else {
            sdk::queue_config_change(&self.h.treasury, id, change.clone())
        };
        let result = self.h.as_operator(ix).await;
        let predicted = if change == ConfigChange::Unpause && !self.m.paused {
            Err(CovenantError::NotPaused)
        } else if overrides {
            let escape = match &change {
                ConfigChange::Unpause => self.m.paused,
                ConfigChange::SetGuardian { guardian } => {
                    *guardian != self.m.guardian.map(|g| self.guardians[g].pubkey())
                }
                _ => false,
            };
            if self.m.guardian.is_some() && escape {
                Ok(())
            } else {
                Err(CovenantError::InvalidGuardianOverride)
            }
        } else {
            Ok(())
        };
        self.record("queue", &result, predicted);
        if result.is_ok() {
            let now = self.h.bank.now().await;
            let extra = if overrides { GUARDIAN_OVERRIDE_DELAY_SECONDS } else { 0 };
            self.m.requests.push(Request {
                id,
                basis: self.m.basis(&change, &self.keepers, &self.guardians),
                change,
                pause_count: self.m.pause_count,
                overrides,
                queued_at: now,
                executable_at: now + i64::from(self.m.timelock) + extra,
                live: true,
            });
        }
    }

    async fn execute(&mut self, index: usize) {
        let request = self.m.requests[index].clone();
        let now = self.h.bank.now().await;
        let basis = self.m.basis(&request.change, &self.keepers, &self.guardians);
        let predicted = self.m.execute(&request, now, basis);
        let ix = sdk::execute_config_change(&self.h.treasury, request.id, &request.change);
        let result = self.h.as_operator(ix).await;
        self.record("execute", &result, predicted);
        if result.is_err() {
            return;
        }
        self.m.requests[index].live = false;
        match request.change {
            ConfigChange::Unpause => self.m.paused = false,
            ConfigChange::SetKeeper { keeper } => {
                let next = self.keepers.iter().position(|k| k.pubkey() == keeper).expect("pool keeper");
                if next != self.m.keeper {
                    self.m.tenure += 1;
                    self.m.keeper = next;
                    self.new_keeper_marks_every_key().await;
                }
            }
            ConfigChange::SetGuardian { guardian } => {
                self.m.guardian = guardian.map(|g| self.guardians.iter().position(|k| k.pubkey() == g).expect("pool"));
            }
            ConfigChange::SetConfigTimelock { seconds } => self.m.timelock = seconds,
            _ => unreachable!("not generated"),
        }
    }

    /// Invariant 3: right after a rotation the new keeper's first mark of every key lands,
    /// whatever the old key marked (unless paused, when no keeper action runs).
    async fn new_keeper_marks_every_key(&mut self) {
        for key in KEYS {
            self.mark(self.m.keeper, key, 1).await;
            if !self.m.paused {
                assert_eq!(self.m.markers[&key], (1, self.m.tenure), "a rotated keeper's due work was blocked");
            }
        }
    }

    async fn mark(&mut self, signer: usize, key: [u8; 32], sequence: u64) {
        let keeper = self.keepers[signer].insecure_clone();
        let ix = sdk::mark_action(&self.h.treasury, keeper.pubkey(), key, sequence);
        let result = self.h.bank.send(&[ix], &[&keeper]).await;
        let predicted = if signer != self.m.keeper {
            Err(CovenantError::NotKeeper)
        } else if self.m.paused {
            Err(CovenantError::TreasuryPaused)
        } else {
            match self.m.markers.get(&key) {
                Some(&(last, tenure)) if tenure == self.m.tenure && sequence <= last => {
                    Err(CovenantError::ActionAlreadyMarked)
                }
                _ => Ok(()),
            }
        };
        let rotated_over = self.m.markers.get(&key).is_some_and(|m| m.1 < self.m.tenure) && result.is_ok();
        self.record(if rotated_over { "mark over a rotated key's" } else { "mark" }, &result, predicted);
        if result.is_ok() {
            self.m.markers.insert(key, (sequence, self.m.tenure));
        }
    }

    async fn pause(&mut self) {
        let (signer, key) = match self.m.guardian {
            Some(g) => (self.guardians[g].insecure_clone(), self.guardians[g].pubkey()),
            None => (self.h.roles.operator.insecure_clone(), self.h.roles.operator.pubkey()),
        };
        let result = self.h.bank.send(&[sdk::pause(&self.h.treasury, key)], &[&signer]).await;
        let predicted = if self.m.paused { Err(CovenantError::AlreadyPaused) } else { Ok(()) };
        self.record("pause", &result, predicted);
        if result.is_ok() {
            self.m.paused = true;
            self.m.pause_count += 1;
        }
    }

    async fn cancel(&mut self, index: usize, by_guardian: bool) {
        let request = self.m.requests[index].clone();
        let (signer, predicted) = match (by_guardian, self.m.guardian) {
            (true, Some(g)) if request.overrides => {
                (self.guardians[g].insecure_clone(), Err(CovenantError::GuardianCannotCancelOverride))
            }
            (true, Some(g)) => (self.guardians[g].insecure_clone(), Ok(())),
            _ => (self.h.roles.operator.insecure_clone(), Ok(())),
        };
        let ix = sdk::cancel_config_change(&self.h.treasury, signer.pubkey(), request.id);
        let result = self.h.bank.send(&[ix], &[&signer]).await;
        self.record("cancel", &result, predicted);
        if result.is_ok() {
            self.m.requests[index].live = false;
        }
    }

    #[track_caller]
    fn record(
        &mut self,
        step: &str,
        result: &Result<covenant_tests::Events, TxFailure>,
        predicted: Result<(), CovenantError>,
    ) {
        expect(step, result, predicted);
        *self.seen.entry(format!("{step}: {predicted:?}")).or_default() += 1;
    }

    async fn step(&mut self) {
        let live: Vec<usize> = (0..self.m.requests.len()).filter(|&i| self.m.requests[i].live).collect();
        match self.rng.below(16) {
            0 => self.pause().await,
            1 | 2 => {
                let overrides = self.rng.below(3) == 0;
                self.queue(ConfigChange::Unpause, overrides).await;
            }
            3 | 4 => {
                let keeper = self.keepers[self.rng.below(self.keepers.len() as u64) as usize].pubkey();
                self.queue(ConfigChange::SetKeeper { keeper }, false).await;
            }
            5 => {
                // The current guardian among the choices: overriding to it is no escape.
                let guardian = match self.rng.below(4) {
                    0 => None,
                    g => Some(self.guardians[g as usize - 1].pubkey()),
                };
                let overrides = self.rng.below(2) == 0;
                self.queue(ConfigChange::SetGuardian { guardian }, overrides).await;
            }
            6 => {
                let seconds = [TIMELOCK / 2, TIMELOCK, 2 * TIMELOCK][self.rng.below(3) as usize];
                self.queue(ConfigChange::SetConfigTimelock { seconds }, false).await;
            }
            7..=9 if !self.m.requests.is_empty() => {
                // Mostly live requests, now and then one already gone.
                let index = match live.is_empty() || self.rng.below(6) == 0 {
                    true => self.rng.below(self.m.requests.len() as u64) as usize,
                    false => live[self.rng.below(live.len() as u64) as usize],
                };
                self.execute(index).await;
            }
            10 if !live.is_empty() => {
                let index = live[self.rng.below(live.len() as u64) as usize];
                let by_guardian = self.rng.below(2) == 0;
                self.cancel(index, by_guardian).await;
            }
            11..=13 => {
                let key = KEYS[self.rng.below(2) as usize];
                let signer = if self.rng.below(4) == 0 {
                    self.rng.below(self.keepers.len() as u64) as usize
                } else {
                    self.m.keeper
                };
                let last = self.m.markers.get(&key).map_or(0, |m| m.0);
                let sequence = match self.rng.below(3) {
                    0 => u64::MAX,
                    1 => last.saturating_add(1),
                    _ => 1 + self.rng.below(5),
                };
                self.mark(signer, key, sequence).await;
            }
            _ => {
                let seconds = match self.rng.below(8) {
                    0 => 8 * 86_400,
                    _ => self.rng.below(2 * u64::from(TIMELOCK)) as i64,
                };
                self.h.bank.warp_seconds(seconds).await;
            }
        }
    }

    /// Invariant 2: from any state, the operator alone gets funds moving within the bound while
    /// the guardian (if any) vetoes everything it can and pauses whenever it can.
    async fn escape(&mut self) {
        let start = self.h.bank.now().await;
        let timelock = i64::from(self.m.timelock);
        if self.m.guardian.is_some() {
            let first = self.m.requests.len();
            self.queue(ConfigChange::SetGuardian { guardian: None }, true).await;
            if self.m.paused {
                self.queue(ConfigChange::Unpause, true).await;
            }
            let overrides: Vec<usize> = (first..self.m.requests.len()).collect();
            // The guardian tries to veto them, and pauses whenever it can.
            for &index in &overrides {
                self.cancel(index, true).await;
            }
            self.h.bank.warp_seconds(timelock + GUARDIAN_OVERRIDE_DELAY_SECONDS).await;
            if !self.m.paused {
                self.pause().await;
            }
            for index in overrides {
                self.execute(index).await;
            }
            assert!(self.m.guardian.is_none(), "the override removed the guardian");
        }
        if self.m.paused {
            self.queue(ConfigChange::Unpause, false).await;
            let index = self.m.requests.len() - 1;
            self.h.bank.warp_seconds(i64::from(self.m.timelock)).await;
            self.execute(index).await;
        }
        assert!(!self.h.treasury_state().await.paused);
        let elapsed = self.h.bank.now().await - start;
        assert!(elapsed <= 2 * timelock + GUARDIAN_OVERRIDE_DELAY_SECONDS, "frozen for {elapsed} s");
        let keeper = self.keepers[self.m.keeper].insecure_clone();
        let recipient = Keypair::new().pubkey();
        let spend = sdk::spend_sol(&self.h.treasury, keeper.pubkey(), recipient, SOL / 10, covenant_tests::decision(7));
        self.h.bank.send(&[spend], &[&keeper]).await.expect("funds move again");
        assert_eq!(self.h.bank.lamports(recipient).await, SOL / 10);
    }
}

async fn run(seed: u64) -> Seen {
    let mut run = Run::new(seed).await;
    for _ in 0..80 {
        run.step().await;
    }
    let state = run.h.treasury_state().await;
    assert_eq!((state.paused, state.pause_count, state.keeper_tenure), (run.m.paused, run.m.pause_count, run.m.tenure));
    assert_eq!(state.keeper, run.keepers[run.m.keeper].pubkey());
    assert_eq!(state.guardian, run.m.guardian.map(|g| run.guardians[g].pubkey()));
    run.escape().await;
    assert_eq!(run.h.vault_spendable().await, 10 * SOL - SOL / 10, "nothing else ever left the vault");
    run.seen
}

#[tokio::test]
async fn random_sequences_of_every_keys_powers_match_the_reference_model() {
    let mut seen = Seen::new();
    for seed in 1..=12u64 {
        for (outcome, count) in run(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15)).await {
            *seen.entry(outcome).or_default() += count;
        }
    }
    let wanted = [
        "execute: Ok(())",
        "execute: Err(ConfigChangeStale)",
        "execute: Err(ConfigChangeExpired)",
        "execute: Err(ConfigTimelockActive)",
        "execute: Err(TreasuryPaused)",
        "execute: Err(ConfigChangeMismatch)",
        "queue: Err(InvalidGuardianOverride)",
        "cancel: Err(GuardianCannotCancelOverride)",
        "mark: Err(ActionAlreadyMarked)",
        "mark: Err(NotKeeper)",
        "mark: Err(TreasuryPaused)",
        "mark over a rotated key's: Ok(())",
    ];
    let missed: Vec<&str> = wanted.into_iter().filter(|w| !seen.contains_key(*w)).collect();
    assert!(missed.is_empty(), "outcomes the runs never reached: {missed:?} (reached: {seen:?})");
}

//! The config timelock: every operator instruction and every field it changes is classified as
//! loosening (queued, executable after the timelock, cancellable by the guardian) or tightening
//! (applied at once), and the program's behaviour is checked for each.

use anchor_lang::prelude::Pubkey;
use anchor_lang::solana_program::instruction::Instruction;
use covenant::constants::SOL_ASSET;
use covenant::errors::CovenantError;
use covenant::events::{ConfigChangeCancelled, ConfigChangeExecuted, ConfigChangeQueued, PolicyUpdated};
use covenant::instructions::{AddPayeeArgs, UpdatePayeeArgs};
use covenant::policy::{ConfigChange, PayeeBudget, PolicyLimits};
use covenant::sdk;
use covenant_tests::bank::SOL;
use covenant_tests::{assert_program_error, Harness, DAY};
use solana_keypair::Keypair;
use solana_signer::Signer;

pub(crate) const CONFIG_TIMELOCK: u32 = DAY;

fn base_limits() -> PolicyLimits {
    PolicyLimits {
        per_tx_max: SOL,
        period_seconds: DAY,
        period_cap: 2 * SOL,
        cosign_threshold: Some(SOL / 2),
        timelock_seconds: 3_600,
        allowlist_required: true,
    }
}

/// A treasury with a SOL policy, a budgeted payee and a guardian, under a one-day config timelock.
pub(crate) struct Guarded {
    pub h: Harness,
    pub dev: Pubkey,
    pub dev_expiry: i64,
}

impl Guarded {
    pub(crate) async fn new() -> Self {
        let mut h = Harness::with_sol_policy(base_limits(), 10 * SOL).await;
        let dev = Keypair::new().pubkey();
        let dev_expiry = h.bank.now().await + 10 * i64::from(DAY);
        let args = AddPayeeArgs {
            recipient: dev,
            label: "image API".into(),
            category: "dev".into(),
            budget: Some(PayeeBudget { asset: SOL_ASSET, amount: SOL }),
            expires_at: Some(dev_expiry),
        };
        h.as_operator(sdk::add_payee(&h.treasury, args)).await.expect("payee");
        // Raising the timelock from 0 is a tightening: it applies at once.
        h.as_operator(sdk::set_config_timelock(&h.treasury, CONFIG_TIMELOCK)).await.expect("timelock set");
        Self { h, dev, dev_expiry }
    }

    fn payee_update(&self, budget: Option<u64>, expires_at: Option<i64>, label: &str) -> Instruction {
        let args = UpdatePayeeArgs {
            label: label.into(),
            category: "dev".into(),
            budget: budget.map(|amount| PayeeBudget { asset: SOL_ASSET, amount }),
            expires_at,
        };
        sdk::update_payee(&self.h.treasury, self.dev, args)
    }

    async fn queue(&mut self, change: ConfigChange) -> (u64, ConfigChangeQueued) {
        let id = self.h.treasury_state().await.next_config_change_id;
        let events = self.h.as_operator(sdk::queue_config_change(&self.h.treasury, id, change)).await;
        (id, events.expect("queued").one::<ConfigChangeQueued>())
    }

    async fn warp_past_timelock(&mut self) {
        self.h.bank.warp_seconds(i64::from(CONFIG_TIMELOCK)).await;
    }
}

fn policy_with(change: impl Fn(&mut PolicyLimits)) -> PolicyLimits {
    let mut limits = base_limits();
    change(&mut limits);
    limits
}

/// One row: an operator instruction with one change, and whether it loosens.
struct Row {
    what: &'static str,
    loosens: bool,
    ix: Instruction,
}

fn rows(g: &Guarded) -> Vec<Row> {
    let t = &g.h.treasury;
    let policy = |what, loosens, limits| Row { what, loosens, ix: sdk::update_policy(t, SOL_ASSET, limits) };
    let far = g.dev_expiry + i64::from(DAY);
    let near = g.dev_expiry - i64::from(DAY);
    let mut other_asset_budget = g.payee_update(Some(SOL), Some(g.dev_expiry), "image API");
    other_asset_budget.data = anchor_lang::InstructionData::data(&covenant::instruction::UpdatePayee {
        args: UpdatePayeeArgs {
            label: "image API".into(),
            category: "dev".into(),
            budget: Some(PayeeBudget { asset: Keypair::new().pubkey(), amount: SOL }),
            expires_at: Some(g.dev_expiry),
        },
    });
    vec![
        policy("per-tx max up", true, policy_with(|l| l.per_tx_max = 3 * SOL / 2)),
        policy("per-tx max down", false, policy_with(|l| l.per_tx_max = 4 * SOL / 5)),
        policy("period cap up", true, policy_with(|l| l.period_cap = 3 * SOL)),
        policy("period cap down", false, policy_with(|l| l.period_cap = 3 * SOL / 2)),
        policy("period shorter", true, policy_with(|l| l.period_seconds = DAY / 2)),
        policy("period longer", false, policy_with(|l| l.period_seconds = 2 * DAY)),
        policy("co-sign threshold up", true, policy_with(|l| l.cosign_threshold = Some(4 * SOL / 5))),
        policy("co-sign threshold down", false, policy_with(|l| l.cosign_threshold = Some(SOL / 4))),
        policy("co-sign threshold removed", true, policy_with(|l| l.cosign_threshold = None)),
        policy("spend timelock shorter", true, policy_with(|l| l.timelock_seconds = 60)),
        policy("spend timelock longer", false, policy_with(|l| l.timelock_seconds = 7_200)),
        policy("allowlist off", true, policy_with(|l| l.allowlist_required = false)),
        policy("no change", false, base_limits()),
        Row {
            what: "payee budget up",
            loosens: true,
            ix: g.payee_update(Some(2 * SOL), Some(g.dev_expiry), "image API"),
        },
        Row {
            what: "payee budget down",
            loosens: false,
            ix: g.payee_update(Some(SOL / 2), Some(g.dev_expiry), "image API"),
        },
        Row { what: "payee budget removed", loosens: true, ix: g.payee_update(None, Some(g.dev_expiry), "image API") },
        Row { what: "payee budget in another asset", loosens: true, ix: other_asset_budget },
        Row { what: "payee expiry later", loosens: true, ix: g.payee_update(Some(SOL), Some(far), "image API") },
        Row { what: "payee expiry earlier", loosens: false, ix: g.payee_update(Some(SOL), Some(near), "image API") },
        Row { what: "payee expiry removed", loosens: true, ix: g.payee_update(Some(SOL), None, "image API") },
        Row { what: "payee label only", loosens: false, ix: g.payee_update(Some(SOL), Some(g.dev_expiry), "renamed") },
        Row {
            what: "new payee",
            loosens: true,
            ix: sdk::add_payee(
                t,
                AddPayeeArgs {
                    recipient: Keypair::new().pubkey(),
                    label: "x".into(),
                    category: "dev".into(),
                    budget: None,
                    expires_at: None,
                },
            ),
        },
        Row { what: "payee removed", loosens: false, ix: sdk::remove_payee(t, g.dev) },
        Row { what: "policy closed", loosens: false, ix: sdk::close_policy(t, SOL_ASSET) },
        Row { what: "new keeper", loosens: true, ix: sdk::set_keeper(t, Keypair::new().pubkey()) },
        Row { what: "guardian replaced", loosens: true, ix: sdk::set_guardian(t, Some(Keypair::new().pubkey())) },
        Row { what: "guardian removed", loosens: true, ix: sdk::set_guardian(t, None) },
        Row { what: "config timelock shorter", loosens: true, ix: sdk::set_config_timelock(t, CONFIG_TIMELOCK - 1) },
        Row { what: "config timelock longer", loosens: false, ix: sdk::set_config_timelock(t, CONFIG_TIMELOCK * 2) },
    ]
}

#[tokio::test]
async fn every_operator_change_is_queued_when_it_loosens_and_immediate_when_it_tightens() {
    let count = rows(&Guarded::new().await).len();
    for index in 0..count {
        let mut g = Guarded::new().await;
        let row = rows(&g).swap_remove(index);
        let result = g.h.as_operator(row.ix).await;
        if row.loosens {
            assert_program_error(result, CovenantError::ConfigTimelockRequired);
        } else {
            result.unwrap_or_else(|failure| panic!("{} should apply at once: {failure:?}", row.what));
        }
    }
}

#[tokio::test]
async fn a_new_policy_unpausing_and_adding_a_guardian_are_classified_too() {
    let mut g = Guarded::new().await;
    let mint = covenant_tests::tokens::create_mint(&mut g.h.bank, covenant_tests::tokens::TOKEN, 6, &[]).await;
    let new_policy = sdk::create_token_policy(&g.h.treasury, mint, covenant_tests::tokens::TOKEN, base_limits());
    assert_program_error(g.h.as_operator(new_policy).await, CovenantError::ConfigTimelockRequired);

    let guardian = g.h.roles.guardian.pubkey();
    g.h.as_guardian(sdk::pause(&g.h.treasury, guardian)).await.expect("pause is immediate");
    assert_program_error(g.h.as_operator(sdk::unpause(&g.h.treasury)).await, CovenantError::ConfigTimelockRequired);

    // Without a guardian, adding one tightens.
    g.h.as_operator(sdk::queue_config_change(&g.h.treasury, 0, ConfigChange::SetGuardian { guardian: None }))
        .await
        .expect("queued");
    let unpause = g.queue(ConfigChange::Unpause).await.0;
    g.warp_past_timelock().await;
    let t = g.h.treasury;
    g.h.as_operator(sdk::execute_config_change(&t, unpause, &ConfigChange::Unpause)).await.expect("unpaused");
    g.h.as_operator(sdk::execute_config_change(&t, 0, &ConfigChange::SetGuardian { guardian: None }))
        .await
        .expect("guardian removed after the timelock");
    assert_eq!(g.h.treasury_state().await.guardian, None);
    g.h.as_operator(sdk::set_guardian(&t, Some(guardian))).await.expect("adding a guardian is immediate");
}

#[tokio::test]
async fn a_stolen_operator_key_waits_in_public_and_the_guardian_cancels_it() {
    let mut g = Guarded::new().await;
    let thief = Keypair::new().pubkey();
    let t = g.h.treasury;
    let wide_open = PolicyLimits {
        per_tx_max: 10 * SOL,
        period_cap: 10 * SOL,
        cosign_threshold: None,
        allowlist_required: false,
        ..base_limits()
    };
    // With the operator key, the thief tries the direct way first, then queues.
    let direct = sdk::update_policy(&t, SOL_ASSET, wide_open);
    assert_program_error(g.h.as_operator(direct).await, CovenantError::ConfigTimelockRequired);
    let loosen = ConfigChange::UpdatePolicy { asset: SOL_ASSET, limits: wide_open };
    let (policy_id, queued) = g.queue(loosen.clone()).await;
    assert_eq!(queued.old, Some(ConfigChange::UpdatePolicy { asset: SOL_ASSET, limits: base_limits() }));
    assert_eq!(queued.new, loosen);
    assert_eq!(queued.executable_at, g.h.bank.now().await + i64::from(CONFIG_TIMELOCK));
    let add_thief = ConfigChange::AddPayee {
        recipient: thief,
        label: "totally legit".into(),
        category: "dev".into(),
        budget: None,
        expires_at: None,
    };
    let (payee_id, _) = g.queue(add_thief.clone()).await;
    let early = sdk::execute_config_change(&t, policy_id, &loosen);
    assert_program_error(g.h.as_operator(early).await, CovenantError::ConfigTimelockActive);

    // The guardian sees both in the queue and vetoes them; the rent goes back to the operator.
    let operator_before = g.h.bank.lamports(t.operator).await;
    let guardian = g.h.roles.guardian.pubkey();
    for (id, change) in [(policy_id, &loosen), (payee_id, &add_thief)] {
        let cancelled = g.h.as_guardian(sdk::cancel_config_change(&t, guardian, id)).await.expect("vetoed");
        let cancelled = cancelled.one::<ConfigChangeCancelled>();
        assert_eq!((cancelled.id, &cancelled.change, cancelled.cancelled_by), (id, change, guardian));
        assert!(!g.h.bank.exists(t.config_change(id)).await);
    }
    assert!(g.h.bank.lamports(t.operator).await > operator_before);

    g.warp_past_timelock().await;
    let late = sdk::execute_config_change(&t, policy_id, &loosen);
    assert_program_error(g.h.as_operator(late).await, CovenantError::ConfigChangeMismatch);
    assert_eq!(g.h.sol_policy().await.limits, base_limits());
    assert!(!g.h.bank.exists(t.payee(&thief)).await);
    let stranger = g.h.roles.stranger.pubkey();
    let (id, _) = g.queue(loosen).await;
    let not_theirs = sdk::cancel_config_change(&t, stranger, id);
    assert_program_error(g.h.as_stranger(not_theirs).await, CovenantError::NotGuardianOrOperator);
}

#[tokio::test]
async fn a_queued_change_executes_exactly_as_queued_after_the_timelock() {
    let mut g = Guarded::new().await;
    let t = g.h.treasury;
    let raised = policy_with(|l| l.period_cap = 3 * SOL);
    let change = ConfigChange::UpdatePolicy { asset: SOL_ASSET, limits: raised };
    let (id, _) = g.queue(change.clone()).await;
    g.warp_past_timelock().await;

    let swapped = sdk::with_queued_change(
        sdk::update_policy(&t, SOL_ASSET, policy_with(|l| l.period_cap = 4 * SOL)),
        t.config_change(id),
    );
    assert_program_error(g.h.as_operator(swapped).await, CovenantError::ConfigChangeMismatch);

    let operator_before = g.h.bank.lamports(t.operator).await;
    let request_rent = g.h.bank.rent_of(t.config_change(id)).await;
    let events = g.h.as_operator(sdk::execute_config_change(&t, id, &change)).await.expect("executed");
    assert_eq!(events.one::<ConfigChangeExecuted>().id, id);
    let updated = events.one::<PolicyUpdated>();
    assert_eq!((updated.old, updated.new), (base_limits(), raised));
    assert_eq!(g.h.sol_policy().await.limits, raised);
    assert_eq!(g.h.bank.lamports(t.operator).await - operator_before, request_rent);
    // Executed once: the request is gone.
    let again = sdk::execute_config_change(&t, id, &change);
    assert_program_error(g.h.as_operator(again).await, CovenantError::ConfigChangeMismatch);
}

#[tokio::test]
async fn pause_blocks_queued_changes_but_not_a_queued_unpause() {
    let mut g = Guarded::new().await;
    let t = g.h.treasury;
    let keeper = Keypair::new().pubkey();
    let (rotate, _) = g.queue(ConfigChange::SetKeeper { keeper }).await;
    g.h.as_guardian(sdk::pause(&t, g.h.roles.guardian.pubkey())).await.expect("paused");
    let (unpause, _) = g.queue(ConfigChange::Unpause).await;
    g.warp_past_timelock().await;
    let rotate_ix = sdk::execute_config_change(&t, rotate, &ConfigChange::SetKeeper { keeper });
    assert_program_error(g.h.as_operator(rotate_ix.clone()).await, CovenantError::TreasuryPaused);
    g.h.as_operator(sdk::execute_config_change(&t, unpause, &ConfigChange::Unpause)).await.expect("unpaused");
    g.h.as_operator(rotate_ix).await.expect("rotated once unpaused");
    assert_eq!(g.h.treasury_state().await.keeper, keeper);
}

#[tokio::test]
async fn shortening_the_config_timelock_waits_out_the_current_one_and_bounds_hold() {
    let mut g = Guarded::new().await;
    let t = g.h.treasury;
    let change = ConfigChange::SetConfigTimelock { seconds: 60 };
    let (id, _) = g.queue(change.clone()).await;
    g.h.bank.warp_seconds(i64::from(CONFIG_TIMELOCK) - 10).await;
    assert_program_error(
        g.h.as_operator(sdk::execute_config_change(&t, id, &change)).await,
        CovenantError::ConfigTimelockActive,
    );
    g.h.bank.warp_seconds(10).await;
    g.h.as_operator(sdk::execute_config_change(&t, id, &change)).await.expect("shortened");
    assert_eq!(g.h.treasury_state().await.config_timelock_seconds, 60);

    let too_long = covenant::constants::MAX_CONFIG_TIMELOCK_SECONDS + 1;
    assert_program_error(
        g.h.as_operator(sdk::set_config_timelock(&t, too_long)).await,
        CovenantError::InvalidConfigTimelock,
    );
    let next = g.h.treasury_state().await.next_config_change_id;
    let queue = sdk::queue_config_change(&t, next, ConfigChange::SetConfigTimelock { seconds: too_long });
    assert_program_error(g.h.as_operator(queue).await, CovenantError::InvalidConfigTimelock);
    let args = covenant::instructions::CreateTreasuryArgs {
        treasury_id: 9,
        keeper: g.h.roles.keeper.pubkey(),
        guardian: None,
        config_timelock_seconds: too_long,
    };
    assert_program_error(
        g.h.as_operator(sdk::create_treasury(t.operator, args)).await,
        CovenantError::InvalidConfigTimelock,
    );
    let stranger_queue = {
        let mut ix = sdk::queue_config_change(&t, next, ConfigChange::Unpause);
        covenant_tests::swap_account(&mut ix, t.operator, g.h.roles.stranger.pubkey());
        ix
    };
    assert_program_error(g.h.as_stranger(stranger_queue).await, CovenantError::NotOperator);
}

#[tokio::test]
async fn a_request_of_another_treasury_or_for_another_target_is_refused() {
    let mut g = Guarded::new().await;
    let t = g.h.treasury;
    let keeper = Keypair::new().pubkey();
    let (id, _) = g.queue(ConfigChange::SetKeeper { keeper }).await;
    g.warp_past_timelock().await;
    // The same change asked of the guardian's rotation, or with the policy PDA passed as the request.
    let wrong_kind = sdk::with_queued_change(sdk::set_guardian(&t, Some(keeper)), t.config_change(id));
    assert_program_error(g.h.as_operator(wrong_kind).await, CovenantError::ConfigChangeMismatch);
    let not_a_request = sdk::with_queued_change(sdk::set_keeper(&t, keeper), t.policy(&SOL_ASSET));
    assert_program_error(g.h.as_operator(not_a_request).await, CovenantError::ConfigChangeMismatch);
    // Queuing an update for a policy that is not this treasury's is refused.
    let next = g.h.treasury_state().await.next_config_change_id;
    let mut queue =
        sdk::queue_config_change(&t, next, ConfigChange::UpdatePolicy { asset: SOL_ASSET, limits: base_limits() });
    covenant_tests::swap_account(&mut queue, t.policy(&SOL_ASSET), t.payee(&g.dev));
    assert_program_error(g.h.as_operator(queue).await, CovenantError::PolicyAssetMismatch);
    let mut queue = sdk::queue_config_change(
        &t,
        next,
        ConfigChange::UpdatePayee {
            recipient: g.dev,
            label: "x".into(),
            category: "dev".into(),
            budget: None,
            expires_at: None,
        },
    );
    covenant_tests::swap_account(&mut queue, t.payee(&g.dev), t.policy(&SOL_ASSET));
    assert_program_error(g.h.as_operator(queue).await, CovenantError::PayeeAccountMismatch);
    g.h.as_operator(sdk::execute_config_change(&t, id, &ConfigChange::SetKeeper { keeper })).await.expect("rotated");
}

#[tokio::test]
async fn new_payees_and_policies_are_created_by_executing_their_queued_change() {
    let mut g = Guarded::new().await;
    let t = g.h.treasury;
    let fan = Keypair::new().pubkey();
    let add = ConfigChange::AddPayee {
        recipient: fan,
        label: "fan".into(),
        category: "bounty".into(),
        budget: None,
        expires_at: None,
    };
    let mint = covenant_tests::tokens::create_mint(&mut g.h.bank, covenant_tests::tokens::TOKEN, 6, &[]).await;
    let token_policy =
        ConfigChange::CreatePolicy { asset: mint, token_program: covenant_tests::tokens::TOKEN, limits: base_limits() };
    g.h.as_operator(sdk::close_policy(&t, SOL_ASSET)).await.expect("closing a policy is immediate");
    let sol_policy = ConfigChange::CreatePolicy { asset: SOL_ASSET, token_program: SOL_ASSET, limits: base_limits() };
    let mut queued = Vec::new();
    for change in [add, token_policy, sol_policy] {
        queued.push((g.queue(change.clone()).await.0, change));
    }
    g.warp_past_timelock().await;
    for (id, change) in &queued {
        let events = g.h.as_operator(sdk::execute_config_change(&t, *id, change)).await;
        assert_eq!(events.unwrap_or_else(|f| panic!("{change:?}: {f:?}")).one::<ConfigChangeExecuted>().id, *id);
        assert!(!g.h.bank.exists(t.config_change(*id)).await);
    }
    assert_eq!(g.h.payee(fan).await.category, "bounty");
    assert_eq!(g.h.policy(mint).await.limits, base_limits());
    assert_eq!(g.h.sol_policy().await.limits, base_limits());
}

//! Grant escrows (rule 6): funds leave only by schedule to the vault (or to the grant's payees), or
//! back to the donor after expiry; the donor never takes back what was released.

use anchor_lang::error::ErrorCode;
use anchor_lang::prelude::Pubkey;
use anchor_lang::solana_program::instruction::Instruction;
use covenant::errors::CovenantError;
use covenant::events::{GrantClawedBack, GrantClosed, GrantCreated, GrantReleased, GrantSpent};
use covenant::instructions::CreateGrantArgs;
use covenant::policy::{GrantLedger, ReleaseSchedule, Tranche};
use covenant::sdk;
use covenant::state::Grant;
use covenant_tests::bank::{TxFailure, SOL};
use covenant_tests::events::Events;
use covenant_tests::{assert_anchor_error, assert_program_error, decision, limits, Harness, DAY};
use solana_keypair::Keypair;
use solana_signer::Signer;

pub(crate) fn grant_args(grant_id: u64, amount: u64, schedule: ReleaseSchedule, expires_at: i64) -> CreateGrantArgs {
    CreateGrantArgs { grant_id, amount, schedule, payees: Vec::new(), per_tx_cap: None, expires_at }
}

pub(crate) fn tranches(parts: &[(i64, u16)]) -> ReleaseSchedule {
    ReleaseSchedule::Tranches { tranches: parts.iter().map(|&(at, bps)| Tranche { at, bps }).collect() }
}

struct Grants {
    h: Harness,
    now: i64,
}

impl Grants {
    async fn new() -> Self {
        let mut h = Harness::with_sol_policy(limits(10 * SOL, 20 * SOL), 0).await;
        let now = h.bank.now().await;
        Self { h, now }
    }

    async fn create(&mut self, args: CreateGrantArgs) -> Result<Events, TxFailure> {
        let ixs = sdk::create_grant(&self.h.treasury, self.h.roles.donor.pubkey(), None, args);
        let donor = self.h.roles.donor.insecure_clone();
        self.h.bank.send(&ixs, &[&donor]).await
    }

    fn address(&self, grant_id: u64) -> Pubkey {
        self.h.treasury.grant(&self.h.roles.donor.pubkey(), grant_id)
    }

    fn release_ix(&self, grant_id: u64) -> Instruction {
        sdk::release_grant(&self.h.treasury, self.h.roles.stranger.pubkey(), self.address(grant_id), None)
    }

    async fn release(&mut self, grant_id: u64) -> Result<Events, TxFailure> {
        let ix = self.release_ix(grant_id);
        self.h.as_stranger(ix).await
    }

    async fn ledger(&mut self, grant_id: u64) -> GrantLedger {
        self.h.bank.account::<Grant>(self.address(grant_id)).await.ledger
    }

    async fn warp_to(&mut self, at: i64) {
        let now = self.h.bank.now().await;
        self.h.bank.warp_seconds(at - now).await;
    }
}

#[tokio::test]
async fn an_immediate_grant_releases_everything_once_and_closes_for_rent() {
    let mut g = Grants::new().await;
    let expires = g.now + 30 * i64::from(DAY);
    let created = g.create(grant_args(0, 5 * SOL, ReleaseSchedule::Immediate, expires)).await.expect("created");
    let event = created.one::<GrantCreated>();
    assert_eq!((event.amount, event.donor, event.expires_at), (5 * SOL, g.h.roles.donor.pubkey(), expires));

    let released = g.release(0).await.expect("released").one::<GrantReleased>();
    assert_eq!((released.amount, released.ledger.released), (5 * SOL, 5 * SOL));
    assert_eq!(g.h.vault_spendable().await, 5 * SOL, "all of it reached the vault");
    assert_program_error(g.release(0).await, CovenantError::NothingDue);

    let donor = g.h.roles.donor.pubkey();
    let close = sdk::close_grant(&g.h.treasury, g.address(0), donor, None);
    let rent = g.h.bank.lamports(g.address(0)).await;
    let before = g.h.bank.lamports(donor).await;
    let closed = g.h.as_donor(close).await.expect("closed").one::<GrantClosed>();
    assert_eq!(closed.ledger, GrantLedger { funded: 5 * SOL, released: 5 * SOL, spent: 0, clawed_back: 0 });
    assert_eq!(g.h.bank.lamports(donor).await, before + rent);
}

#[tokio::test]
async fn linear_vesting_in_many_small_releases_equals_one_big_one() {
    let mut g = Grants::new().await;
    let (start, end) = (g.now + 100, g.now + 100 + 7 * i64::from(DAY));
    let amount = 3 * SOL + 7; // not a multiple of the duration: rounding must never overpay
    let linear = ReleaseSchedule::Linear { start, end };
    g.create(grant_args(0, amount, linear.clone(), end + DAY as i64)).await.expect("stepwise grant");
    g.create(grant_args(1, amount, linear, end + DAY as i64)).await.expect("lump grant");
    assert_program_error(g.release(0).await, CovenantError::NothingDue);

    let mut at = start;
    for step in 1..=20 {
        at += 1 + (step * 7_919) % 40_000;
        g.warp_to(at.min(end - 1)).await;
        if let Err(failure) = g.release(0).await {
            assert_program_error::<()>(Err(failure), CovenantError::NothingDue);
        }
        let ledger = g.ledger(0).await;
        assert!(ledger.released <= amount, "never more than funded");
    }
    g.release(1).await.expect("one release at the same time");
    assert_eq!(g.ledger(0).await.released, g.ledger(1).await.released, "same total however it is cranked");

    g.warp_to(end).await;
    g.release(0).await.expect("the rest");
    g.release(1).await.expect("the rest");
    assert_eq!((g.ledger(0).await.released, g.ledger(1).await.released), (amount, amount));
    assert_eq!(g.h.vault_spendable().await, 2 * amount);
}

#[tokio::test]
async fn tranches_release_on_their_dates_and_a_top_up_vests_on_the_same_schedule() {
    let mut g = Grants::new().await;
    let day = i64::from(DAY);
    let schedule = tranches(&[(g.now + day, 2_500), (g.now + 2 * day, 2_500), (g.now + 3 * day, 5_000)]);
    g.create(grant_args(0, 4 * SOL, schedule, g.now + 10 * day)).await.expect("created");
    assert_program_error(g.release(0).await, CovenantError::NothingDue);
    g.warp_to(g.now + day).await;
    assert_eq!(g.release(0).await.expect("first").one::<GrantReleased>().amount, SOL);

    let donor = g.h.roles.donor.pubkey();
    g.h.as_donor(sdk::top_up_grant(g.address(0), donor, None, 4 * SOL)).await.expect("topped up");
    assert_eq!(g.release(0).await.expect("vested share of the top-up").one::<GrantReleased>().amount, SOL);
    g.warp_to(g.now + 2 * day).await;
    assert_eq!(g.release(0).await.expect("second").one::<GrantReleased>().amount, 2 * SOL);
    g.warp_to(g.now + 3 * day).await;
    assert_eq!(g.release(0).await.expect("last").one::<GrantReleased>().amount, 4 * SOL);
    assert_eq!(g.ledger(0).await, GrantLedger { funded: 8 * SOL, released: 8 * SOL, spent: 0, clawed_back: 0 });

    let mut stranger_top_up = sdk::top_up_grant(g.address(0), donor, None, SOL);
    covenant_tests::swap_account(&mut stranger_top_up, donor, g.h.roles.stranger.pubkey());
    assert_program_error(g.h.as_stranger(stranger_top_up).await, CovenantError::NotDonor);
    assert_program_error(
        g.h.as_donor(sdk::top_up_grant(g.address(0), donor, None, 0)).await,
        CovenantError::ZeroAmount,
    );
}

#[tokio::test]
async fn after_expiry_the_donor_claws_back_exactly_the_unreleased_rest() {
    let mut g = Grants::new().await;
    let day = i64::from(DAY);
    let (start, end, expires) = (g.now, g.now + 10 * day, g.now + 4 * day);
    g.create(grant_args(0, 10 * SOL, ReleaseSchedule::Linear { start, end }, expires)).await.expect("created");
    g.warp_to(start + 2 * day).await;
    g.release(0).await.expect("two days vested");
    let donor = g.h.roles.donor.pubkey();
    let grant = g.address(0);
    let claw = || sdk::claw_back_grant(grant, donor, None);
    assert_program_error(g.h.as_donor(claw()).await, CovenantError::GrantNotExpired);

    g.warp_to(expires).await;
    assert_program_error(g.release(0).await, CovenantError::GrantExpired);
    assert_program_error(
        g.h.as_donor(sdk::top_up_grant(g.address(0), donor, None, SOL)).await,
        CovenantError::GrantExpired,
    );
    let mut stranger_claw = claw();
    covenant_tests::swap_account(&mut stranger_claw, donor, g.h.roles.stranger.pubkey());
    assert_program_error(g.h.as_stranger(stranger_claw).await, CovenantError::NotDonor);
    assert_program_error(
        g.h.as_donor(sdk::close_grant(&g.h.treasury, g.address(0), donor, None)).await,
        CovenantError::GrantNotEmpty,
    );

    let before = g.h.bank.lamports(donor).await;
    let clawed = g.h.as_donor(claw()).await.expect("clawed back").one::<GrantClawedBack>();
    assert_eq!(clawed.amount, 8 * SOL, "all but the released 2 SOL");
    assert_eq!(g.h.bank.lamports(donor).await, before + 8 * SOL);
    assert_eq!(g.h.vault_spendable().await, 2 * SOL, "what was released stays with the treasury");
    assert_program_error(g.h.as_donor(claw()).await, CovenantError::NothingDue);
    g.h.as_donor(sdk::close_grant(&g.h.treasury, g.address(0), donor, None)).await.expect("empty: closable");
}

#[tokio::test]
async fn a_restricted_grant_pays_only_its_payees_within_vesting_caps_and_policy() {
    let mut g = Grants::new().await;
    let dev = Keypair::new().pubkey();
    let args = CreateGrantArgs {
        payees: vec![dev],
        per_tx_cap: Some(2 * SOL),
        ..grant_args(
            0,
            10 * SOL,
            ReleaseSchedule::Linear { start: g.now, end: g.now + 10 * i64::from(DAY) },
            g.now + 30 * i64::from(DAY),
        )
    };
    g.create(args).await.expect("created");
    assert_program_error(g.release(0).await, CovenantError::GrantRestricted);

    g.warp_to(g.now + 5 * i64::from(DAY)).await;
    let keeper = g.h.roles.keeper.pubkey();
    let (treasury, grant) = (g.h.treasury, g.address(0));
    let spend = |to: Pubkey, amount, n| {
        sdk::spend_grant(&treasury, keeper, grant, Pubkey::default(), to, None, amount, decision(n))
    };
    let spent = g.h.as_keeper(spend(dev, 2 * SOL, 1)).await.expect("paid the dev").one::<GrantSpent>();
    assert_eq!((spent.amount, spent.ledger.spent, spent.window_spent), (2 * SOL, 2 * SOL, 2 * SOL));
    assert_eq!(g.h.bank.lamports(dev).await, 2 * SOL);
    assert_eq!(g.h.sol_policy().await.window.spent, 2 * SOL, "grant payments count against the policy");

    let stranger = g.h.roles.stranger.pubkey();
    assert_program_error(g.h.as_keeper(spend(stranger, SOL, 2)).await, CovenantError::GrantPayeeNotAllowed);
    assert_program_error(g.h.as_keeper(spend(dev, 2 * SOL + 1, 3)).await, CovenantError::GrantPerTxCapExceeded);
    g.h.as_keeper(spend(dev, 2 * SOL, 4)).await.expect("4 of 5 vested");
    assert_program_error(g.h.as_keeper(spend(dev, SOL + 1, 5)).await, CovenantError::ExceedsVested);
    let mut by_stranger = spend(dev, SOL, 6);
    covenant_tests::swap_account(&mut by_stranger, keeper, stranger);
    assert_program_error(g.h.as_stranger(by_stranger).await, CovenantError::NotKeeper);

    g.warp_to(g.now + 30 * i64::from(DAY)).await;
    let donor = g.h.roles.donor.pubkey();
    let clawed =
        g.h.as_donor(sdk::claw_back_grant(g.address(0), donor, None)).await.expect("clawed").one::<GrantClawedBack>();
    assert_eq!(clawed.amount, 6 * SOL, "never what was paid to the payee");
}

#[tokio::test]
async fn grant_payments_obey_the_treasury_policy_and_unrestricted_grants_are_not_spent_directly() {
    let mut g = Grants::new().await;
    let dev = Keypair::new().pubkey();
    let expires = g.now + 30 * i64::from(DAY);
    let restricted =
        CreateGrantArgs { payees: vec![dev], ..grant_args(0, 30 * SOL, ReleaseSchedule::Immediate, expires) };
    g.create(restricted).await.expect("restricted");
    g.create(grant_args(1, SOL, ReleaseSchedule::Immediate, expires)).await.expect("unrestricted");
    let keeper = g.h.roles.keeper.pubkey();
    let treasury = g.h.treasury;
    let spend = |grant, amount, n| {
        sdk::spend_grant(&treasury, keeper, grant, Pubkey::default(), dev, None, amount, decision(n))
    };
    let (restricted, unrestricted) = (g.address(0), g.address(1));
    assert_program_error(g.h.as_keeper(spend(restricted, 11 * SOL, 1)).await, CovenantError::ExceedsPerTxMax);
    g.h.as_keeper(spend(restricted, 10 * SOL, 2)).await.expect("first");
    g.h.as_keeper(spend(restricted, 10 * SOL, 3)).await.expect("second");
    assert_program_error(g.h.as_keeper(spend(restricted, SOL, 4)).await, CovenantError::ExceedsPeriodCap);
    assert_program_error(g.h.as_keeper(spend(unrestricted, SOL, 5)).await, CovenantError::GrantNotRestricted);
    let guardian = g.h.roles.guardian.pubkey();
    g.h.as_guardian(sdk::pause(&g.h.treasury, guardian)).await.expect("paused");
    g.h.bank.warp_seconds(i64::from(DAY)).await;
    assert_program_error(g.h.as_keeper(spend(restricted, SOL, 6)).await, CovenantError::TreasuryPaused);
    g.release(1).await.expect("releases into a paused vault still arrive");
}

#[tokio::test]
async fn third_parties_cannot_redirect_a_release() {
    let mut g = Grants::new().await;
    g.create(grant_args(0, SOL, ReleaseSchedule::Immediate, g.now + 100)).await.expect("created");
    let mut to_stranger = g.release_ix(0);
    covenant_tests::swap_account(&mut to_stranger, g.h.treasury.vault, g.h.roles.stranger.pubkey());
    assert_anchor_error(g.h.as_stranger(to_stranger).await, ErrorCode::ConstraintSeeds);

    // A treasury the stranger controls cannot release someone else's grant into its own vault.
    let stranger = g.h.roles.stranger.pubkey();
    let create = sdk::create_treasury(
        stranger,
        covenant::instructions::CreateTreasuryArgs {
            treasury_id: 0,
            keeper: Keypair::new().pubkey(),
            guardian: None,
            config_timelock_seconds: 0,
        },
    );
    g.h.as_stranger(create).await.expect("stranger's treasury");
    let theirs = sdk::TreasuryAddresses::new(stranger, 0);
    let ix = sdk::release_grant(&theirs, stranger, g.address(0), None);
    assert_program_error(g.h.as_stranger(ix).await, CovenantError::TreasuryMismatch);
    assert_eq!(g.ledger(0).await.released, 0);
}

#[tokio::test]
async fn malformed_terms_and_schedules_are_refused() {
    let mut g = Grants::new().await;
    let (now, day) = (g.now, i64::from(DAY));
    let immediate = || grant_args(0, SOL, ReleaseSchedule::Immediate, now + day);
    let payee = Keypair::new().pubkey();
    let bad_terms = [
        CreateGrantArgs { amount: 0, ..immediate() },
        CreateGrantArgs { expires_at: now, ..immediate() },
        CreateGrantArgs { payees: (0..5).map(|_| Keypair::new().pubkey()).collect(), ..immediate() },
        CreateGrantArgs { payees: vec![payee, payee], ..immediate() },
        CreateGrantArgs { per_tx_cap: Some(SOL), ..immediate() },
        CreateGrantArgs { payees: vec![payee], per_tx_cap: Some(0), ..immediate() },
    ];
    for args in bad_terms {
        assert_program_error(g.create(args).await, CovenantError::InvalidGrantTerms);
    }
    let bad_schedules = [
        ReleaseSchedule::Linear { start: now + 10, end: now + 10 },
        tranches(&[]),
        tranches(&[(now, 5_000), (now, 5_000)]),
        tranches(&[(now, 0), (now + 1, 10_000)]),
        tranches(&[(now, 5_000), (now + 1, 4_999)]),
        tranches(&(0..9).map(|i| (now + i, 1_111 + u16::from(i == 0))).collect::<Vec<_>>()),
    ];
    for schedule in bad_schedules {
        assert_program_error(
            g.create(grant_args(0, SOL, schedule, now + day)).await,
            CovenantError::InvalidGrantSchedule,
        );
    }
}

//! Disputes (rule 7, optimistic): with a challenge window an approval pays only once the window
//! has passed unchallenged; anyone may challenge it and a rejected claimant may appeal, each with
//! the bounty's bond; the arbiter rules, or the default applies after its deadline. Every path is
//! checked with exact balances and its event.

use anchor_lang::error::ErrorCode;
use anchor_lang::prelude::Pubkey;
use anchor_lang::solana_program::instruction::Instruction;
use covenant::constants::DISPUTE_RULING_SECONDS;
use covenant::errors::CovenantError;
use covenant::events::{ClaimApproved, ClaimPaid, DisputeOpened, DisputeResolved};
use covenant::instructions::CreateBountyArgs;
use covenant::policy::ClaimStatus;
use covenant::sdk;
use covenant::state::{Bounty, Claim, DisputeKind, DisputeState, DisputeTerms};
use covenant_tests::bank::SOL;
use covenant_tests::{assert_anchor_error, assert_program_error, decision, limits, Harness, DAY};
use solana_keypair::Keypair;
use solana_signer::Signer;

use crate::bounties::{bounty_args, claim, funded_fan};

pub(crate) const REWARD: u64 = SOL / 10;
pub(crate) const BOND: u64 = SOL / 20;
pub(crate) const WINDOW: i64 = 3_600;

pub(crate) fn terms() -> DisputeTerms {
    DisputeTerms { challenge_window: WINDOW, bond: BOND, arbiter: None }
}

/// A SOL treasury with one keeper bounty (`max_claims` x 0.1 SOL) that takes disputes, ruled by
/// the guardian.
pub(crate) struct Disputed {
    pub h: Harness,
    pub bounty: Pubkey,
    pub deadline: i64,
}

impl Disputed {
    pub async fn open(max_claims: u32) -> Self {
        let mut h = Harness::with_sol_policy(limits(10 * SOL, 20 * SOL), 50 * SOL).await;
        let deadline = h.bank.now().await + i64::from(DAY);
        let keeper = h.roles.keeper.pubkey();
        let args = CreateBountyArgs { disputes: terms(), ..bounty_args(REWARD, max_claims, deadline) };
        h.as_keeper(sdk::create_bounty(&h.treasury, keeper, None, 0, args)).await.expect("bounty with disputes");
        let bounty = h.treasury.bounty(0);
        Self { h, bounty, deadline }
    }

    /// A fan whose claim is submitted.
    pub async fn claimant(&mut self) -> Keypair {
        let fan = funded_fan(&mut self.h).await;
        claim(&mut self.h, self.bounty, &fan).await.expect("claimed");
        fan
    }

    pub fn approve(&self, fan: &Keypair) -> Instruction {
        sdk::approve_claim(&self.h.treasury, self.h.roles.keeper.pubkey(), self.bounty, fan.pubkey(), None, decision(1))
    }

    pub fn reject(&self, fan: &Keypair) -> Instruction {
        sdk::reject_claim(&self.h.treasury, self.h.roles.keeper.pubkey(), self.bounty, fan.pubkey(), 3, decision(2))
    }

    pub fn dispute(&self, disputer: Pubkey, fan: &Keypair, bond: u64) -> Instruction {
        sdk::dispute_claim(disputer, self.bounty, fan.pubkey(), bond)
    }

    pub fn rule(&self, arbiter: Pubkey, fan: &Keypair, disputer: Pubkey, overturn: bool) -> Instruction {
        sdk::rule_dispute(&self.h.treasury, arbiter, self.bounty, fan.pubkey(), disputer, overturn)
    }

    pub fn lapse(&self, fan: &Keypair, disputer: Pubkey) -> Instruction {
        sdk::lapse_dispute(&self.h.treasury, self.h.roles.stranger.pubkey(), self.bounty, fan.pubkey(), disputer)
    }

    pub fn pay(&self, fan: &Keypair) -> Instruction {
        sdk::pay_claim(&self.h.treasury, self.h.roles.stranger.pubkey(), self.bounty, fan.pubkey(), None)
    }

    pub fn guardian(&self) -> Pubkey {
        self.h.roles.guardian.pubkey()
    }

    pub fn stranger(&self) -> Pubkey {
        self.h.roles.stranger.pubkey()
    }

    pub async fn state(&mut self) -> Bounty {
        self.h.bank.account(self.bounty).await
    }

    pub async fn claim_of(&mut self, fan: &Keypair) -> Claim {
        self.h.bank.account(sdk::claim_address(&self.bounty, &fan.pubkey())).await
    }

    pub async fn balance(&mut self, key: Pubkey) -> u64 {
        self.h.bank.lamports(key).await
    }

    pub fn dispute_address(&self, fan: &Keypair) -> Pubkey {
        sdk::dispute_address(&sdk::claim_address(&self.bounty, &fan.pubkey()))
    }
}

#[tokio::test]
async fn an_unchallenged_approval_pays_only_after_the_window_and_only_once() {
    let mut d = Disputed::open(3).await;
    let fan = d.claimant().await;
    let before = d.balance(fan.pubkey()).await;
    let approved = d.h.as_keeper(d.approve(&fan)).await.expect("approved");
    let event = approved.one::<ClaimApproved>();
    let now = d.h.bank.now().await;
    assert_eq!((event.payable_at, event.escrow_left), (now + WINDOW, 3 * REWARD - REWARD));
    assert!(approved.all::<ClaimPaid>().is_empty(), "nothing is paid at approval");
    assert_eq!(d.balance(fan.pubkey()).await, before);
    let state = d.state().await;
    assert_eq!((state.approved_count, state.owed_claims, state.paid), (1, 1, 0));

    assert_program_error(d.h.as_stranger(d.pay(&fan)).await, CovenantError::ClaimNotPayable);
    d.h.bank.warp_seconds(WINDOW - 1).await;
    assert_program_error(d.h.as_stranger(d.pay(&fan)).await, CovenantError::ClaimNotPayable);
    d.h.bank.warp_seconds(1).await;
    let paid = d.h.as_stranger(d.pay(&fan)).await.expect("anyone cranks the payment").one::<ClaimPaid>();
    assert_eq!(
        (paid.claimant, paid.reward, paid.escrow_left, paid.decision),
        (fan.pubkey(), REWARD, 2 * REWARD, decision(1))
    );
    assert_eq!(d.balance(fan.pubkey()).await, before + REWARD);
    assert_program_error(d.h.as_stranger(d.pay(&fan)).await, CovenantError::ClaimNotPayable);
    assert_program_error(d.h.as_stranger(d.dispute(d.stranger(), &fan, BOND)).await, CovenantError::NothingToDispute);
    let state = d.state().await;
    assert_eq!((state.owed_claims, state.paid), (0, REWARD));
}

#[tokio::test]
async fn a_challenge_early_late_or_second_is_refused_and_moves_nothing() {
    let mut d = Disputed::open(3).await;
    let (fan, other) = (d.claimant().await, d.claimant().await);
    let stranger = d.stranger();
    let before = d.balance(stranger).await;
    // Early: a pending claim has no decision to dispute.
    assert_program_error(d.h.as_stranger(d.dispute(stranger, &fan, BOND)).await, CovenantError::NothingToDispute);
    d.h.as_keeper(d.approve(&fan)).await.expect("approved");
    d.h.as_keeper(d.approve(&other)).await.expect("approved");
    // A bond other than the bounty's, either way.
    for wrong in [BOND - 1, BOND + 1, 0] {
        assert_program_error(d.h.as_stranger(d.dispute(stranger, &fan, wrong)).await, CovenantError::WrongBond);
    }
    assert_eq!(d.balance(stranger).await, before, "refusals moved nothing");
    assert!(!d.h.bank.exists(d.dispute_address(&fan)).await);

    let opened = d.h.as_stranger(d.dispute(stranger, &fan, BOND)).await.expect("challenged").one::<DisputeOpened>();
    let now = d.h.bank.now().await;
    assert_eq!(
        (opened.kind, opened.disputer, opened.claimant, opened.bond, opened.arbiter, opened.decision),
        (DisputeKind::Challenge, stranger, fan.pubkey(), BOND, d.guardian(), decision(1))
    );
    assert_eq!(opened.ruling_deadline, now + DISPUTE_RULING_SECONDS);
    let rent = d.h.bank.rent_of(d.dispute_address(&fan)).await;
    assert_eq!(d.balance(d.dispute_address(&fan)).await, rent + BOND, "the dispute holds the bond");
    assert_eq!(d.balance(stranger).await, before - rent - BOND);
    assert_eq!(d.claim_of(&fan).await.dispute, DisputeState::Open);

    // Second: one dispute per claim, by anyone, even the claimant.
    assert_program_error(
        d.h.as_donor(d.dispute(d.h.roles.donor.pubkey(), &fan, BOND)).await,
        CovenantError::DisputeAlreadyOpened,
    );
    // Late: the window of the other approval has closed.
    d.h.bank.warp_seconds(WINDOW).await;
    assert_program_error(
        d.h.as_stranger(d.dispute(stranger, &other, BOND)).await,
        CovenantError::ChallengeWindowClosed,
    );
    // Under dispute, the challenged claim does not pay even after its window.
    assert_program_error(d.h.as_stranger(d.pay(&fan)).await, CovenantError::ClaimNotPayable);
    d.h.as_stranger(d.pay(&other)).await.expect("the unchallenged one pays");
}

#[tokio::test]
async fn an_overturned_approval_returns_the_reward_to_the_escrow_and_the_bond_to_the_challenger() {
    let mut d = Disputed::open(1).await;
    let fan = d.claimant().await;
    d.h.as_keeper(d.approve(&fan)).await.expect("approved");
    let (stranger, guardian) = (d.stranger(), d.guardian());
    let stranger_before = d.balance(stranger).await;
    let fan_before = d.balance(fan.pubkey()).await;
    d.h.as_stranger(d.dispute(stranger, &fan, BOND)).await.expect("challenged");

    // Only the arbiter rules: a stranger (even the challenger) is refused, and so is an unsigned arbiter.
    assert_program_error(d.h.as_stranger(d.rule(stranger, &fan, stranger, true)).await, CovenantError::NotArbiter);
    let mut unsigned = d.rule(guardian, &fan, stranger, true);
    unsigned.accounts[0].is_signer = false;
    assert_anchor_error(d.h.bank.send(&[unsigned], &[]).await, ErrorCode::AccountNotSigner);

    let resolved = d.h.as_guardian(d.rule(guardian, &fan, stranger, true)).await.expect("overturned");
    let event = resolved.one::<DisputeResolved>();
    assert_eq!(
        (event.kind, event.outcome, event.ruled_by, event.bond_to, event.claim_status),
        (DisputeKind::Challenge, DisputeState::Overturned, Some(guardian), stranger, ClaimStatus::Rejected)
    );
    assert_eq!(d.balance(stranger).await, stranger_before, "bond and rent back to the challenger");
    assert_eq!(d.balance(fan.pubkey()).await, fan_before, "the claimant got nothing");
    assert!(!d.h.bank.exists(d.dispute_address(&fan)).await, "the dispute closed");
    let state = d.state().await;
    assert_eq!((state.approved_count, state.owed_claims, state.disputes_open, state.paid), (0, 0, 0, 0));
    let claim = d.claim_of(&fan).await;
    assert_eq!((claim.status, claim.dispute, claim.paid), (ClaimStatus::Rejected, DisputeState::Overturned, false));
    assert_program_error(d.h.as_stranger(d.pay(&fan)).await, CovenantError::ClaimNotPayable);
    // Overturned once is final: the claimant cannot appeal the result.
    assert_program_error(
        d.h.bank.send(&[d.dispute(fan.pubkey(), &fan, BOND)], &[&fan]).await,
        CovenantError::DisputeAlreadyOpened,
    );

    // The freed slot and reward go to the next honest claim.
    let next = d.claimant().await;
    d.h.as_keeper(d.approve(&next)).await.expect("the slot is free again");
}

#[tokio::test]
async fn an_overturned_rejection_pays_the_claim_and_returns_the_appellants_bond() {
    let mut d = Disputed::open(2).await;
    let fan = d.claimant().await;
    d.h.as_keeper(d.reject(&fan)).await.expect("rejected");
    let stranger = d.stranger();
    // Only the claimant appeals a rejection.
    assert_program_error(d.h.as_stranger(d.dispute(stranger, &fan, BOND)).await, CovenantError::NotClaimant);
    let before = d.balance(fan.pubkey()).await;
    let opened = d.h.bank.send(&[d.dispute(fan.pubkey(), &fan, BOND)], &[&fan]).await.expect("appealed");
    assert_eq!(opened.one::<DisputeOpened>().kind, DisputeKind::Appeal);
    let rent = d.h.bank.rent_of(d.dispute_address(&fan)).await;
    assert_eq!(d.balance(fan.pubkey()).await, before - rent - BOND);
    let state = d.state().await;
    assert_eq!((state.appeals_open, state.disputes_open), (1, 1), "the appeal holds a reward");

    let guardian = d.guardian();
    let resolved = d.h.as_guardian(d.rule(guardian, &fan, fan.pubkey(), true)).await.expect("overturned");
    let event = resolved.one::<DisputeResolved>();
    assert_eq!(
        (event.kind, event.outcome, event.bond_to, event.claim_status),
        (DisputeKind::Appeal, DisputeState::Overturned, fan.pubkey(), ClaimStatus::Approved)
    );
    assert_eq!(d.balance(fan.pubkey()).await, before, "bond and rent back");
    let state = d.state().await;
    assert_eq!((state.appeals_open, state.approved_count, state.owed_claims), (0, 1, 1));
    let paid = d.h.as_stranger(d.pay(&fan)).await.expect("payable at once").one::<ClaimPaid>();
    assert_eq!(paid.reward, REWARD);
    assert_eq!(d.balance(fan.pubkey()).await, before + REWARD);
    assert_eq!(d.state().await.paid, REWARD);
}

#[tokio::test]
async fn an_upheld_challenge_pays_the_bond_to_the_claimant_and_an_upheld_appeal_to_the_vault() {
    let mut d = Disputed::open(3).await;
    let (approved, rejected) = (d.claimant().await, d.claimant().await);
    d.h.as_keeper(d.approve(&approved)).await.expect("approved");
    d.h.as_keeper(d.reject(&rejected)).await.expect("rejected");
    let (stranger, guardian, vault) = (d.stranger(), d.guardian(), d.h.treasury.vault);
    d.h.as_stranger(d.dispute(stranger, &approved, BOND)).await.expect("challenged");
    d.h.bank.send(&[d.dispute(rejected.pubkey(), &rejected, BOND)], &[&rejected]).await.expect("appealed");
    let rent = d.h.bank.rent_of(d.dispute_address(&approved)).await;
    let (stranger_before, claimant_before, vault_before) =
        (d.balance(stranger).await, d.balance(approved.pubkey()).await, d.balance(vault).await);
    let appellant_before = d.balance(rejected.pubkey()).await;

    let upheld = d.h.as_guardian(d.rule(guardian, &approved, stranger, false)).await.expect("upheld");
    assert_eq!(upheld.one::<DisputeResolved>().bond_to, approved.pubkey());
    assert_eq!(d.balance(approved.pubkey()).await, claimant_before + BOND, "the claimant takes the bond");
    assert_eq!(d.balance(stranger).await, stranger_before + rent, "the challenger gets only the rent back");
    let upheld = d.h.as_guardian(d.rule(guardian, &rejected, rejected.pubkey(), false)).await.expect("upheld");
    assert_eq!(upheld.one::<DisputeResolved>().outcome, DisputeState::Upheld);
    assert_eq!(d.balance(vault).await, vault_before + BOND, "the treasury takes the appellant's bond");
    assert_eq!(d.balance(rejected.pubkey()).await, appellant_before + rent);

    // The upheld approval pays now, not at the end of its window; the upheld rejection never does.
    d.h.as_stranger(d.pay(&approved)).await.expect("pays after the ruling");
    assert_eq!(d.balance(approved.pubkey()).await, claimant_before + BOND + REWARD);
    assert_program_error(d.h.as_stranger(d.pay(&rejected)).await, CovenantError::ClaimNotPayable);
    let state = d.state().await;
    assert_eq!((state.disputes_open, state.appeals_open, state.owed_claims, state.approved_count), (0, 0, 0, 1));
}

#[tokio::test]
async fn an_absent_arbiter_lets_anyone_apply_the_default_after_the_deadline() {
    let mut d = Disputed::open(2).await;
    let (approved, rejected) = (d.claimant().await, d.claimant().await);
    d.h.as_keeper(d.approve(&approved)).await.expect("approved");
    d.h.as_keeper(d.reject(&rejected)).await.expect("rejected");
    let stranger = d.stranger();
    d.h.as_stranger(d.dispute(stranger, &approved, BOND)).await.expect("challenged");
    d.h.bank.send(&[d.dispute(rejected.pubkey(), &rejected, BOND)], &[&rejected]).await.expect("appealed");
    let (stranger_before, appellant_before) = (d.balance(stranger).await, d.balance(rejected.pubkey()).await);
    let rent = d.h.bank.rent_of(d.dispute_address(&approved)).await;

    assert_program_error(d.h.as_stranger(d.lapse(&approved, stranger)).await, CovenantError::RulingPeriodActive);
    d.h.bank.warp_seconds(DISPUTE_RULING_SECONDS).await;
    let guardian = d.guardian();
    assert_program_error(
        d.h.as_guardian(d.rule(guardian, &approved, stranger, true)).await,
        CovenantError::RulingPeriodOver,
    );
    let lapsed = d.h.as_stranger(d.lapse(&approved, stranger)).await.expect("lapsed").one::<DisputeResolved>();
    assert_eq!(
        (lapsed.outcome, lapsed.ruled_by, lapsed.claim_status),
        (DisputeState::Lapsed, None, ClaimStatus::Approved)
    );
    d.h.as_stranger(d.lapse(&rejected, rejected.pubkey())).await.expect("lapsed");
    assert_eq!(d.balance(stranger).await, stranger_before + BOND + rent, "nobody loses a bond to an absent arbiter");
    assert_eq!(d.balance(rejected.pubkey()).await, appellant_before + BOND + rent);
    let claim_before = d.balance(approved.pubkey()).await;
    d.h.as_stranger(d.pay(&approved)).await.expect("the decision stands and pays");
    assert_eq!(d.balance(approved.pubkey()).await, claim_before + REWARD);
    assert_eq!(d.claim_of(&rejected).await.status, ClaimStatus::Rejected);
    let state = d.state().await;
    assert_eq!((state.disputes_open, state.appeals_open, state.owed_claims), (0, 0, 0));
}

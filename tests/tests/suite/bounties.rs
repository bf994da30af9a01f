//! Bounties and claims (rule 7): each wallet claims once, each claim is paid at most once, a bounty
//! never pays more than `max_claims` rewards or more than it holds, and closing returns exactly the rest.

use anchor_lang::prelude::Pubkey;
use anchor_lang::solana_program::instruction::Instruction;
use covenant::errors::CovenantError;
use covenant::events::{BountyClosed, BountyCreated, ClaimApproved, ClaimClosed, ClaimRejected, ClaimSubmitted};
use covenant::instructions::CreateBountyArgs;
use covenant::policy::{ClaimStatus, PolicyLimits};
use covenant::sdk;
use covenant::state::{Bounty, Claim, DecisionRecord};
use covenant_tests::bank::SOL;
use covenant_tests::{assert_program_error, decision, limits, Harness, DAY};
use solana_keypair::Keypair;
use solana_signer::Signer;
use solana_system_interface::instruction as system_instruction;

const REWARD: u64 = SOL / 10;

pub(crate) fn bounty_args(reward: u64, max_claims: u32, deadline: i64) -> CreateBountyArgs {
    CreateBountyArgs {
        reward,
        max_claims,
        deadline,
        description: "Photo of our poster in the wild".into(),
        decision: DecisionRecord::default(),
        claim_code: false,
        disputes: Default::default(),
    }
}

pub(crate) async fn funded_fan(h: &mut Harness) -> Keypair {
    let fan = Keypair::new();
    let payer = h.bank.payer().pubkey();
    h.bank.send(&[system_instruction::transfer(&payer, &fan.pubkey(), SOL)], &[]).await.expect("fan funded");
    fan
}

pub(crate) async fn claim(
    h: &mut Harness,
    bounty: Pubkey,
    fan: &Keypair,
) -> Result<covenant_tests::Events, covenant_tests::TxFailure> {
    claim_with(h, bounty, fan, proof_of(fan)).await
}

/// Each fan's own photo: its hash is the fan's address (a second fan's claim is not a copy).
pub(crate) fn proof_of(fan: &Keypair) -> [u8; 32] {
    fan.pubkey().to_bytes()
}

pub(crate) async fn claim_with(
    h: &mut Harness,
    bounty: Pubkey,
    fan: &Keypair,
    proof_hash: [u8; 32],
) -> Result<covenant_tests::Events, covenant_tests::TxFailure> {
    let ix = sdk::submit_claim(bounty, fan.pubkey(), format!("ipfs://photo-of-{}", fan.pubkey()), proof_hash);
    h.bank.send(&[ix], &[fan]).await
}

/// A SOL treasury (10 SOL per tx, 20 SOL a day) with one open keeper bounty of `max_claims` x 0.1 SOL.
struct SolBounty {
    h: Harness,
    bounty: Pubkey,
    deadline: i64,
}

impl SolBounty {
    async fn open(policy: PolicyLimits, max_claims: u32) -> Self {
        let mut h = Harness::with_sol_policy(policy, 50 * SOL).await;
        let deadline = h.bank.now().await + i64::from(DAY);
        let keeper = h.roles.keeper.pubkey();
        let ix = sdk::create_bounty(&h.treasury, keeper, None, 0, bounty_args(REWARD, max_claims, deadline));
        h.as_keeper(ix).await.expect("bounty created");
        let bounty = h.treasury.bounty(0);
        Self { h, bounty, deadline }
    }

    fn approve_ix(&self, fan: Pubkey, n: u64) -> Instruction {
        sdk::approve_claim(&self.h.treasury, self.h.roles.keeper.pubkey(), self.bounty, fan, None, decision(n))
    }

    fn reject_ix(&self, fan: Pubkey, reason: u16) -> Instruction {
        sdk::reject_claim(&self.h.treasury, self.h.roles.keeper.pubkey(), self.bounty, fan, reason, decision(99))
    }

    fn close_ix(&self, closer: Pubkey) -> Instruction {
        sdk::close_bounty(&self.h.treasury, closer, self.bounty, self.h.roles.keeper.pubkey(), None)
    }

    async fn state(&mut self) -> Bounty {
        self.h.bank.account(self.bounty).await
    }
}

#[tokio::test]
async fn posting_funds_the_escrow_as_a_spend_and_each_fan_is_paid_once() {
    let mut b = SolBounty::open(limits(10 * SOL, 20 * SOL), 10).await;
    assert_eq!(b.h.vault_spendable().await, 49 * SOL, "funding left the vault");
    assert_eq!(b.h.sol_policy().await.window.spent, SOL, "and counts against the window");
    let state = b.state().await;
    assert_eq!((state.funded, state.reward, state.max_claims, state.id), (SOL, REWARD, 10, 0));
    assert_eq!(b.h.treasury_state().await.next_bounty_id, 1);

    let (alice, bob, carol) = (funded_fan(&mut b.h).await, funded_fan(&mut b.h).await, funded_fan(&mut b.h).await);
    for fan in [&alice, &bob, &carol] {
        let submitted = claim(&mut b.h, b.bounty, fan).await.expect("claimed").one::<ClaimSubmitted>();
        assert_eq!(
            (submitted.bounty, submitted.claimant, submitted.proof_hash),
            (b.bounty, fan.pubkey(), proof_of(fan))
        );
    }
    assert_program_error(claim(&mut b.h, b.bounty, &alice).await, CovenantError::ClaimAlreadySubmitted);

    let before = b.h.bank.lamports(alice.pubkey()).await;
    let approved = b.h.as_keeper(b.approve_ix(alice.pubkey(), 1)).await.expect("approved").one::<ClaimApproved>();
    assert_eq!((approved.reward, approved.approved_count, approved.escrow_left), (REWARD, 1, SOL - REWARD));
    assert_eq!(approved.decision, decision(1));
    assert_eq!(b.h.bank.lamports(alice.pubkey()).await, before + REWARD);
    assert_program_error(b.h.as_keeper(b.approve_ix(alice.pubkey(), 2)).await, CovenantError::ClaimNotPending);
    assert_program_error(b.h.as_keeper(b.reject_ix(alice.pubkey(), 1)).await, CovenantError::ClaimNotPending);
    assert_eq!(b.h.bank.lamports(alice.pubkey()).await, before + REWARD, "paid exactly once");

    b.h.as_keeper(b.approve_ix(bob.pubkey(), 3)).await.expect("approved");
    let rejected = b.h.as_keeper(b.reject_ix(carol.pubkey(), 7)).await.expect("rejected").one::<ClaimRejected>();
    assert_eq!((rejected.claimant, rejected.reason_code), (carol.pubkey(), 7));
    assert_program_error(b.h.as_keeper(b.approve_ix(carol.pubkey(), 4)).await, CovenantError::ClaimNotPending);
    let carol_claim: Claim = b.h.bank.account(sdk::claim_address(&b.bounty, &carol.pubkey())).await;
    assert_eq!((carol_claim.status, carol_claim.reason_code), (ClaimStatus::Rejected, 7));
    let state = b.state().await;
    assert_eq!((state.paid, state.approved_count, state.rejected_count, state.submitted_count), (2 * REWARD, 2, 1, 3));
}

#[tokio::test]
async fn closing_after_the_deadline_returns_exactly_the_rest_and_then_claims_close() {
    let mut b = SolBounty::open(limits(10 * SOL, 20 * SOL), 10).await;
    let fans = [funded_fan(&mut b.h).await, funded_fan(&mut b.h).await];
    for fan in &fans {
        claim(&mut b.h, b.bounty, fan).await.expect("claimed");
    }
    b.h.as_keeper(b.approve_ix(fans[0].pubkey(), 1)).await.expect("approved");
    let cranker = b.h.roles.stranger.pubkey();
    let close_claim = sdk::close_claim(cranker, b.bounty, fans[0].pubkey(), proof_of(&fans[0]));
    assert_program_error(b.h.as_stranger(close_claim.clone()).await, CovenantError::BountyNotClosed);

    let operator = b.h.roles.operator.pubkey();
    assert_program_error(b.h.as_operator(b.close_ix(operator)).await, CovenantError::BountyStillOpen);
    let now = b.h.bank.now().await;
    b.h.bank.warp_seconds(b.deadline - now).await;
    let late = funded_fan(&mut b.h).await;
    assert_program_error(claim(&mut b.h, b.bounty, &late).await, CovenantError::BountyDeadlinePassed);
    // Claims sent in time can still be reviewed after the deadline.
    b.h.as_keeper(b.reject_ix(fans[1].pubkey(), 2)).await.expect("reviewed late");
    assert_program_error(b.h.as_stranger(b.close_ix(cranker)).await, CovenantError::BountyStillOpen);

    let vault_before = b.h.vault_spendable().await;
    let keeper_before = b.h.bank.lamports(b.h.roles.keeper.pubkey()).await;
    let bounty_rent = b.h.bank.lamports(b.bounty).await - (SOL - REWARD);
    let closed = b.h.as_operator(b.close_ix(operator)).await.expect("closed").one::<BountyClosed>();
    assert_eq!((closed.funded, closed.paid, closed.returned), (SOL, REWARD, SOL - REWARD));
    assert_eq!((closed.approved_count, closed.rejected_count), (1, 1));
    assert_eq!(b.h.vault_spendable().await, vault_before + SOL - REWARD, "exactly the rest is back");
    assert_eq!(b.h.bank.lamports(b.h.roles.keeper.pubkey()).await, keeper_before + bounty_rent, "rent to the creator");
    assert!(!b.h.bank.exists(b.bounty).await);

    let fan_before = b.h.bank.lamports(fans[0].pubkey()).await;
    let claim_rent = b.h.bank.lamports(sdk::claim_address(&b.bounty, &fans[0].pubkey())).await;
    let record = sdk::proof_record_address(&b.bounty, &proof_of(&fans[0]));
    let record_rent = b.h.bank.lamports(record).await;
    let closed = b.h.as_stranger(close_claim).await.expect("claim closed").one::<ClaimClosed>();
    assert_eq!(closed.status, ClaimStatus::Approved);
    assert_eq!(b.h.bank.lamports(fans[0].pubkey()).await, fan_before + claim_rent + record_rent);
    assert!(!b.h.bank.exists(record).await, "the proof record closes with its claim");
}

#[tokio::test]
async fn anyone_may_close_after_the_review_period_and_a_full_bounty_closes_at_once() {
    let mut b = SolBounty::open(limits(10 * SOL, 20 * SOL), 1).await;
    let fan = funded_fan(&mut b.h).await;
    claim(&mut b.h, b.bounty, &fan).await.expect("claimed");
    b.h.as_keeper(b.approve_ix(fan.pubkey(), 1)).await.expect("approved");
    let stranger = b.h.roles.stranger.pubkey();
    let closed = b.h.as_stranger(b.close_ix(stranger)).await.expect("full: closable").one::<BountyClosed>();
    assert_eq!(closed.returned, 0);

    let mut b = SolBounty::open(limits(10 * SOL, 20 * SOL), 3).await;
    let stranger = b.h.roles.stranger.pubkey();
    let review_ends = b.deadline + covenant::constants::BOUNTY_REVIEW_SECONDS;
    let now = b.h.bank.now().await;
    b.h.bank.warp_seconds(review_ends - 1 - now).await;
    assert_program_error(b.h.as_stranger(b.close_ix(stranger)).await, CovenantError::BountyStillOpen);
    b.h.bank.warp_seconds(1).await;
    let closed = b.h.as_stranger(b.close_ix(stranger)).await.expect("crank closes").one::<BountyClosed>();
    assert_eq!((closed.returned, closed.closed_by), (3 * REWARD, stranger));
}

#[tokio::test]
async fn the_bounty_never_pays_more_than_max_claims() {
    let mut b = SolBounty::open(limits(10 * SOL, 20 * SOL), 2).await;
    let fans = [funded_fan(&mut b.h).await, funded_fan(&mut b.h).await, funded_fan(&mut b.h).await];
    for fan in &fans {
        claim(&mut b.h, b.bounty, fan).await.expect("claimed");
    }
    b.h.as_keeper(b.approve_ix(fans[0].pubkey(), 1)).await.expect("first");
    b.h.as_keeper(b.approve_ix(fans[1].pubkey(), 2)).await.expect("second");
    assert_program_error(b.h.as_keeper(b.approve_ix(fans[2].pubkey(), 3)).await, CovenantError::BountyFull);
    let late = funded_fan(&mut b.h).await;
    assert_program_error(claim(&mut b.h, b.bounty, &late).await, CovenantError::BountyFull);
    let state = b.state().await;
    assert_eq!((state.paid, state.escrow_left()), (state.funded, 0));
}

#[tokio::test]
async fn only_the_keeper_approves_or_rejects_and_only_keeper_or_operator_posts() {
    let mut b = SolBounty::open(limits(10 * SOL, 20 * SOL), 5).await;
    let fan = funded_fan(&mut b.h).await;
    claim(&mut b.h, b.bounty, &fan).await.expect("claimed");
    for signer in [b.h.roles.operator.insecure_clone(), b.h.roles.guardian.insecure_clone(), fan.insecure_clone()] {
        let approve = sdk::approve_claim(&b.h.treasury, signer.pubkey(), b.bounty, fan.pubkey(), None, decision(1));
        assert_program_error(b.h.bank.send(&[approve], &[&signer]).await, CovenantError::NotKeeper);
        let reject = sdk::reject_claim(&b.h.treasury, signer.pubkey(), b.bounty, fan.pubkey(), 1, decision(1));
        assert_program_error(b.h.bank.send(&[reject], &[&signer]).await, CovenantError::NotKeeper);
    }
    let stranger = b.h.roles.stranger.pubkey();
    let args = bounty_args(REWARD, 1, b.deadline);
    assert_program_error(
        b.h.as_stranger(sdk::create_bounty(&b.h.treasury, stranger, None, 1, args)).await,
        CovenantError::NotKeeperOrOperator,
    );
    // The reward goes to the wallet that claimed, not to whoever the keeper names.
    let mut redirected = b.approve_ix(fan.pubkey(), 5);
    covenant_tests::swap_account(&mut redirected, fan.pubkey(), stranger);
    assert_program_error(b.h.as_keeper(redirected).await, CovenantError::RecipientMismatch);
}

#[tokio::test]
async fn funding_a_bounty_obeys_the_spend_policy() {
    let policy = PolicyLimits { cosign_threshold: Some(2 * SOL), ..limits(3 * SOL, 4 * SOL) };
    let mut h = Harness::with_sol_policy(policy, 50 * SOL).await;
    let deadline = h.bank.now().await + i64::from(DAY);
    let (keeper, operator) = (h.roles.keeper.pubkey(), h.roles.operator.pubkey());
    let treasury = h.treasury;
    let create = |creator, id, reward, claims| {
        sdk::create_bounty(&treasury, creator, None, id, bounty_args(reward, claims, deadline))
    };
    assert_program_error(h.as_keeper(create(keeper, 0, SOL, 3)).await, CovenantError::CosignRequired);
    assert_program_error(h.as_operator(create(operator, 0, SOL, 4)).await, CovenantError::ExceedsPerTxMax);
    h.as_operator(create(operator, 0, SOL, 3)).await.expect("the operator is the co-signer");
    assert_program_error(h.as_keeper(create(keeper, 1, SOL, 2)).await, CovenantError::ExceedsPeriodCap);
    let created = h.as_keeper(create(keeper, 1, SOL, 1)).await.expect("within the window").one::<BountyCreated>();
    assert_eq!((created.id, created.window_spent), (1, 4 * SOL));

    let guardian = h.roles.guardian.pubkey();
    h.as_guardian(sdk::pause(&h.treasury, guardian)).await.expect("paused");
    assert_program_error(h.as_operator(create(operator, 2, 1, 1)).await, CovenantError::TreasuryPaused);
}

#[tokio::test]
async fn under_an_allowlist_only_the_operator_opens_bounties() {
    let policy = PolicyLimits { allowlist_required: true, ..limits(10 * SOL, 20 * SOL) };
    let mut h = Harness::with_sol_policy(policy, 50 * SOL).await;
    let deadline = h.bank.now().await + i64::from(DAY);
    let (keeper, operator) = (h.roles.keeper.pubkey(), h.roles.operator.pubkey());
    let ix = sdk::create_bounty(&h.treasury, keeper, None, 0, bounty_args(REWARD, 2, deadline));
    assert_program_error(h.as_keeper(ix).await, CovenantError::BountyNeedsOperator);
    let ix = sdk::create_bounty(&h.treasury, operator, None, 0, bounty_args(REWARD, 2, deadline));
    h.as_operator(ix).await.expect("operator opens it");
}

#[tokio::test]
async fn bad_terms_and_bad_proofs_are_refused() {
    let mut h = Harness::with_sol_policy(limits(u64::MAX / 2, u64::MAX / 2), 50 * SOL).await;
    let now = h.bank.now().await;
    let operator = h.roles.operator.pubkey();
    let description = "d".repeat(97);
    let bad = [
        bounty_args(0, 1, now + 10),
        bounty_args(1, 0, now + 10),
        bounty_args(1, 10_001, now + 10),
        bounty_args(1, 1, now),
        bounty_args(1, 1, now + 367 * i64::from(DAY)),
        CreateBountyArgs { description, ..bounty_args(1, 1, now + 10) },
    ];
    for args in bad {
        let ix = sdk::create_bounty(&h.treasury, operator, None, 0, args);
        assert_program_error(h.as_operator(ix).await, CovenantError::InvalidBountyTerms);
    }
    let ix = sdk::create_bounty(&h.treasury, operator, None, 0, bounty_args(u64::MAX / 2, 3, now + 10));
    assert_program_error(h.as_operator(ix).await, CovenantError::MathOverflow);

    let ix = sdk::create_bounty(&h.treasury, operator, None, 0, bounty_args(REWARD, 2, now + 100));
    h.as_operator(ix).await.expect("created");
    let fan = funded_fan(&mut h).await;
    for uri in [String::new(), "u".repeat(129)] {
        let ix = sdk::submit_claim(h.treasury.bounty(0), fan.pubkey(), uri, [0; 32]);
        assert_program_error(h.bank.send(&[ix], &[&fan]).await, CovenantError::InvalidProof);
    }
}

#[tokio::test]
async fn a_claim_of_another_bounty_and_a_paused_treasury_are_refused() {
    let mut b = SolBounty::open(limits(10 * SOL, 20 * SOL), 5).await;
    let keeper = b.h.roles.keeper.pubkey();
    let ix = sdk::create_bounty(&b.h.treasury, keeper, None, 1, bounty_args(REWARD, 5, b.deadline));
    b.h.as_keeper(ix).await.expect("second bounty");
    let other = b.h.treasury.bounty(1);
    let fan = funded_fan(&mut b.h).await;
    claim(&mut b.h, other, &fan).await.expect("claims the other bounty");
    let mut ix = b.approve_ix(fan.pubkey(), 1);
    covenant_tests::swap_account(
        &mut ix,
        sdk::claim_address(&b.bounty, &fan.pubkey()),
        sdk::claim_address(&other, &fan.pubkey()),
    );
    assert_program_error(b.h.as_keeper(ix).await, CovenantError::ClaimMismatch);

    claim(&mut b.h, b.bounty, &fan).await.expect("claims this one too");
    let guardian = b.h.roles.guardian.pubkey();
    b.h.as_guardian(sdk::pause(&b.h.treasury, guardian)).await.expect("paused");
    assert_program_error(b.h.as_keeper(b.approve_ix(fan.pubkey(), 2)).await, CovenantError::TreasuryPaused);
    assert_program_error(b.h.as_keeper(b.reject_ix(fan.pubkey(), 1)).await, CovenantError::TreasuryPaused);
}

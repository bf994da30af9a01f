//! One photo pays once: a bounty's proof record per (bounty, proof hash) refuses a second claim
//! with the same file from any wallet; it survives pre-funding and closes with its claim.

use anchor_lang::error::ErrorCode;
use covenant::errors::CovenantError;
use covenant::events::{BountyCreated, ClaimClosed};
use covenant::instructions::CreateBountyArgs;
use covenant::sdk;
use covenant::state::{Bounty, ProofRecord};
use covenant_tests::bank::SOL;
use covenant_tests::{assert_anchor_error, assert_program_error, limits, Harness, DAY};
use solana_signer::Signer;

use crate::bounties::{bounty_args, claim_with, funded_fan, proof_of};

// Enough for a bare system account to exist (a smaller transfer to a new address fails).
const DUST: u64 = 1_000_000;
const PLENTY: u64 = 50_000_000;

async fn open_bounty(h: &mut Harness, id: u64, claim_code: bool) -> (anchor_lang::prelude::Pubkey, i64) {
    let deadline = h.bank.now().await + i64::from(DAY);
    let keeper = h.roles.keeper.pubkey();
    let args = CreateBountyArgs { claim_code, ..bounty_args(SOL / 10, 5, deadline) };
    let created = h.as_keeper(sdk::create_bounty(&h.treasury, keeper, None, id, args)).await.expect("bounty");
    assert_eq!(created.one::<BountyCreated>().claim_code, claim_code);
    (h.treasury.bounty(id), deadline)
}

#[tokio::test]
async fn the_same_file_claimed_by_a_second_wallet_is_refused_and_leaves_nothing() {
    let mut h = Harness::with_sol_policy(limits(10 * SOL, 20 * SOL), 5 * SOL).await;
    let (bounty, _) = open_bounty(&mut h, 0, false).await;
    let (alice, bob) = (funded_fan(&mut h).await, funded_fan(&mut h).await);
    let photo = proof_of(&alice);
    claim_with(&mut h, bounty, &alice, photo).await.expect("first claim of the file");
    let record: ProofRecord = h.bank.account(sdk::proof_record_address(&bounty, &photo)).await;
    assert_eq!((record.bounty, record.proof_hash, record.claimant), (bounty, photo, alice.pubkey()));

    let bob_before = h.bank.lamports(bob.pubkey()).await;
    assert_program_error(claim_with(&mut h, bounty, &bob, photo).await, CovenantError::ProofAlreadyClaimed);
    // Nor can anyone claim in a wallet's name without its signature (its rent would pay the record).
    let mut unsigned = sdk::submit_claim(bounty, bob.pubkey(), "ipfs://bob".into(), proof_of(&bob));
    unsigned.accounts[0].is_signer = false;
    assert_anchor_error(h.bank.send(&[unsigned], &[]).await, ErrorCode::AccountNotSigner);
    assert!(!h.bank.exists(sdk::claim_address(&bounty, &bob.pubkey())).await, "no claim for the copy");
    assert_eq!(h.bank.lamports(bob.pubkey()).await, bob_before, "the refused claimant paid nothing");
    let state: Bounty = h.bank.account(bounty).await;
    assert_eq!(state.submitted_count, 1);

    // Bob's own photo is a new proof; the same file on another bounty is another bounty's business.
    claim_with(&mut h, bounty, &bob, proof_of(&bob)).await.expect("bob's own photo");
    let (other, _) = open_bounty(&mut h, 1, false).await;
    claim_with(&mut h, other, &bob, photo).await.expect("the file on another bounty");
}

#[tokio::test]
async fn a_prefunded_proof_record_is_created_and_its_lamports_go_back_with_the_claim() {
    let mut h = Harness::with_sol_policy(limits(10 * SOL, 20 * SOL), 5 * SOL).await;
    let (bounty, deadline) = open_bounty(&mut h, 0, true).await;
    assert!(h.bank.account::<Bounty>(bounty).await.claim_code, "the bounty asks for claim codes");
    let fan = funded_fan(&mut h).await;
    let photo = proof_of(&fan);
    let record = sdk::proof_record_address(&bounty, &photo);
    h.bank.transfer(record, DUST).await;
    let before = h.bank.lamports(fan.pubkey()).await;
    claim_with(&mut h, bounty, &fan, photo).await.expect("pre-funding cannot block a claim");
    let (claim_rent, record_rent) =
        (h.bank.rent_of(sdk::claim_address(&bounty, &fan.pubkey())).await, h.bank.rent_of(record).await);
    // What was sent beforehand counts towards the rent: the fan pays only the rest.
    assert_eq!(h.bank.lamports(record).await, record_rent);
    assert_eq!(before - h.bank.lamports(fan.pubkey()).await, claim_rent + record_rent - DUST);

    // More than the rent sent beforehand: the record keeps exactly its rent and the rest goes to
    // the claimant who paid for it (as for every account Covenant creates).
    let other = funded_fan(&mut h).await;
    let other_record = sdk::proof_record_address(&bounty, &proof_of(&other));
    h.bank.transfer(other_record, PLENTY).await;
    let other_before = h.bank.lamports(other.pubkey()).await;
    claim_with(&mut h, bounty, &other, proof_of(&other)).await.expect("other claim");
    let other_claim_rent = h.bank.rent_of(sdk::claim_address(&bounty, &other.pubkey())).await;
    assert_eq!(h.bank.lamports(other_record).await, record_rent, "exactly its rent");
    assert_eq!(h.bank.lamports(other.pubkey()).await, other_before - other_claim_rent + (PLENTY - record_rent));
    // Another claim's record cannot stand in for this claim's.
    let now = h.bank.now().await;
    h.bank.warp_seconds(deadline - now).await;
    let operator = h.roles.operator.pubkey();
    let keeper = h.roles.keeper.pubkey();
    h.as_operator(sdk::close_bounty(&h.treasury, operator, bounty, keeper, None)).await.expect("bounty closed");
    let stranger = h.roles.stranger.pubkey();
    let wrong = sdk::close_claim(stranger, bounty, fan.pubkey(), proof_of(&other));
    assert_anchor_error(h.as_stranger(wrong).await, ErrorCode::ConstraintSeeds);

    let before = h.bank.lamports(fan.pubkey()).await;
    let close = sdk::close_claim(stranger, bounty, fan.pubkey(), photo);
    let closed = h.as_stranger(close).await.expect("claim and record closed").one::<ClaimClosed>();
    assert_eq!(closed.claimant, fan.pubkey());
    assert_eq!(h.bank.lamports(fan.pubkey()).await, before + claim_rent + record_rent);
    assert!(!h.bank.exists(record).await);
    let other_before = h.bank.lamports(other.pubkey()).await;
    h.as_stranger(sdk::close_claim(stranger, bounty, other.pubkey(), proof_of(&other))).await.expect("closed");
    assert_eq!(h.bank.lamports(other.pubkey()).await, other_before + other_claim_rent + record_rent);
}

#[tokio::test]
async fn dust_on_a_proof_record_goes_to_its_claimant_and_no_crank_can_send_it_elsewhere() {
    let mut h = Harness::with_sol_policy(limits(10 * SOL, 20 * SOL), 5 * SOL).await;
    let (bounty, deadline) = open_bounty(&mut h, 0, false).await;
    let fan = funded_fan(&mut h).await;
    let photo = proof_of(&fan);
    claim_with(&mut h, bounty, &fan, photo).await.expect("claimed");
    let record = sdk::proof_record_address(&bounty, &photo);
    h.bank.transfer(record, DUST).await;
    let now = h.bank.now().await;
    h.bank.warp_seconds(deadline - now).await;
    let (operator, keeper) = (h.roles.operator.pubkey(), h.roles.keeper.pubkey());
    h.as_operator(sdk::close_bounty(&h.treasury, operator, bounty, keeper, None)).await.expect("bounty closed");

    let stranger = h.roles.stranger.pubkey();
    let mut elsewhere = sdk::close_claim(stranger, bounty, fan.pubkey(), photo);
    covenant_tests::swap_account(&mut elsewhere, fan.pubkey(), stranger);
    assert_program_error(h.as_stranger(elsewhere).await, CovenantError::RentRecipientMismatch);
    let (claim_rent, held) =
        (h.bank.rent_of(sdk::claim_address(&bounty, &fan.pubkey())).await, h.bank.lamports(record).await);
    assert_eq!(held, h.bank.rent_of(record).await + DUST);
    let before = h.bank.lamports(fan.pubkey()).await;
    h.as_stranger(sdk::close_claim(stranger, bounty, fan.pubkey(), photo)).await.expect("closed");
    assert_eq!(h.bank.lamports(fan.pubkey()).await, before + claim_rent + held, "rent and dust, to the claimant");
}

//! Exactly-once keeper actions: `mark_action` in the same transaction as a scheduled payment (or
//! its proposal, or an airdrop) lets it land once per (treasury, key, sequence), whoever races.

use anchor_lang::error::ErrorCode;
use anchor_lang::prelude::Pubkey;
use covenant::errors::CovenantError;
use covenant::events::ActionMarked;
use covenant::instructions::CreateTreasuryArgs;
use covenant::sdk::{self, TreasuryAddresses};
use covenant::state::ActionMarker;
use covenant_tests::bank::SOL;
use covenant_tests::{assert_anchor_error, assert_program_error, limits, swap_account, Harness};
use solana_keypair::Keypair;
use solana_signer::Signer;

const MILLI: u64 = 1_000_000;
/// What a keeper derives from a schedule's name ("pay:inference").
const KEY: [u8; 32] = [42; 32];

async fn setup() -> (Harness, Pubkey) {
    let h = Harness::with_sol_policy(limits(10 * MILLI, 100 * MILLI), 50 * MILLI).await;
    (h, Keypair::new().pubkey())
}

/// The period's payment and its marker, in one transaction signed by the keeper.
async fn pay_period(
    h: &mut Harness,
    recipient: Pubkey,
    sequence: u64,
    n: u64,
) -> Result<covenant_tests::Events, covenant_tests::bank::TxFailure> {
    let mark = sdk::mark_action(&h.treasury, h.roles.keeper.pubkey(), KEY, sequence);
    let spend = h.spend_sol_ix(recipient, MILLI, n);
    let keeper = h.roles.keeper.insecure_clone();
    h.bank.send(&[mark, spend], &[&keeper]).await
}

#[tokio::test]
async fn a_marked_payment_lands_once_and_a_second_try_moves_nothing() {
    let (mut h, recipient) = setup().await;
    let events = pay_period(&mut h, recipient, 8, 1).await.expect("period 7 paid and marked");
    let marked = events.one::<ActionMarked>();
    assert_eq!((marked.key, marked.sequence, marked.previous), (KEY, 8, 0));
    assert_eq!((marked.treasury, marked.keeper), (h.treasury.treasury, h.roles.keeper.pubkey()));
    assert_eq!(h.bank.lamports(recipient).await, MILLI);

    // A second keeper (same key, another decision, so another transaction) pays the same period.
    assert_program_error(pay_period(&mut h, recipient, 8, 2).await, CovenantError::ActionAlreadyMarked);
    // An older period is refused too: the marker only moves forward.
    assert_program_error(pay_period(&mut h, recipient, 3, 3).await, CovenantError::ActionAlreadyMarked);
    assert_eq!(h.bank.lamports(recipient).await, MILLI, "the whole transaction failed: nothing paid twice");

    let events = pay_period(&mut h, recipient, 9, 4).await.expect("the next period");
    assert_eq!(events.one::<ActionMarked>().previous, 8);
    assert_eq!(h.bank.lamports(recipient).await, 2 * MILLI);
    let marker: ActionMarker = h.bank.account(h.treasury.marker(&KEY)).await;
    assert_eq!((marker.treasury, marker.key, marker.last), (h.treasury.treasury, KEY, 9));
    assert_eq!(marker.payer, h.roles.keeper.pubkey(), "the keeper paid the marker's rent");
}

#[tokio::test]
async fn sequences_start_at_one_and_only_the_keeper_marks() {
    let (mut h, _) = setup().await;
    let keeper = h.roles.keeper.pubkey();
    assert_program_error(
        h.as_keeper(sdk::mark_action(&h.treasury, keeper, KEY, 0)).await,
        CovenantError::InvalidActionSequence,
    );
    // A stranger cannot mark (and so cannot block) a treasury's actions.
    let stranger = h.roles.stranger.pubkey();
    assert_program_error(
        h.as_stranger(sdk::mark_action(&h.treasury, stranger, KEY, 1)).await,
        CovenantError::NotKeeper,
    );
    assert!(!h.bank.exists(h.treasury.marker(&KEY)).await);
    // Nor can the operator, whose key is not the keeper's.
    let operator = h.roles.operator.pubkey();
    assert_program_error(
        h.as_operator(sdk::mark_action(&h.treasury, operator, KEY, 1)).await,
        CovenantError::NotKeeper,
    );
}

#[tokio::test]
async fn markers_belong_to_one_treasury_and_one_key() {
    let (mut h, _) = setup().await;
    let keeper = h.roles.keeper.pubkey();
    h.as_keeper(sdk::mark_action(&h.treasury, keeper, KEY, 5)).await.expect("marked");
    // Another key of the same treasury starts fresh.
    h.as_keeper(sdk::mark_action(&h.treasury, keeper, [43; 32], 1)).await.expect("another key");
    // Another treasury with the same keeper has markers of its own.
    let args = CreateTreasuryArgs { treasury_id: 1, keeper, guardian: None, config_timelock_seconds: 0 };
    h.as_operator(sdk::create_treasury(h.roles.operator.pubkey(), args)).await.expect("second treasury");
    let second = TreasuryAddresses::new(h.roles.operator.pubkey(), 1);
    h.as_keeper(sdk::mark_action(&second, keeper, KEY, 1)).await.expect("its own marker");
    // Passing the first treasury's marker for the second is refused by the seeds.
    let mut ix = sdk::mark_action(&second, keeper, KEY, 6);
    swap_account(&mut ix, second.marker(&KEY), h.treasury.marker(&KEY));
    assert_anchor_error(h.as_keeper(ix).await, ErrorCode::ConstraintSeeds);
    let first: ActionMarker = h.bank.account(h.treasury.marker(&KEY)).await;
    assert_eq!(first.last, 5, "untouched");
}

#[tokio::test]
async fn a_prefunded_marker_address_is_still_created_with_exact_rent() {
    let (mut h, _) = setup().await;
    let marker = h.treasury.marker(&KEY);
    h.bank.transfer(marker, SOL / 10).await;
    let keeper = h.roles.keeper.pubkey();
    let before = h.bank.lamports(keeper).await;
    h.as_keeper(sdk::mark_action(&h.treasury, keeper, KEY, 1)).await.expect("created despite the pre-funding");
    let rent = h.bank.rent_of(marker).await;
    assert_eq!(h.bank.lamports(marker).await, rent, "the stranger's surplus went back to the payer");
    assert_eq!(h.bank.lamports(keeper).await, before + SOL / 10 - rent, "the keeper got the surplus");
}

//! One key's past does not reach past its rotation: a stolen keeper key's marks and proposals stop
//! binding once the operator replaces it. And a pending spend belongs to the policy it was proposed
//! under; payments to the program's own accounts are refused.

use anchor_lang::prelude::Pubkey;
use covenant::constants::SOL_ASSET;
use covenant::errors::CovenantError;
use covenant::events::{ActionMarked, KeeperRotated};
use covenant::instructions::ProposeSpendArgs;
use covenant::policy::PolicyLimits;
use covenant::sdk;
use covenant::state::ActionMarker;
use covenant_tests::bank::SOL;
use covenant_tests::tokens::{self, TOKEN};
use covenant_tests::{assert_program_error, decision, limits, Events, Harness, TxFailure};
use solana_keypair::Keypair;
use solana_signer::Signer;

const MILLI: u64 = 1_000_000;
/// The keeper's marker keys for a payment schedule and for one airdrop recipient.
const SCHEDULE: [u8; 32] = [1; 32];
const AIRDROP: [u8; 32] = [2; 32];

/// A payment (or any keeper instruction) with its mark, signed by `keeper`.
async fn marked(
    h: &mut Harness,
    keeper: &Keypair,
    key: [u8; 32],
    sequence: u64,
    action: Option<(Pubkey, u64)>,
) -> Result<Events, TxFailure> {
    let mut ixs = vec![sdk::mark_action(&h.treasury, keeper.pubkey(), key, sequence)];
    if let Some((recipient, n)) = action {
        ixs.push(sdk::spend_sol(&h.treasury, keeper.pubkey(), recipient, MILLI, decision(n)));
    }
    h.bank.send(&ixs, &[keeper]).await
}

/// The operator replaces the keeper (no config timelock in the harness) and funds the new key.
async fn rotate(h: &mut Harness) -> Keypair {
    let new_keeper = Keypair::new();
    h.bank.transfer(new_keeper.pubkey(), SOL).await;
    let events = h.as_operator(sdk::set_keeper(&h.treasury, new_keeper.pubkey())).await.expect("rotated");
    assert_eq!(events.one::<KeeperRotated>().tenure, h.treasury_state().await.keeper_tenure);
    new_keeper
}

#[tokio::test]
async fn a_stolen_keeper_keys_marks_do_not_silence_the_schedule_after_rotation() {
    let mut h = Harness::with_sol_policy(limits(10 * MILLI, 100 * MILLI), 50 * MILLI).await;
    let recipient = Keypair::new().pubkey();
    let thief = h.roles.keeper.insecure_clone();
    marked(&mut h, &thief, SCHEDULE, 5, Some((recipient, 1))).await.expect("period 4 paid honestly");

    // Paused, not even a bare mark goes through.
    h.as_guardian(sdk::pause(&h.treasury, h.roles.guardian.pubkey())).await.expect("paused");
    assert_program_error(marked(&mut h, &thief, SCHEDULE, u64::MAX, None).await, CovenantError::TreasuryPaused);
    h.as_operator(sdk::unpause(&h.treasury)).await.expect("unpaused (no timelock here)");

    // The thief marks the schedule at the largest sequence and pre-marks a future airdrop.
    marked(&mut h, &thief, SCHEDULE, u64::MAX, None).await.expect("accepted while the key is current");
    marked(&mut h, &thief, AIRDROP, 1, None).await.expect("pre-marked");
    assert_program_error(
        marked(&mut h, &thief, SCHEDULE, 6, Some((recipient, 2))).await,
        CovenantError::ActionAlreadyMarked,
    );

    let keeper = rotate(&mut h).await;
    assert_program_error(marked(&mut h, &thief, SCHEDULE, 6, None).await, CovenantError::NotKeeper);
    // The new keeper's next payment and the airdrop's mark land: the thief's marks no longer bind.
    let events = marked(&mut h, &keeper, SCHEDULE, 6, Some((recipient, 3))).await.expect("period 5 paid");
    let mark = events.one::<ActionMarked>();
    assert_eq!((mark.previous, mark.previous_tenure, mark.tenure), (u64::MAX, 0, 1));
    marked(&mut h, &keeper, AIRDROP, 1, None).await.expect("the airdrop's mark");
    assert_eq!(h.bank.lamports(recipient).await, 2 * MILLI, "one payment per period, exactly");
    assert_eq!(h.vault_spendable().await, 48 * MILLI);

    // Within the new tenure exactly-once holds as before.
    assert_program_error(
        marked(&mut h, &keeper, SCHEDULE, 6, Some((recipient, 4))).await,
        CovenantError::ActionAlreadyMarked,
    );
    let marker: ActionMarker = h.bank.account(h.treasury.marker(&SCHEDULE)).await;
    assert_eq!((marker.last, marker.tenure), (6, 1));
    assert_eq!(marker.marked_at, h.bank.now().await);
    assert_eq!(h.bank.lamports(recipient).await, 2 * MILLI);
}

fn cosigned() -> PolicyLimits {
    PolicyLimits { cosign_threshold: Some(2 * MILLI), timelock_seconds: 3_600, ..limits(10 * MILLI, 30 * MILLI) }
}

async fn propose(h: &mut Harness, keeper: &Keypair, recipient: Pubkey, amount: u64) -> u64 {
    let id = h.treasury_state().await.next_pending_id;
    let args = ProposeSpendArgs { recipient, amount, purpose: "GPU month".into(), decision: decision(id) };
    let ix = sdk::propose_spend(&h.treasury, keeper.pubkey(), SOL_ASSET, id, args);
    h.bank.send(&[ix], &[keeper]).await.expect("proposed");
    id
}

#[tokio::test]
async fn a_rotated_out_keepers_proposal_runs_only_with_the_operators_approval() {
    let mut h = Harness::with_sol_policy(cosigned(), 50 * MILLI).await;
    let thief = h.roles.keeper.insecure_clone();
    let fence = Keypair::new().pubkey();
    let id = propose(&mut h, &thief, fence, 9 * MILLI).await;
    let keeper = rotate(&mut h).await;
    h.bank.warp_seconds(3_600).await;
    let execute = sdk::execute_pending_sol(&h.treasury, keeper.pubkey(), id, fence);
    assert_program_error(
        h.bank.send(std::slice::from_ref(&execute), &[&keeper]).await,
        CovenantError::PendingSpendStale,
    );
    assert_eq!(h.bank.lamports(fence).await, 0);

    // A legitimate proposal from before the rotation: the operator vouches for it.
    h.as_operator(sdk::approve_pending(&h.treasury, id)).await.expect("approved");
    h.bank.send(&[execute], &[&keeper]).await.expect("executed once vouched for");
    assert_eq!(h.bank.lamports(fence).await, 9 * MILLI);
    assert_eq!(h.vault_spendable().await, 41 * MILLI);
}

#[tokio::test]
async fn closing_a_policy_ends_what_was_proposed_under_it() {
    let mut h = Harness::with_sol_policy(cosigned(), 50 * MILLI).await;
    let keeper = h.roles.keeper.insecure_clone();
    let recipient = Keypair::new().pubkey();
    let id = propose(&mut h, &keeper, recipient, 9 * MILLI).await;
    h.as_operator(sdk::approve_pending(&h.treasury, id)).await.expect("approved");
    h.as_operator(sdk::close_policy(&h.treasury, SOL_ASSET)).await.expect("closed");
    h.as_operator(sdk::create_sol_policy(&h.treasury, cosigned())).await.expect("re-created");
    assert_eq!(h.sol_policy().await.generation, 2);
    let execute = sdk::execute_pending_sol(&h.treasury, keeper.pubkey(), id, recipient);
    assert_program_error(h.as_keeper(execute).await, CovenantError::PendingSpendStale);
    assert_eq!((h.bank.lamports(recipient).await, h.vault_spendable().await), (0, 50 * MILLI));
}

#[tokio::test]
async fn payments_to_the_programs_own_accounts_are_refused() {
    let mut h = Harness::with_sol_policy(limits(10 * MILLI, 30 * MILLI), 50 * MILLI).await;
    let policy = h.treasury.policy(&SOL_ASSET);
    let treasury = h.treasury.treasury;
    for target in [policy, treasury] {
        assert_program_error(h.as_keeper(h.spend_sol_ix(target, MILLI, 1)).await, CovenantError::ProgramOwnedRecipient);
    }
    assert_eq!(h.vault_spendable().await, 50 * MILLI);
    assert_eq!(h.sol_policy().await.total_spent, 0, "nothing counted as spent");

    // Tokens to a token account the treasury PDA owns: nobody could ever move them again.
    let mint = tokens::create_mint(&mut h.bank, TOKEN, 6, &[]).await;
    h.as_operator(sdk::create_token_policy(&h.treasury, mint, TOKEN, limits(1_000, 1_000))).await.expect("policy");
    let vault_tokens = h.treasury.vault_token_account(&mint, &TOKEN);
    tokens::mint_to(&mut h.bank, mint, TOKEN, vault_tokens, 5_000).await;
    tokens::create_ata(&mut h.bank, treasury, mint, TOKEN).await;
    let token = sdk::TokenMint { mint, program: TOKEN };
    let ix = sdk::spend_token(&h.treasury, h.roles.keeper.pubkey(), token, treasury, 500, decision(2));
    assert_program_error(h.as_keeper(ix).await, CovenantError::ProgramOwnedRecipient);
    assert_eq!(tokens::token_balance(&mut h.bank, vault_tokens).await, 5_000);
}

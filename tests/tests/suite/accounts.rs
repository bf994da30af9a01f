//! Rule 8: accounts are what they claim to be. Another treasury's vault, policy or payee, accounts
//! owned by the wrong program, accounts of the wrong type and missing signatures each fail with
//! their own error.

use anchor_lang::error::ErrorCode;
use anchor_lang::prelude::Pubkey;
use anchor_lang::{AccountSerialize, Discriminator};
use covenant::constants::SOL_ASSET;
use covenant::errors::CovenantError;
use covenant::instructions::{AddPayeeArgs, CreateTreasuryArgs, UpdatePayeeArgs};
use covenant::sdk::{self, TreasuryAddresses};
use covenant::state::Treasury;
use covenant_tests::{assert_anchor_error, assert_program_error, limits, swap_account, Harness};
use solana_account::Account;
use solana_keypair::Keypair;
use solana_signer::Signer;

/// A second treasury with the same keeper and a far looser SOL policy, funded.
async fn second_treasury(h: &mut Harness) -> TreasuryAddresses {
    let args = CreateTreasuryArgs {
        treasury_id: 1,
        keeper: h.roles.keeper.pubkey(),
        guardian: None,
        config_timelock_seconds: 0,
    };
    h.as_operator(sdk::create_treasury(h.roles.operator.pubkey(), args)).await.unwrap();
    let second = TreasuryAddresses::new(h.roles.operator.pubkey(), 1);
    h.as_operator(sdk::create_sol_policy(&second, limits(u64::MAX, u64::MAX))).await.unwrap();
    second
}

#[tokio::test]
async fn another_treasurys_policy_cannot_loosen_this_one() {
    let mut h = Harness::with_sol_policy(limits(1_000, 1_000), 10_000_000).await;
    let second = second_treasury(&mut h).await;
    let mut ix = h.spend_sol_ix(Keypair::new().pubkey(), 5_000_000, 1);
    swap_account(&mut ix, h.treasury.policy(&SOL_ASSET), second.policy(&SOL_ASSET));
    assert_program_error(h.as_keeper(ix).await, CovenantError::TreasuryMismatch);

    // Nor can an operator edit another treasury's policy through their own.
    let mut ix = sdk::update_policy(&h.treasury, SOL_ASSET, limits(1, 1));
    swap_account(&mut ix, h.treasury.policy(&SOL_ASSET), second.policy(&SOL_ASSET));
    assert_program_error(h.as_operator(ix).await, CovenantError::TreasuryMismatch);
}

#[tokio::test]
async fn another_treasurys_vault_is_refused() {
    let mut h = Harness::with_sol_policy(limits(1_000_000, 10_000_000), 10_000_000).await;
    let second = second_treasury(&mut h).await;
    h.bank
        .send(
            &[anchor_lang::solana_program::system_instruction::transfer(
                &h.bank.payer().pubkey(),
                &second.vault,
                50_000_000,
            )],
            &[],
        )
        .await
        .unwrap();
    let mut ix = h.spend_sol_ix(Keypair::new().pubkey(), 1_000_000, 1);
    swap_account(&mut ix, h.treasury.vault, second.vault);
    assert_anchor_error(h.as_keeper(ix).await, ErrorCode::ConstraintSeeds);
}

#[tokio::test]
async fn another_treasurys_payee_cannot_be_edited_through_this_one() {
    let mut h = Harness::new().await;
    let args = CreateTreasuryArgs {
        treasury_id: 1,
        keeper: h.roles.keeper.pubkey(),
        guardian: None,
        config_timelock_seconds: 0,
    };
    h.as_operator(sdk::create_treasury(h.roles.operator.pubkey(), args)).await.unwrap();
    let second = TreasuryAddresses::new(h.roles.operator.pubkey(), 1);
    let dev = Keypair::new().pubkey();
    let payee =
        AddPayeeArgs { recipient: dev, label: "dev".into(), category: "dev".into(), budget: None, expires_at: None };
    h.as_operator(sdk::add_payee(&second, payee)).await.unwrap();
    let update = UpdatePayeeArgs { label: "dev".into(), category: "dev".into(), budget: None, expires_at: None };
    let mut ix = sdk::update_payee(&h.treasury, dev, update);
    swap_account(&mut ix, h.treasury.payee(&dev), second.payee(&dev));
    // The operator signs for their first treasury: the payee must belong to that one.
    assert_program_error(h.as_operator(ix).await, CovenantError::TreasuryMismatch);
}

#[tokio::test]
async fn a_treasury_forged_under_another_owner_is_refused() {
    let mut h = Harness::with_sol_policy(limits(1_000_000, 10_000_000), 10_000_000).await;
    let attacker = Keypair::new();
    let mut forged = h.treasury_state().await;
    forged.keeper = attacker.pubkey();
    let mut data = Vec::new();
    forged.try_serialize(&mut data).unwrap();
    let fake = Pubkey::new_unique();
    let lamports = h.bank.rent_exempt_minimum(data.len()).await;
    h.bank
        .ctx
        .set_account(&fake, &Account { lamports, data, owner: Pubkey::new_unique(), ..Account::default() }.into());

    let mut ix =
        sdk::spend_sol(&h.treasury, attacker.pubkey(), attacker.pubkey(), 1_000_000, covenant_tests::decision(1));
    swap_account(&mut ix, h.treasury.treasury, fake);
    assert_anchor_error(h.bank.send(&[ix], &[&attacker]).await, ErrorCode::AccountOwnedByWrongProgram);
}

#[tokio::test]
async fn an_account_of_the_wrong_type_is_refused() {
    let mut h = Harness::with_sol_policy(limits(1_000_000, 10_000_000), 10_000_000).await;
    assert_ne!(Treasury::DISCRIMINATOR, covenant::state::SpendPolicy::DISCRIMINATOR);
    let mut ix = h.spend_sol_ix(Keypair::new().pubkey(), 1_000, 1);
    swap_account(&mut ix, h.treasury.policy(&SOL_ASSET), h.treasury.treasury);
    assert_anchor_error(h.as_keeper(ix).await, ErrorCode::AccountDiscriminatorMismatch);
}

#[tokio::test]
async fn a_keeper_that_does_not_sign_is_refused() {
    let mut h = Harness::with_sol_policy(limits(1_000_000, 10_000_000), 10_000_000).await;
    let mut ix = h.spend_sol_ix(Keypair::new().pubkey(), 1_000, 1);
    ix.accounts[0].is_signer = false;
    assert_anchor_error(h.bank.send(&[ix], &[]).await, ErrorCode::AccountNotSigner);
}

//! Payee allowlist: categories, budgets, expiry, and the payee account a keeper must pass.

use anchor_lang::prelude::Pubkey;
use covenant::constants::SOL_ASSET;
use covenant::errors::CovenantError;
use covenant::events::{PayeeAdded, PayeeRemoved, PayeeUpdated, Spent};
use covenant::instructions::{AddPayeeArgs, UpdatePayeeArgs};
use covenant::policy::{PayeeBudget, PolicyLimits};
use covenant::sdk::{self, TreasuryAddresses};
use covenant_tests::{assert_program_error, limits, swap_account, Harness};
use solana_keypair::Keypair;
use solana_signer::Signer;

const MILLI: u64 = 1_000_000;

fn payee(recipient: Pubkey, budget: Option<u64>, expires_at: Option<i64>) -> AddPayeeArgs {
    AddPayeeArgs {
        recipient,
        label: "image API dev".into(),
        category: "dev".into(),
        budget: budget.map(|amount| PayeeBudget { asset: SOL_ASSET, amount }),
        expires_at,
    }
}

async fn allowlisted() -> Harness {
    let limits = PolicyLimits { allowlist_required: true, ..limits(10 * MILLI, 100 * MILLI) };
    Harness::with_sol_policy(limits, 100 * MILLI).await
}

#[tokio::test]
async fn allowlist_refuses_unknown_recipients_and_pays_listed_ones_with_category() {
    let mut h = allowlisted().await;
    let stranger = Keypair::new().pubkey();
    assert_program_error(h.as_keeper(h.spend_sol_ix(stranger, MILLI, 1)).await, CovenantError::PayeeNotAllowlisted);

    let dev = Keypair::new().pubkey();
    let events = h.as_operator(sdk::add_payee(&h.treasury, payee(dev, None, None))).await.unwrap();
    let added = events.one::<PayeeAdded>();
    assert_eq!((added.recipient, added.category.as_str()), (dev, "dev"));

    let events = h.as_keeper(h.spend_sol_ix(dev, MILLI, 2)).await.unwrap();
    assert_eq!(events.one::<Spent>().category.as_deref(), Some("dev"));
    assert_eq!(h.payee(dev).await.paid_count, 1);
}

#[tokio::test]
async fn budget_binds_across_spends_and_windows() {
    let mut h = allowlisted().await;
    let dev = Keypair::new().pubkey();
    h.as_operator(sdk::add_payee(&h.treasury, payee(dev, Some(3 * MILLI), None))).await.unwrap();
    h.as_keeper(h.spend_sol_ix(dev, 2 * MILLI, 1)).await.unwrap();
    assert_program_error(h.as_keeper(h.spend_sol_ix(dev, 2 * MILLI, 2)).await, CovenantError::PayeeBudgetExceeded);
    h.bank.warp_seconds(10 * 86_400).await;
    assert_program_error(h.as_keeper(h.spend_sol_ix(dev, 2 * MILLI, 3)).await, CovenantError::PayeeBudgetExceeded);
    h.as_keeper(h.spend_sol_ix(dev, MILLI, 4)).await.unwrap();
    assert_eq!(h.payee(dev).await.terms.spent, 3 * MILLI);
}

#[tokio::test]
async fn a_payee_budget_binds_even_without_the_allowlist_flag() {
    let mut h = Harness::with_sol_policy(limits(10 * MILLI, 100 * MILLI), 100 * MILLI).await;
    let dev = Keypair::new().pubkey();
    h.as_operator(sdk::add_payee(&h.treasury, payee(dev, Some(MILLI), None))).await.unwrap();
    assert_program_error(h.as_keeper(h.spend_sol_ix(dev, 2 * MILLI, 1)).await, CovenantError::PayeeBudgetExceeded);
}

#[tokio::test]
async fn keeper_cannot_dodge_a_payee_entry_by_passing_another_account() {
    let mut h = Harness::with_sol_policy(limits(10 * MILLI, 100 * MILLI), 100 * MILLI).await;
    let dev = Keypair::new().pubkey();
    h.as_operator(sdk::add_payee(&h.treasury, payee(dev, Some(MILLI), None))).await.unwrap();
    let other = Keypair::new().pubkey();
    h.as_operator(sdk::add_payee(&h.treasury, payee(other, None, None))).await.unwrap();

    // An empty account in place of the payee PDA.
    let mut ix = h.spend_sol_ix(dev, 2 * MILLI, 1);
    swap_account(&mut ix, h.treasury.payee(&dev), Keypair::new().pubkey());
    assert_program_error(h.as_keeper(ix).await, CovenantError::PayeeAccountMismatch);
    // Another recipient's (unbudgeted) payee entry.
    let mut ix = h.spend_sol_ix(dev, 2 * MILLI, 2);
    swap_account(&mut ix, h.treasury.payee(&dev), h.treasury.payee(&other));
    assert_program_error(h.as_keeper(ix).await, CovenantError::PayeeAccountMismatch);
    assert_eq!(h.bank.lamports(dev).await, 0);
}

#[tokio::test]
async fn expired_payee_refuses() {
    let mut h = allowlisted().await;
    let dev = Keypair::new().pubkey();
    let expires_at = h.bank.now().await + 3_600;
    h.as_operator(sdk::add_payee(&h.treasury, payee(dev, None, Some(expires_at)))).await.unwrap();
    h.as_keeper(h.spend_sol_ix(dev, MILLI, 1)).await.unwrap();
    h.bank.warp_seconds(3_600).await;
    assert_program_error(h.as_keeper(h.spend_sol_ix(dev, MILLI, 2)).await, CovenantError::PayeeExpired);
}

#[tokio::test]
async fn budget_in_another_asset_refuses_sol() {
    let mut h = allowlisted().await;
    let dev = Keypair::new().pubkey();
    let mut args = payee(dev, None, None);
    args.budget = Some(PayeeBudget { asset: Keypair::new().pubkey(), amount: 100 });
    h.as_operator(sdk::add_payee(&h.treasury, args)).await.unwrap();
    assert_program_error(h.as_keeper(h.spend_sol_ix(dev, MILLI, 1)).await, CovenantError::PayeeAssetMismatch);
}

#[tokio::test]
async fn payee_fields_are_validated() {
    let mut h = Harness::new().await;
    let now = h.bank.now().await;
    let cases = [
        (
            AddPayeeArgs { label: String::new(), ..payee(Keypair::new().pubkey(), None, None) },
            CovenantError::InvalidPayeeLabel,
        ),
        (
            AddPayeeArgs { label: "x".repeat(33), ..payee(Keypair::new().pubkey(), None, None) },
            CovenantError::InvalidPayeeLabel,
        ),
        (
            AddPayeeArgs { category: "Dev Ops".into(), ..payee(Keypair::new().pubkey(), None, None) },
            CovenantError::InvalidPayeeCategory,
        ),
        (
            AddPayeeArgs { category: "a".repeat(17), ..payee(Keypair::new().pubkey(), None, None) },
            CovenantError::InvalidPayeeCategory,
        ),
        (payee(Keypair::new().pubkey(), None, Some(now)), CovenantError::InvalidExpiry),
        (payee(h.treasury.vault, None, None), CovenantError::InvalidRecipient),
    ];
    for (args, expected) in cases {
        assert_program_error(h.as_operator(sdk::add_payee(&h.treasury, args)).await, expected);
    }
}

#[tokio::test]
async fn update_keeps_spent_in_the_same_asset_and_remove_returns_rent() {
    let mut h = allowlisted().await;
    let dev = Keypair::new().pubkey();
    h.as_operator(sdk::add_payee(&h.treasury, payee(dev, Some(5 * MILLI), None))).await.unwrap();
    h.as_keeper(h.spend_sol_ix(dev, 3 * MILLI, 1)).await.unwrap();

    let update = UpdatePayeeArgs {
        label: "inference provider".into(),
        category: "inference".into(),
        budget: Some(PayeeBudget { asset: SOL_ASSET, amount: 4 * MILLI }),
        expires_at: None,
    };
    let events = h.as_operator(sdk::update_payee(&h.treasury, dev, update)).await.unwrap();
    let updated = events.one::<PayeeUpdated>();
    assert_eq!((updated.old_category.as_str(), updated.new_category.as_str()), ("dev", "inference"));
    assert_eq!(updated.new_terms.spent, 3 * MILLI);
    assert_program_error(h.as_keeper(h.spend_sol_ix(dev, 2 * MILLI, 2)).await, CovenantError::PayeeBudgetExceeded);

    let payee_address = h.treasury.payee(&dev);
    let rent = h.bank.lamports(payee_address).await;
    let before = h.bank.lamports(h.roles.operator.pubkey()).await;
    let events = h.as_operator(sdk::remove_payee(&h.treasury, dev)).await.unwrap();
    assert_eq!(events.one::<PayeeRemoved>().paid_count, 1);
    assert_eq!(h.bank.lamports(h.roles.operator.pubkey()).await, before + rent);
    assert_program_error(h.as_keeper(h.spend_sol_ix(dev, MILLI, 3)).await, CovenantError::PayeeNotAllowlisted);
}

#[tokio::test]
async fn update_validates_its_fields_too() {
    let mut h = Harness::new().await;
    let dev = Keypair::new().pubkey();
    h.as_operator(sdk::add_payee(&h.treasury, payee(dev, None, None))).await.unwrap();
    let now = h.bank.now().await;
    let bad = UpdatePayeeArgs { label: "ok".into(), category: "ok".into(), budget: None, expires_at: Some(now - 1) };
    assert_program_error(h.as_operator(sdk::update_payee(&h.treasury, dev, bad)).await, CovenantError::InvalidExpiry);
}

#[tokio::test]
async fn only_the_operator_manages_payees() {
    let mut h = Harness::new().await;
    let dev = Keypair::new().pubkey();
    let pretend = TreasuryAddresses { operator: h.roles.keeper.pubkey(), ..h.treasury };
    assert_program_error(
        h.as_keeper(sdk::add_payee(&pretend, payee(dev, None, None))).await,
        CovenantError::NotOperator,
    );
    h.as_operator(sdk::add_payee(&h.treasury, payee(dev, Some(1), None))).await.unwrap();
    let raise = UpdatePayeeArgs { label: "x".into(), category: "dev".into(), budget: None, expires_at: None };
    assert_program_error(h.as_keeper(sdk::update_payee(&pretend, dev, raise)).await, CovenantError::NotOperator);
    assert_program_error(h.as_keeper(sdk::remove_payee(&pretend, dev)).await, CovenantError::NotOperator);
}

mod execute_pending_sol;
mod execute_pending_token;
mod mark_action;
mod propose_spend;
mod spend_sol;
mod spend_token;

pub use execute_pending_sol::*;
pub use execute_pending_token::*;
pub use mark_action::*;
pub use propose_spend::*;
pub use spend_sol::*;
pub use spend_token::*;

use anchor_lang::prelude::*;

use crate::errors::CovenantError;
use crate::policy::{check_executable, check_pending_current, enforce_payee, SpendWindow};
use crate::state::{Payee, PendingSpend, SpendPolicy, Treasury};

/// What both executions of a pending spend require: a live treasury, a recipient that can be paid,
/// a request made under today's keeper and policy, and one that has matured or been approved.
pub(crate) fn validate_pending_execution(
    treasury: &Treasury,
    policy: &SpendPolicy,
    pending: &PendingSpend,
    recipient: &AccountInfo,
) -> Result<()> {
    treasury.require_active()?;
    Treasury::require_payable_recipient(recipient)?;
    check_pending_current(
        pending.status,
        pending.keeper_tenure,
        pending.policy_generation,
        treasury.keeper_tenure,
        policy.generation,
    )?;
    Ok(check_executable(pending.status, pending.executable_at, pending.expires_at, Clock::get()?.unix_timestamp)?)
}

/// Applies the recipient's payee entry, if it has one, and returns its category.
///
/// The keeper must always pass the payee PDA's address: an entry that exists is enforced (budget,
/// expiry) and updated; if none exists, the address is still checked so a keeper cannot dodge a
/// budget by passing some other empty account, and the spend is refused when the policy requires
/// an allowlisted payee.
pub(crate) fn apply_payee_rules(
    payee_info: &AccountInfo,
    treasury: &Pubkey,
    recipient: &Pubkey,
    asset: &Pubkey,
    amount: u64,
    allowlist_required: bool,
    now: i64,
) -> Result<Option<String>> {
    if *payee_info.owner != crate::ID {
        let (expected, _) = Payee::find_address(treasury, recipient);
        require_keys_eq!(payee_info.key(), expected, CovenantError::PayeeAccountMismatch);
        require!(!allowlist_required, CovenantError::PayeeNotAllowlisted);
        return Ok(None);
    }
    let mut payee = {
        let data = payee_info.try_borrow_data()?;
        Payee::try_deserialize(&mut &data[..])?
    };
    require_keys_eq!(payee.treasury, *treasury, CovenantError::PayeeAccountMismatch);
    require_keys_eq!(payee.recipient, *recipient, CovenantError::PayeeAccountMismatch);
    payee.terms = enforce_payee(&payee.terms, asset, amount, now)?;
    payee.paid_count = payee.paid_count.checked_add(1).ok_or(CovenantError::MathOverflow)?;
    let mut data = payee_info.try_borrow_mut_data()?;
    payee.try_serialize(&mut &mut data[..])?;
    Ok(Some(payee.category))
}

/// Everything a spend records besides moving the funds: the recipient's payee rules and usage,
/// then the policy's window and totals. Returns the payee's category for the event.
pub(crate) fn record_outflow(
    policy: &mut SpendPolicy,
    window: SpendWindow,
    payee_info: &AccountInfo,
    treasury: &Pubkey,
    recipient: &Pubkey,
    amount: u64,
    now: i64,
) -> Result<Option<String>> {
    let category = apply_payee_rules(
        payee_info,
        treasury,
        recipient,
        &policy.asset,
        amount,
        policy.limits.allowlist_required,
        now,
    )?;
    policy.record_spent(window, amount)?;
    Ok(category)
}

use anchor_lang::prelude::*;

use crate::errors::CovenantError;
use crate::events::PayeeUpdated;
use crate::instructions::config_gate::authorize_config_change;
use crate::policy::{payee_terms_loosen, ConfigChange, PayeeBudget, PayeeTerms};
use crate::state::{Payee, Treasury};

#[derive(AnchorSerialize, AnchorDeserialize, Clone, Debug)]
pub struct UpdatePayeeArgs {
    pub label: String,
    pub category: String,
    pub budget: Option<PayeeBudget>,
    pub expires_at: Option<i64>,
}

#[event_cpi]
#[derive(Accounts)]
pub struct UpdatePayee<'info> {
    #[account(mut)]
    pub operator: Signer<'info>,
    #[account(has_one = operator @ CovenantError::NotOperator)]
    pub treasury: Account<'info, Treasury>,
    #[account(mut, has_one = treasury @ CovenantError::TreasuryMismatch)]
    pub payee: Account<'info, Payee>,
}

impl UpdatePayee<'_> {
    pub fn validate(&self, args: &UpdatePayeeArgs) -> Result<()> {
        Payee::validate_entry(&args.label, &args.category, args.expires_at, Clock::get()?.unix_timestamp)
    }
}

/// What was already paid keeps counting against a budget in the same asset (lowering a budget
/// below it exhausts the payee); a budget in a new asset starts from zero.
/// A higher, unbudgeted or other-asset budget, or a later or removed expiry, loosens and waits out
/// the config timelock; label and category changes and tighter terms apply at once.
pub fn update_payee_handler(ctx: Context<UpdatePayee>, args: UpdatePayeeArgs) -> Result<()> {
    let executed = authorize_config_change(
        &ctx.accounts.treasury,
        &ctx.accounts.operator,
        ctx.remaining_accounts,
        ConfigChange::UpdatePayee {
            recipient: ctx.accounts.payee.recipient,
            label: args.label.clone(),
            category: args.category.clone(),
            budget: args.budget,
            expires_at: args.expires_at,
        },
        payee_terms_loosen(&ctx.accounts.payee.terms, args.budget, args.expires_at),
        Some(ctx.accounts.payee.as_change()),
    )?;
    let payee = &mut ctx.accounts.payee;
    let old_terms = payee.terms;
    let same_asset = matches!(
        (old_terms.budget, args.budget),
        (Some(old), Some(new)) if old.asset == new.asset
    );
    let new_terms = PayeeTerms {
        budget: args.budget,
        spent: if same_asset { old_terms.spent } else { 0 },
        expires_at: args.expires_at,
    };
    let old_label = std::mem::replace(&mut payee.label, args.label.clone());
    let old_category = std::mem::replace(&mut payee.category, args.category.clone());
    payee.terms = new_terms;
    emit_cpi!(PayeeUpdated {
        treasury: ctx.accounts.treasury.key(),
        recipient: ctx.accounts.payee.recipient,
        old_label,
        new_label: args.label,
        old_category,
        new_category: args.category,
        old_terms,
        new_terms,
    });
    if let Some(executed) = executed {
        emit_cpi!(executed.finish(&ctx.accounts.operator)?);
    }
    Ok(())
}

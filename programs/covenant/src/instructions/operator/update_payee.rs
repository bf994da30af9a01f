use anchor_lang::prelude::*;

use crate::errors::CovenantError;
use crate::events::PayeeUpdated;
use crate::policy::{PayeeBudget, PayeeTerms};
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
    pub operator: Signer<'info>,
    #[account(has_one = operator @ CovenantError::NotOperator)]
    pub treasury: Account<'info, Treasury>,
    #[account(mut, has_one = treasury @ CovenantError::TreasuryMismatch)]
    pub payee: Account<'info, Payee>,
}

impl UpdatePayee<'_> {
    pub fn validate(&self, args: &UpdatePayeeArgs) -> Result<()> {
        Payee::validate_label(&args.label)?;
        Payee::validate_category(&args.category)?;
        Payee::validate_expiry(args.expires_at, Clock::get()?.unix_timestamp)
    }
}

/// What was already paid keeps counting against a budget in the same asset (lowering a budget
/// below it exhausts the payee); a budget in a new asset starts from zero.
pub fn update_payee_handler(ctx: Context<UpdatePayee>, args: UpdatePayeeArgs) -> Result<()> {
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
    Ok(())
}

use anchor_lang::prelude::*;

use crate::errors::CovenantError;
use crate::events::PayeeRemoved;
use crate::state::{Payee, Treasury};

#[event_cpi]
#[derive(Accounts)]
pub struct RemovePayee<'info> {
    #[account(mut)]
    pub operator: Signer<'info>,
    #[account(has_one = operator @ CovenantError::NotOperator)]
    pub treasury: Account<'info, Treasury>,
    #[account(mut, has_one = treasury @ CovenantError::TreasuryMismatch, close = operator)]
    pub payee: Account<'info, Payee>,
}

pub fn remove_payee_handler(ctx: Context<RemovePayee>) -> Result<()> {
    let payee = &ctx.accounts.payee;
    emit_cpi!(PayeeRemoved {
        treasury: ctx.accounts.treasury.key(),
        recipient: payee.recipient,
        paid_count: payee.paid_count,
        spent: payee.terms.spent,
    });
    Ok(())
}

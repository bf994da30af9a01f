use anchor_lang::prelude::*;

use crate::errors::CovenantError;
use crate::events::{PendingSpendClosed, PendingSpendExpired};
use crate::instructions::escrow::sweep_lamports;
use crate::policy::{is_closable, PendingStatus};
use crate::state::{PendingSpend, Treasury};

#[event_cpi]
#[derive(Accounts)]
pub struct ClosePending<'info> {
    /// Anyone may crank this: the rent only ever goes back to whoever paid it.
    pub cranker: Signer<'info>,
    pub treasury: Account<'info, Treasury>,
    /// Where lamports sent to the pending spend from outside go (not to the keeper that paid its rent).
    #[account(mut, seeds = [Treasury::VAULT_SEED, treasury.key().as_ref()], bump = treasury.vault_bump)]
    pub vault: SystemAccount<'info>,
    #[account(mut, has_one = treasury @ CovenantError::TreasuryMismatch, close = proposer)]
    pub pending: Account<'info, PendingSpend>,
    /// CHECK: the keeper that proposed (and paid for) the pending spend.
    #[account(mut, address = pending.proposer @ CovenantError::RentRecipientMismatch)]
    pub proposer: UncheckedAccount<'info>,
}

impl ClosePending<'_> {
    pub fn validate(&self) -> Result<()> {
        let pending = &self.pending;
        require!(
            is_closable(pending.status, pending.expires_at, Clock::get()?.unix_timestamp),
            CovenantError::PendingSpendStillActive
        );
        Ok(())
    }
}

pub fn close_pending_handler(ctx: Context<ClosePending>) -> Result<()> {
    let pending = &ctx.accounts.pending;
    let treasury = ctx.accounts.treasury.key();
    let (id, status, expires_at) = (pending.id, pending.status, pending.expires_at);
    if matches!(status, PendingStatus::Proposed | PendingStatus::Approved) {
        emit_cpi!(PendingSpendExpired { treasury, id, expires_at });
    }
    let info = ctx.accounts.pending.to_account_info();
    let rent = Rent::get()?.minimum_balance(info.data_len());
    let surplus_lamports = sweep_lamports(&info, &ctx.accounts.vault.to_account_info(), rent)?;
    emit_cpi!(PendingSpendClosed { treasury, id, status, rent_to: ctx.accounts.proposer.key(), surplus_lamports });
    Ok(())
}

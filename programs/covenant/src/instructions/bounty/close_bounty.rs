use anchor_lang::prelude::*;
use anchor_spl::token_interface::{Mint, TokenAccount, TokenInterface};

use super::escrow_terms;
use crate::errors::CovenantError;
use crate::events::BountyClosed;
use crate::instructions::escrow::{
    close_token_escrow, escrow_surplus, pay_sol_from_escrow, sol_escrow_held, EscrowTokenAccounts,
};
use crate::policy::{check_bounty_closable, check_bounty_settled};
use crate::state::{Bounty, Treasury};

#[event_cpi]
#[derive(Accounts)]
pub struct CloseBounty<'info> {
    /// The operator after the deadline, anyone after the review period.
    pub closer: Signer<'info>,
    pub treasury: Box<Account<'info, Treasury>>,
    #[account(mut, seeds = [Treasury::VAULT_SEED, treasury.key().as_ref()], bump = treasury.vault_bump)]
    pub vault: SystemAccount<'info>,
    #[account(mut, has_one = treasury @ CovenantError::TreasuryMismatch, close = creator)]
    pub bounty: Box<Account<'info, Bounty>>,
    /// CHECK: whoever created (and paid the rent of) the bounty.
    #[account(mut, address = bounty.creator @ CovenantError::RentRecipientMismatch)]
    pub creator: UncheckedAccount<'info>,
    /// Token bounties only, like every account below.
    pub mint: Option<Box<InterfaceAccount<'info, Mint>>>,
    #[account(mut)]
    pub escrow_token_account: Option<Box<InterfaceAccount<'info, TokenAccount>>>,
    #[account(mut)]
    pub vault_token_account: Option<Box<InterfaceAccount<'info, TokenAccount>>>,
    pub token_program: Option<Interface<'info, TokenInterface>>,
}

impl CloseBounty<'_> {
    pub fn validate(&self) -> Result<()> {
        let bounty = &self.bounty;
        let by_operator = self.closer.key() == self.treasury.operator;
        let now = Clock::get()?.unix_timestamp;
        check_bounty_closable(bounty.deadline, bounty.approved_count, bounty.max_claims, now, by_operator)?;
        // Owed rewards and open disputes are paid or settled first; each has a crank anyone may
        // run once its time is up, so this never holds the escrow forever.
        Ok(check_bounty_settled(bounty.owed_claims, bounty.disputes_open, bounty.disputable_until, now)?)
    }
}

/// Returns exactly the unpaid rest to the vault and the rent to the creator. Whatever else the
/// escrow holds (tokens or lamports sent to it from outside) is swept to the vault too and named in
/// the event (`surplus` in the asset, `surplus_lamports` for SOL found on a token bounty's
/// accounts), so dust can never keep a bounty open and the creator (often the keeper's hot
/// wallet) receives exactly the rent it paid. The policy's window is not
/// credited back: what left the vault in that window stays counted.
pub fn close_bounty_handler(ctx: Context<CloseBounty>) -> Result<()> {
    let accounts = &*ctx.accounts;
    let bounty = &accounts.bounty;
    let returned = bounty.escrow_left();
    let leg = EscrowTokenAccounts {
        mint: accounts.mint.as_deref(),
        escrow: accounts.escrow_token_account.as_deref(),
        counterparty: accounts.vault_token_account.as_deref(),
        token_program: accounts.token_program.as_ref(),
    }
    .leg(&escrow_terms(bounty), &accounts.vault.key())?;
    let bounty_info = bounty.to_account_info();
    let vault = accounts.vault.to_account_info();
    let (surplus, surplus_lamports) = match leg {
        Some(leg) => {
            let held = leg.held();
            let surplus = escrow_surplus(held, returned)?;
            let surplus_lamports = bounty.sign(|signer| {
                if held > 0 {
                    leg.pay_out(bounty_info.clone(), signer, held)?;
                }
                close_token_escrow(&leg, &bounty_info, &vault, signer)
            })?;
            (surplus, surplus_lamports)
        }
        None => {
            // A SOL escrow's lamports above rent are all escrow: `surplus` already counts them.
            let held = sol_escrow_held(&bounty_info)?;
            let surplus = escrow_surplus(held, returned)?;
            pay_sol_from_escrow(&bounty_info, &vault, held)?;
            (surplus, 0)
        }
    };
    let event = BountyClosed {
        treasury: bounty.treasury,
        bounty: bounty.key(),
        id: bounty.id,
        closed_by: accounts.closer.key(),
        asset: bounty.asset,
        funded: bounty.funded,
        paid: bounty.paid,
        returned,
        surplus,
        approved_count: bounty.approved_count,
        rejected_count: bounty.rejected_count,
        surplus_lamports,
    };
    emit_cpi!(event);
    Ok(())
}

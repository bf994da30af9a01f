use anchor_lang::prelude::*;
use anchor_spl::associated_token::AssociatedToken;
use anchor_spl::token_interface::{self, Mint, TokenAccount, TokenInterface, TransferChecked};

use super::{record_donation, validate_donation};
use crate::errors::CovenantError;
use crate::events::DonationReceived;
use crate::state::{SpendPolicy, Treasury};

#[event_cpi]
#[derive(Accounts)]
pub struct DonateToken<'info> {
    #[account(mut)]
    pub donor: Signer<'info>,
    #[account(mut)]
    pub treasury: Account<'info, Treasury>,
    #[account(seeds = [Treasury::VAULT_SEED, treasury.key().as_ref()], bump = treasury.vault_bump)]
    pub vault: SystemAccount<'info>,
    #[account(
        constraint = *mint.to_account_info().owner == token_program.key() @ CovenantError::TokenProgramMismatch,
    )]
    pub mint: InterfaceAccount<'info, Mint>,
    #[account(mut, constraint = donor_token_account.mint == mint.key() @ CovenantError::MintMismatch)]
    pub donor_token_account: InterfaceAccount<'info, TokenAccount>,
    #[account(
        init_if_needed,
        payer = donor,
        associated_token::mint = mint,
        associated_token::authority = vault,
        associated_token::token_program = token_program,
    )]
    pub vault_token_account: InterfaceAccount<'info, TokenAccount>,
    /// The mint's policy, when the treasury has one, counts the donation in `total_received`.
    #[account(
        mut,
        has_one = treasury @ CovenantError::TreasuryMismatch,
        constraint = policy.asset == mint.key() @ CovenantError::PolicyAssetMismatch,
    )]
    pub policy: Option<Account<'info, SpendPolicy>>,
    pub token_program: Interface<'info, TokenInterface>,
    pub associated_token_program: Program<'info, AssociatedToken>,
    pub system_program: Program<'info, System>,
}

impl DonateToken<'_> {
    pub fn validate(&self, amount: u64, memo: &str) -> Result<()> {
        validate_donation(amount, memo)
    }
}

pub fn donate_token_handler(ctx: Context<DonateToken>, amount: u64, memo: String) -> Result<()> {
    let before = ctx.accounts.vault_token_account.amount;
    token_interface::transfer_checked(
        CpiContext::new(
            ctx.accounts.token_program.key(),
            TransferChecked {
                from: ctx.accounts.donor_token_account.to_account_info(),
                mint: ctx.accounts.mint.to_account_info(),
                to: ctx.accounts.vault_token_account.to_account_info(),
                authority: ctx.accounts.donor.to_account_info(),
            },
        ),
        amount,
        ctx.accounts.mint.decimals,
    )?;
    ctx.accounts.vault_token_account.reload()?;
    let vault_balance = ctx.accounts.vault_token_account.amount;
    // Record what arrived, not what was sent: they differ for mints that charge a transfer fee.
    let received = vault_balance.checked_sub(before).ok_or(CovenantError::MathOverflow)?;

    let policy = ctx.accounts.policy.as_deref_mut();
    let recorded_on_policy = record_donation(&mut ctx.accounts.treasury, policy, received)?;
    emit_cpi!(DonationReceived {
        treasury: ctx.accounts.treasury.key(),
        donor: ctx.accounts.donor.key(),
        asset: ctx.accounts.mint.key(),
        amount: received,
        memo,
        vault_balance,
        recorded_on_policy,
    });
    Ok(())
}

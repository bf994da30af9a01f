use anchor_lang::prelude::*;
use anchor_spl::token_2022::Token2022;
use anchor_spl::token_interface::{Mint, TokenAccount};

use super::mint_as_treasury;
use crate::errors::CovenantError;
use crate::events::MemeMinted;
use crate::instructions::keeper::apply_payee_rules;
use crate::policy::enforce_mint;
use crate::state::{DecisionRecord, MemeToken, Treasury};

#[event_cpi]
#[derive(Accounts)]
pub struct MintMeme<'info> {
    pub keeper: Signer<'info>,
    #[account(has_one = keeper @ CovenantError::NotKeeper)]
    pub treasury: Account<'info, Treasury>,
    #[account(
        mut,
        has_one = treasury @ CovenantError::TreasuryMismatch,
        has_one = mint @ CovenantError::MintMismatch,
    )]
    pub meme: Account<'info, MemeToken>,
    #[account(mut)]
    pub mint: InterfaceAccount<'info, Mint>,
    /// CHECK: the wallet receiving the tokens; bound to the destination below and by the payee rules.
    pub recipient: UncheckedAccount<'info>,
    #[account(
        mut,
        constraint = recipient_token_account.mint == mint.key() @ CovenantError::MintMismatch,
        constraint = recipient_token_account.owner == recipient.key() @ CovenantError::RecipientMismatch,
    )]
    pub recipient_token_account: InterfaceAccount<'info, TokenAccount>,
    /// CHECK: the recipient's payee PDA, which may not exist; checked by `apply_payee_rules`.
    #[account(mut)]
    pub payee: UncheckedAccount<'info>,
    pub token_program: Program<'info, Token2022>,
}

impl MintMeme<'_> {
    pub fn validate(&self) -> Result<()> {
        self.treasury.require_active()?;
        Treasury::require_payable_recipient(&self.recipient)?;
        self.meme.require_not_renounced()
    }
}

pub fn mint_meme_handler(ctx: Context<MintMeme>, amount: u64, decision: DecisionRecord) -> Result<()> {
    let now = Clock::get()?.unix_timestamp;
    let accounts = &mut *ctx.accounts;
    let treasury_key = accounts.treasury.key();
    let recipient_key = accounts.recipient.key();
    let mint_key = accounts.mint.key();
    let meme = &mut accounts.meme;

    let recorded = enforce_mint(&meme.limits, meme.window, meme.total_minted, meme.supply_cap, amount, now)?;
    let category = apply_payee_rules(
        &accounts.payee,
        &treasury_key,
        &recipient_key,
        &mint_key,
        amount,
        meme.limits.allowlist_required,
        now,
    )?;
    meme.window = recorded.window;
    meme.total_minted = recorded.total_minted;
    mint_as_treasury(
        &accounts.treasury,
        &accounts.mint.to_account_info(),
        &accounts.recipient_token_account.to_account_info(),
        &accounts.token_program.to_account_info(),
        amount,
    )?;

    emit_cpi!(MemeMinted {
        treasury: treasury_key,
        mint: mint_key,
        keeper: ctx.accounts.keeper.key(),
        recipient: recipient_key,
        amount,
        category,
        window_start: recorded.window.start,
        window_minted: recorded.window.spent,
        total_minted: recorded.total_minted,
        supply_cap: ctx.accounts.meme.supply_cap,
        decision,
    });
    Ok(())
}

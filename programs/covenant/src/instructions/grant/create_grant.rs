use anchor_lang::prelude::*;
use anchor_spl::token_interface::{Mint, TokenAccount, TokenInterface};

use super::deposit;
use crate::constants::SOL_ASSET;
use crate::errors::CovenantError;
use crate::events::GrantCreated;
use crate::instructions::create::Funding;
use crate::instructions::escrow::EscrowTokenAccounts;
use crate::mint_rules::check_mint_extensions;
use crate::policy::{validate_schedule, GrantLedger, ReleaseSchedule};
use crate::state::{Grant, Treasury};

#[derive(AnchorSerialize, AnchorDeserialize, Clone, Debug)]
pub struct CreateGrantArgs {
    pub grant_id: u64,
    pub amount: u64,
    pub schedule: ReleaseSchedule,
    /// Empty: released to the vault. Otherwise the only wallets the grant may pay.
    pub payees: Vec<Pubkey>,
    pub per_tx_cap: Option<u64>,
    pub expires_at: i64,
}

#[event_cpi]
#[derive(Accounts)]
#[instruction(args: CreateGrantArgs)]
pub struct CreateGrant<'info> {
    #[account(mut)]
    pub donor: Signer<'info>,
    pub treasury: Box<Account<'info, Treasury>>,
    /// CHECK: created by the handler (pre-funding cannot block it, see `create.rs`).
    #[account(
        mut,
        seeds = [Grant::SEED, treasury.key().as_ref(), donor.key().as_ref(), &args.grant_id.to_le_bytes()],
        bump,
    )]
    pub grant: UncheckedAccount<'info>,
    /// Token grants only, like every account below; the escrow (the grant's associated token
    /// account) must exist already: the SDK creates it in the same transaction.
    pub mint: Option<Box<InterfaceAccount<'info, Mint>>>,
    #[account(mut)]
    pub escrow_token_account: Option<Box<InterfaceAccount<'info, TokenAccount>>>,
    #[account(mut)]
    pub donor_token_account: Option<Box<InterfaceAccount<'info, TokenAccount>>>,
    pub token_program: Option<Interface<'info, TokenInterface>>,
    pub system_program: Program<'info, System>,
}

impl CreateGrant<'_> {
    pub fn validate(&self, args: &CreateGrantArgs) -> Result<()> {
        require!(args.amount > 0, CovenantError::InvalidGrantTerms);
        Grant::validate_terms(&args.payees, args.per_tx_cap, args.expires_at, Clock::get()?.unix_timestamp)?;
        validate_schedule(&args.schedule)?;
        if let (Some(mint), Some(token_program)) = (&self.mint, &self.token_program) {
            require_keys_eq!(*mint.to_account_info().owner, token_program.key(), CovenantError::TokenProgramMismatch);
            // Fees or a permanent delegate would make the grant's figures wrong or its escrow takeable.
            check_mint_extensions(&mint.to_account_info())?;
        }
        Ok(())
    }
}

pub fn create_grant_handler(ctx: Context<CreateGrant>, args: CreateGrantArgs) -> Result<()> {
    let now = Clock::get()?.unix_timestamp;
    let accounts = &mut *ctx.accounts;
    let (asset, token_program) = match (&accounts.mint, &accounts.token_program) {
        (Some(mint), Some(program)) => (mint.key(), program.key()),
        (None, _) => (SOL_ASSET, SOL_ASSET),
        (Some(_), None) => return err!(CovenantError::TokenAccountsRequired),
    };
    let grant = Grant {
        treasury: accounts.treasury.key(),
        donor: accounts.donor.key(),
        grant_id: args.grant_id,
        asset,
        token_program,
        schedule: args.schedule.clone(),
        payees: args.payees.clone(),
        per_tx_cap: args.per_tx_cap,
        expires_at: args.expires_at,
        ledger: GrantLedger { funded: args.amount, ..GrantLedger::default() },
        created_at: now,
        bump: ctx.bumps.grant,
    };
    let funding = Funding {
        payer: &accounts.donor.to_account_info(),
        system_program: &accounts.system_program.to_account_info(),
    };
    grant.sign(|signer| funding.init(&accounts.grant, signer[0], &grant))?;
    let tokens = EscrowTokenAccounts {
        mint: accounts.mint.as_deref(),
        escrow: accounts.escrow_token_account.as_deref(),
        counterparty: accounts.donor_token_account.as_deref(),
        token_program: accounts.token_program.as_ref(),
    };
    deposit(&grant, &accounts.grant, &accounts.donor, &accounts.system_program, tokens, args.amount)?;
    let event = GrantCreated {
        treasury: accounts.treasury.key(),
        grant: accounts.grant.key(),
        donor: accounts.donor.key(),
        grant_id: args.grant_id,
        asset,
        amount: args.amount,
        schedule: args.schedule,
        payees: args.payees,
        per_tx_cap: args.per_tx_cap,
        expires_at: args.expires_at,
    };
    emit_cpi!(event);
    Ok(())
}

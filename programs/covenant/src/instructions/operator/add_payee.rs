use anchor_lang::prelude::*;

use crate::errors::CovenantError;
use crate::events::PayeeAdded;
use crate::instructions::config_gate::authorize_config_change;
use crate::instructions::create::Funding;
use crate::policy::{ConfigChange, PayeeBudget, PayeeTerms};
use crate::state::{Payee, Treasury};

#[derive(AnchorSerialize, AnchorDeserialize, Clone, Debug)]
pub struct AddPayeeArgs {
    pub recipient: Pubkey,
    pub label: String,
    pub category: String,
    pub budget: Option<PayeeBudget>,
    pub expires_at: Option<i64>,
}

impl AddPayeeArgs {
    /// The queued form of this call.
    pub fn to_change(&self) -> ConfigChange {
        ConfigChange::AddPayee {
            recipient: self.recipient,
            label: self.label.clone(),
            category: self.category.clone(),
            budget: self.budget,
            expires_at: self.expires_at,
        }
    }
}

#[event_cpi]
#[derive(Accounts)]
#[instruction(args: AddPayeeArgs)]
pub struct AddPayee<'info> {
    #[account(mut)]
    pub operator: Signer<'info>,
    #[account(has_one = operator @ CovenantError::NotOperator)]
    pub treasury: Account<'info, Treasury>,
    /// CHECK: created by the handler (pre-funding cannot block it, see `create.rs`).
    #[account(mut, seeds = [Payee::SEED, treasury.key().as_ref(), args.recipient.as_ref()], bump)]
    pub payee: UncheckedAccount<'info>,
    pub system_program: Program<'info, System>,
}

impl AddPayee<'_> {
    pub fn validate(&self, args: &AddPayeeArgs) -> Result<()> {
        Payee::validate_recipient(&self.treasury.key(), &args.recipient)?;
        Payee::validate_entry(&args.label, &args.category, args.expires_at, Clock::get()?.unix_timestamp)
    }
}

/// A new payee is a loosening change: under a config timelock it runs only as a matured queued
/// change.
pub fn add_payee_handler(ctx: Context<AddPayee>, args: AddPayeeArgs) -> Result<()> {
    let executed = authorize_config_change(
        &ctx.accounts.treasury,
        &ctx.accounts.operator,
        ctx.remaining_accounts,
        args.to_change(),
        true,
        None,
    )?;
    let terms = PayeeTerms { budget: args.budget, spent: 0, expires_at: args.expires_at };
    let treasury = ctx.accounts.treasury.key();
    let payee = Payee {
        treasury,
        recipient: args.recipient,
        label: args.label.clone(),
        category: args.category.clone(),
        terms,
        paid_count: 0,
        created_at: Clock::get()?.unix_timestamp,
        bump: ctx.bumps.payee,
    };
    let funding = Funding {
        payer: &ctx.accounts.operator.to_account_info(),
        system_program: &ctx.accounts.system_program.to_account_info(),
    };
    let seeds: &[&[u8]] = &[Payee::SEED, treasury.as_ref(), args.recipient.as_ref(), &[ctx.bumps.payee]];
    funding.init(&ctx.accounts.payee, seeds, &payee)?;
    emit_cpi!(PayeeAdded {
        treasury: ctx.accounts.treasury.key(),
        recipient: args.recipient,
        label: args.label,
        category: args.category,
        terms,
    });
    if let Some(executed) = executed {
        emit_cpi!(executed.finish(&ctx.accounts.operator)?);
    }
    Ok(())
}

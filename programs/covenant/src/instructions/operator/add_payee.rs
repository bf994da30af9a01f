use anchor_lang::prelude::*;

use crate::errors::CovenantError;
use crate::events::PayeeAdded;
use crate::policy::{PayeeBudget, PayeeTerms};
use crate::state::{Payee, Treasury};

#[derive(AnchorSerialize, AnchorDeserialize, Clone, Debug)]
pub struct AddPayeeArgs {
    pub recipient: Pubkey,
    pub label: String,
    pub category: String,
    pub budget: Option<PayeeBudget>,
    pub expires_at: Option<i64>,
}

#[event_cpi]
#[derive(Accounts)]
#[instruction(args: AddPayeeArgs)]
pub struct AddPayee<'info> {
    #[account(mut)]
    pub operator: Signer<'info>,
    #[account(has_one = operator @ CovenantError::NotOperator)]
    pub treasury: Account<'info, Treasury>,
    #[account(
        init,
        payer = operator,
        space = Payee::DISCRIMINATOR.len() + Payee::INIT_SPACE,
        seeds = [Payee::SEED, treasury.key().as_ref(), args.recipient.as_ref()],
        bump,
    )]
    pub payee: Account<'info, Payee>,
    pub system_program: Program<'info, System>,
}

impl AddPayee<'_> {
    pub fn validate(&self, args: &AddPayeeArgs) -> Result<()> {
        let (vault, _) = Treasury::find_vault(&self.treasury.key());
        require!(args.recipient != vault && args.recipient != Pubkey::default(), CovenantError::InvalidRecipient);
        Payee::validate_label(&args.label)?;
        Payee::validate_category(&args.category)?;
        Payee::validate_expiry(args.expires_at, Clock::get()?.unix_timestamp)
    }
}

pub fn add_payee_handler(ctx: Context<AddPayee>, args: AddPayeeArgs) -> Result<()> {
    let terms = PayeeTerms { budget: args.budget, spent: 0, expires_at: args.expires_at };
    ctx.accounts.payee.set_inner(Payee {
        treasury: ctx.accounts.treasury.key(),
        recipient: args.recipient,
        label: args.label.clone(),
        category: args.category.clone(),
        terms,
        paid_count: 0,
        created_at: Clock::get()?.unix_timestamp,
        bump: ctx.bumps.payee,
    });
    emit_cpi!(PayeeAdded {
        treasury: ctx.accounts.treasury.key(),
        recipient: args.recipient,
        label: args.label,
        category: args.category,
        terms,
    });
    Ok(())
}

use anchor_lang::prelude::*;

use crate::events::TreasuryCreated;
use crate::instructions::create::Funding;
use crate::instructions::rent::top_up_to_rent_exempt;
use crate::policy::validate_config_timelock;
use crate::state::Treasury;

#[derive(AnchorSerialize, AnchorDeserialize, Clone, Debug)]
pub struct CreateTreasuryArgs {
    pub treasury_id: u64,
    pub keeper: Pubkey,
    pub guardian: Option<Pubkey>,
    /// How long a loosening change (see `policy::config`) waits in the queue; 0 applies at once.
    pub config_timelock_seconds: u32,
}

#[event_cpi]
#[derive(Accounts)]
#[instruction(args: CreateTreasuryArgs)]
pub struct CreateTreasury<'info> {
    #[account(mut)]
    pub operator: Signer<'info>,
    /// CHECK: created by the handler (pre-funding cannot block it, see `create.rs`).
    #[account(mut, seeds = [Treasury::SEED, operator.key().as_ref(), &args.treasury_id.to_le_bytes()], bump)]
    pub treasury: UncheckedAccount<'info>,
    /// The SOL vault: a system-owned PDA, so donors can send to it with a plain transfer.
    #[account(mut, seeds = [Treasury::VAULT_SEED, treasury.key().as_ref()], bump)]
    pub vault: SystemAccount<'info>,
    pub system_program: Program<'info, System>,
}

impl CreateTreasury<'_> {
    pub fn validate(&self, args: &CreateTreasuryArgs) -> Result<()> {
        Treasury::check_roles(&self.operator.key(), &args.keeper, args.guardian.as_ref())?;
        Ok(validate_config_timelock(args.config_timelock_seconds)?)
    }
}

pub fn create_treasury_handler(ctx: Context<CreateTreasury>, args: CreateTreasuryArgs) -> Result<()> {
    // The vault must hold the rent-exempt minimum before it can pay anything out; the operator
    // tops it up (a donation may have reached the address first).
    top_up_to_rent_exempt(
        &ctx.accounts.operator.to_account_info(),
        &ctx.accounts.vault.to_account_info(),
        &ctx.accounts.system_program.to_account_info(),
        0,
    )?;

    let operator = ctx.accounts.operator.key();
    let treasury = Treasury {
        operator,
        keeper: args.keeper,
        guardian: args.guardian,
        treasury_id: args.treasury_id,
        paused: false,
        next_pending_id: 0,
        next_bounty_id: 0,
        donation_count: 0,
        created_at: Clock::get()?.unix_timestamp,
        bump: ctx.bumps.treasury,
        vault_bump: ctx.bumps.vault,
        config_timelock_seconds: args.config_timelock_seconds,
        next_config_change_id: 0,
        pause_count: 0,
        keeper_tenure: 0,
        policy_generation: 0,
        usd_capped: false,
    };
    treasury.invariant()?;
    let funding = Funding {
        payer: &ctx.accounts.operator.to_account_info(),
        system_program: &ctx.accounts.system_program.to_account_info(),
    };
    treasury.sign(|signer| funding.init(&ctx.accounts.treasury, signer[0], &treasury))?;

    emit_cpi!(TreasuryCreated {
        treasury: ctx.accounts.treasury.key(),
        operator: ctx.accounts.operator.key(),
        keeper: args.keeper,
        guardian: args.guardian,
        treasury_id: args.treasury_id,
        vault: ctx.accounts.vault.key(),
        config_timelock_seconds: args.config_timelock_seconds,
    });
    Ok(())
}

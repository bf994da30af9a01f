use anchor_lang::prelude::*;

use crate::errors::CovenantError;
use crate::events::PendingSpendProposed;
use crate::instructions::create::Funding;
use crate::policy::{pending_schedule, requires_cosign, PendingStatus};
use crate::state::{DecisionRecord, PendingSpend, SpendPolicy, Treasury};

#[derive(AnchorSerialize, AnchorDeserialize, Clone, Debug)]
pub struct ProposeSpendArgs {
    pub recipient: Pubkey,
    pub amount: u64,
    pub purpose: String,
    pub decision: DecisionRecord,
}

#[event_cpi]
#[derive(Accounts)]
pub struct ProposeSpend<'info> {
    /// Pays the pending spend's rent and gets it back when it is closed.
    #[account(mut)]
    pub keeper: Signer<'info>,
    #[account(mut, has_one = keeper @ CovenantError::NotKeeper)]
    pub treasury: Account<'info, Treasury>,
    #[account(has_one = treasury @ CovenantError::TreasuryMismatch)]
    pub policy: Account<'info, SpendPolicy>,
    /// CHECK: created by the handler (pre-funding cannot block it, see `create.rs`).
    #[account(
        mut,
        seeds = [PendingSpend::SEED, treasury.key().as_ref(), &treasury.next_pending_id.to_le_bytes()],
        bump,
    )]
    pub pending: UncheckedAccount<'info>,
    pub system_program: Program<'info, System>,
}

impl ProposeSpend<'_> {
    pub fn validate(&self, args: &ProposeSpendArgs) -> Result<()> {
        self.treasury.require_active()?;
        let limits = &self.policy.limits;
        require!(requires_cosign(limits, args.amount), CovenantError::BelowCosignThreshold);
        require!(args.amount <= limits.per_tx_max, CovenantError::ExceedsPerTxMax);
        let (vault, _) = Treasury::find_vault(&self.treasury.key());
        require!(args.recipient != vault, CovenantError::InvalidRecipient);
        PendingSpend::validate_purpose(&args.purpose)
    }
}

/// A spend above the co-sign threshold becomes a pending spend, executable by the keeper after
/// the policy's timelock or at once after the operator approves. Window and payee rules are
/// checked when it executes, against the state at that time.
pub fn propose_spend_handler(ctx: Context<ProposeSpend>, args: ProposeSpendArgs) -> Result<()> {
    let now = Clock::get()?.unix_timestamp;
    let (executable_at, expires_at) = pending_schedule(now, ctx.accounts.policy.limits.timelock_seconds)?;
    let treasury = &mut ctx.accounts.treasury;
    let id = treasury.next_pending_id;
    treasury.next_pending_id = id.checked_add(1).ok_or(CovenantError::MathOverflow)?;
    let asset = ctx.accounts.policy.asset;
    let policy_generation = ctx.accounts.policy.generation;
    let keeper_tenure = treasury.keeper_tenure;
    let treasury_key = treasury.key();
    let pending = PendingSpend {
        treasury: treasury_key,
        id,
        asset,
        recipient: args.recipient,
        amount: args.amount,
        purpose: args.purpose.clone(),
        decision: args.decision,
        proposer: ctx.accounts.keeper.key(),
        created_at: now,
        executable_at,
        expires_at,
        status: PendingStatus::Proposed,
        bump: ctx.bumps.pending,
        keeper_tenure,
        policy_generation,
    };
    let funding = Funding {
        payer: &ctx.accounts.keeper.to_account_info(),
        system_program: &ctx.accounts.system_program.to_account_info(),
    };
    let id_bytes = id.to_le_bytes();
    let seeds: &[&[u8]] = &[PendingSpend::SEED, treasury_key.as_ref(), &id_bytes, &[ctx.bumps.pending]];
    funding.init(&ctx.accounts.pending, seeds, &pending)?;
    emit_cpi!(PendingSpendProposed {
        treasury: ctx.accounts.treasury.key(),
        id,
        keeper: ctx.accounts.keeper.key(),
        asset,
        recipient: args.recipient,
        amount: args.amount,
        purpose: args.purpose,
        executable_at,
        expires_at,
        decision: args.decision,
        keeper_tenure,
        policy_generation,
    });
    Ok(())
}

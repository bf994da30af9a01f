use anchor_lang::prelude::*;

use crate::errors::CovenantError;
use crate::events::ActionMarked;
use crate::instructions::create::{write_account, Funding};
use crate::policy::marker_accepts;
use crate::state::{ActionMarker, Treasury};

#[event_cpi]
#[derive(Accounts)]
#[instruction(key: [u8; 32])]
pub struct MarkAction<'info> {
    /// Pays the marker's rent the first time its key is marked.
    #[account(mut)]
    pub keeper: Signer<'info>,
    #[account(has_one = keeper @ CovenantError::NotKeeper)]
    pub treasury: Account<'info, Treasury>,
    /// CHECK: created on the key's first use (pre-funding cannot block it, see `create.rs`), then
    /// read and advanced by the handler; the seeds bind it to this treasury and key.
    #[account(mut, seeds = [ActionMarker::SEED, treasury.key().as_ref(), key.as_ref()], bump)]
    pub marker: UncheckedAccount<'info>,
    pub system_program: Program<'info, System>,
}

/// Marks action `sequence` under `key` as done for this treasury, or fails if it (or a later one)
/// already was in this keeper tenure. The keeper sends it in the same transaction as the action, so
/// the action and its marker land together or not at all. A mark made under an earlier tenure (by
/// a key the operator has since rotated out) no longer binds: see `ActionMarker`.
pub fn mark_action_handler(ctx: Context<MarkAction>, key: [u8; 32], sequence: u64) -> Result<()> {
    require!(sequence > 0, CovenantError::InvalidActionSequence);
    // Paused, a keeper action cannot run, so neither can its mark (nor a thief's mark without one).
    ctx.accounts.treasury.require_active()?;
    let treasury = ctx.accounts.treasury.key();
    let tenure = ctx.accounts.treasury.keeper_tenure;
    let now = Clock::get()?.unix_timestamp;
    let info = ctx.accounts.marker.to_account_info();
    let (previous, previous_tenure) = if info.owner == &crate::ID && !info.data_is_empty() {
        let mut marker = ActionMarker::try_deserialize(&mut &info.try_borrow_data()?[..])?;
        require!(marker_accepts(marker.last, marker.tenure, sequence, tenure), CovenantError::ActionAlreadyMarked);
        let previous = (marker.last, marker.tenure);
        marker.last = sequence;
        marker.tenure = tenure;
        marker.marked_at = now;
        write_account(&info, &marker)?;
        previous
    } else {
        let bump = ctx.bumps.marker;
        let payer = ctx.accounts.keeper.key();
        let marker = ActionMarker { treasury, key, last: sequence, payer, bump, tenure, marked_at: now };
        let funding = Funding {
            payer: &ctx.accounts.keeper.to_account_info(),
            system_program: &ctx.accounts.system_program.to_account_info(),
        };
        let seeds: &[&[u8]] = &[ActionMarker::SEED, treasury.as_ref(), &key, &[bump]];
        funding.init(&info, seeds, &marker)?;
        (0, tenure)
    };
    emit_cpi!(ActionMarked {
        treasury,
        keeper: ctx.accounts.keeper.key(),
        key,
        sequence,
        previous,
        previous_tenure,
        tenure,
    });
    Ok(())
}

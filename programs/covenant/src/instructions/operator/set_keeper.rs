use anchor_lang::prelude::*;

use crate::errors::CovenantError;
use crate::events::KeeperRotated;
use crate::state::Treasury;

#[event_cpi]
#[derive(Accounts)]
pub struct SetKeeper<'info> {
    pub operator: Signer<'info>,
    #[account(mut, has_one = operator @ CovenantError::NotOperator)]
    pub treasury: Account<'info, Treasury>,
}

impl SetKeeper<'_> {
    pub fn validate(&self, new_keeper: &Pubkey) -> Result<()> {
        Treasury::check_roles(&self.treasury.operator, new_keeper, self.treasury.guardian.as_ref())
    }
}

/// Rotation takes effect at once: the old key can do nothing from the next transaction on.
pub fn set_keeper_handler(ctx: Context<SetKeeper>, new_keeper: Pubkey) -> Result<()> {
    let treasury = &mut ctx.accounts.treasury;
    let old_keeper = treasury.keeper;
    treasury.keeper = new_keeper;
    treasury.invariant()?;
    emit_cpi!(KeeperRotated {
        treasury: ctx.accounts.treasury.key(),
        operator: ctx.accounts.operator.key(),
        old_keeper,
        new_keeper,
    });
    Ok(())
}

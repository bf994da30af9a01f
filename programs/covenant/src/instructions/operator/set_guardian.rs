use anchor_lang::prelude::*;

use crate::errors::CovenantError;
use crate::events::GuardianChanged;
use crate::state::Treasury;

#[event_cpi]
#[derive(Accounts)]
pub struct SetGuardian<'info> {
    pub operator: Signer<'info>,
    #[account(mut, has_one = operator @ CovenantError::NotOperator)]
    pub treasury: Account<'info, Treasury>,
}

impl SetGuardian<'_> {
    pub fn validate(&self, new_guardian: &Option<Pubkey>) -> Result<()> {
        Treasury::check_roles(&self.treasury.operator, &self.treasury.keeper, new_guardian.as_ref())
    }
}

pub fn set_guardian_handler(ctx: Context<SetGuardian>, new_guardian: Option<Pubkey>) -> Result<()> {
    let treasury = &mut ctx.accounts.treasury;
    let old_guardian = treasury.guardian;
    treasury.guardian = new_guardian;
    treasury.invariant()?;
    emit_cpi!(GuardianChanged {
        treasury: ctx.accounts.treasury.key(),
        operator: ctx.accounts.operator.key(),
        old_guardian,
        new_guardian,
    });
    Ok(())
}

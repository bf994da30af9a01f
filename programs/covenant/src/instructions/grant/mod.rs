//! Grant escrows: a donor funds a treasury with terms the chain enforces (rule 6). Funds leave the
//! escrow only by schedule to the vault (or to the grant's named payees), or back to the donor
//! after expiry; the donor can never take back what was released.

mod claw_back_grant;
mod close_grant;
mod create_grant;
mod release_grant;
mod spend_grant;
mod top_up_grant;

pub use claw_back_grant::*;
pub use close_grant::*;
pub use create_grant::*;
pub use release_grant::*;
pub use spend_grant::*;
pub use top_up_grant::*;

use anchor_lang::prelude::*;
use anchor_lang::system_program;

use crate::instructions::escrow::{pay_sol_from_escrow, EscrowTerms, EscrowTokenAccounts};
use crate::state::Grant;

fn escrow_terms(grant: &Grant, holder: Pubkey) -> EscrowTerms {
    EscrowTerms { asset: grant.asset, token_program: grant.token_program, holder }
}

/// Moves `amount` from the donor into the escrow of `grant`, whose account is `holder`.
fn deposit<'info>(
    grant: &Grant,
    holder: &AccountInfo<'info>,
    donor: &Signer<'info>,
    system_program: &Program<'info, System>,
    tokens: EscrowTokenAccounts<'_, 'info>,
    amount: u64,
) -> Result<()> {
    match tokens.leg(&escrow_terms(grant, holder.key()), &donor.key())? {
        Some(leg) => leg.pay_in(donor.to_account_info(), amount),
        None => system_program::transfer(
            CpiContext::new(
                system_program.key(),
                system_program::Transfer { from: donor.to_account_info(), to: holder.clone() },
            ),
            amount,
        ),
    }
}

/// Moves `amount` out of the grant's escrow to `to` (a wallet owning `tokens.counterparty` for a
/// token grant), signed by the grant PDA.
fn pay_out<'info>(
    grant: &Account<'info, Grant>,
    to: &AccountInfo<'info>,
    tokens: EscrowTokenAccounts<'_, 'info>,
    amount: u64,
) -> Result<()> {
    match tokens.leg(&escrow_terms(grant, grant.key()), to.key)? {
        Some(leg) => grant.sign(|signer| leg.pay_out(grant.to_account_info(), signer, amount)),
        None => pay_sol_from_escrow(&grant.to_account_info(), to, amount),
    }
}

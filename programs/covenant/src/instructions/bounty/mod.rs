//! Bounties: funded from the vault under the spend policy, claimed once per wallet, paid by the
//! keeper's approval, the unpaid rest returned to the vault when the bounty closes.

mod approve_claim;
mod close_bounty;
mod close_claim;
mod create_bounty;
mod reject_claim;
mod submit_claim;

pub use approve_claim::*;
pub use close_bounty::*;
pub use close_claim::*;
pub use create_bounty::*;
pub use reject_claim::*;
pub use submit_claim::*;

use anchor_lang::prelude::*;
use anchor_spl::associated_token::get_associated_token_address_with_program_id;
use anchor_spl::token_interface::{self, Mint, TokenAccount, TokenInterface, TransferChecked};

use crate::constants::SOL_ASSET;
use crate::errors::CovenantError;
use crate::state::Bounty;

/// The token accounts of a token bounty's payment: from its escrow to a counterparty (a claimant
/// or, on close, the vault).
pub(crate) struct EscrowLeg<'a, 'info> {
    mint: &'a InterfaceAccount<'info, Mint>,
    escrow: &'a InterfaceAccount<'info, TokenAccount>,
    counterparty: &'a InterfaceAccount<'info, TokenAccount>,
    token_program: &'a Interface<'info, TokenInterface>,
}

/// `None` for a SOL bounty; for a token bounty, its accounts once each is checked to be what it
/// claims: the bounty's mint and token program, its escrow, a counterparty account owned by `owner`.
pub(crate) fn escrow_leg<'a, 'info>(
    bounty: &Account<'info, Bounty>,
    mint: Option<&'a InterfaceAccount<'info, Mint>>,
    escrow: Option<&'a InterfaceAccount<'info, TokenAccount>>,
    counterparty: Option<&'a InterfaceAccount<'info, TokenAccount>>,
    token_program: Option<&'a Interface<'info, TokenInterface>>,
    owner: &Pubkey,
) -> Result<Option<EscrowLeg<'a, 'info>>> {
    if bounty.asset == SOL_ASSET {
        return Ok(None);
    }
    let (Some(mint), Some(escrow), Some(counterparty), Some(token_program)) =
        (mint, escrow, counterparty, token_program)
    else {
        return err!(CovenantError::TokenAccountsRequired);
    };
    require_keys_eq!(mint.key(), bounty.asset, CovenantError::MintMismatch);
    require_keys_eq!(token_program.key(), bounty.token_program, CovenantError::TokenProgramMismatch);
    let expected = get_associated_token_address_with_program_id(&bounty.key(), &mint.key(), &token_program.key());
    require_keys_eq!(escrow.key(), expected, CovenantError::EscrowAccountMismatch);
    require_keys_eq!(counterparty.mint, mint.key(), CovenantError::MintMismatch);
    require_keys_eq!(counterparty.owner, *owner, CovenantError::RecipientMismatch);
    Ok(Some(EscrowLeg { mint, escrow, counterparty, token_program }))
}

impl<'info> EscrowLeg<'_, 'info> {
    /// Moves `amount` from the escrow to the counterparty, signed by the bounty PDA.
    fn pay(&self, bounty: &Account<'info, Bounty>, amount: u64) -> Result<()> {
        bounty.sign(|signer| {
            token_interface::transfer_checked(
                CpiContext::new_with_signer(
                    self.token_program.key(),
                    TransferChecked {
                        from: self.escrow.to_account_info(),
                        mint: self.mint.to_account_info(),
                        to: self.counterparty.to_account_info(),
                        authority: bounty.to_account_info(),
                    },
                    signer,
                ),
                amount,
                self.mint.decimals,
            )
        })
    }
}

/// Pays `amount` of a SOL bounty's escrow (lamports held by the bounty account itself, above its
/// rent) to `to`. The program owns the bounty account, so it debits it directly.
fn pay_sol_from_escrow(bounty: &Account<'_, Bounty>, to: &AccountInfo, amount: u64) -> Result<()> {
    bounty.sub_lamports(amount)?;
    to.add_lamports(amount)?;
    Ok(())
}

//! The treasury's own meme tokens: launched and administered by the operator, minted by the keeper
//! within caps. The treasury PDA is each mint's mint authority and metadata update authority.

mod launch_meme;
mod mint_meme;
mod renounce_meme;
mod update_meme_uri;

pub use launch_meme::*;
pub use mint_meme::*;
pub use renounce_meme::*;
pub use update_meme_uri::*;

use anchor_lang::prelude::*;
use anchor_lang::system_program;
use anchor_spl::token_interface::{self, MintTo};

use crate::state::Treasury;

/// Token-2022 grows a mint to hold variable-length metadata but does not pay the extra rent: the
/// payer tops the mint up to the rent-exempt minimum of its new length first.
fn fund_rent_for_growth<'info>(
    payer: &AccountInfo<'info>,
    account: &AccountInfo<'info>,
    system_program: &AccountInfo<'info>,
    grown_len: usize,
) -> Result<()> {
    let shortfall = Rent::get()?.minimum_balance(grown_len).saturating_sub(account.lamports());
    if shortfall > 0 {
        system_program::transfer(
            CpiContext::new(
                system_program.key(),
                system_program::Transfer { from: payer.clone(), to: account.clone() },
            ),
            shortfall,
        )?;
    }
    Ok(())
}

/// Mints `amount` to `destination`, signed by the treasury PDA (the mint authority).
fn mint_as_treasury<'info>(
    treasury: &Account<'info, Treasury>,
    mint: &AccountInfo<'info>,
    destination: &AccountInfo<'info>,
    token_program: &AccountInfo<'info>,
    amount: u64,
) -> Result<()> {
    treasury.sign(|signer| {
        token_interface::mint_to(
            CpiContext::new_with_signer(
                token_program.key(),
                MintTo { mint: mint.clone(), to: destination.clone(), authority: treasury.to_account_info() },
                signer,
            ),
            amount,
        )
    })
}

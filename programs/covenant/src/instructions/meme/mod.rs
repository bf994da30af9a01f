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
use anchor_spl::token_interface::{self, MintTo};

use crate::state::Treasury;

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

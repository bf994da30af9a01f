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
use anchor_spl::token_interface::spl_token_2022::extension::{BaseStateWithExtensions, StateWithExtensions};
use anchor_spl::token_interface::spl_token_2022::state::Mint as MintState;
use anchor_spl::token_interface::spl_token_metadata_interface::state::TokenMetadata;
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

/// The length Token-2022 gives `mint` once it holds `metadata`, computed by Token-2022's own rule.
/// That rule pads an account that would be exactly as long as a multisig (355 bytes) so the two
/// can be told apart; rent funded for the unpadded length would fall short.
fn mint_len_with_metadata(mint: &AccountInfo, metadata: &TokenMetadata) -> Result<usize> {
    let data = mint.try_borrow_data()?;
    let state = StateWithExtensions::<MintState>::unpack(&data)?;
    Ok(state.try_get_new_account_len_for_variable_len_extension(metadata)?)
}

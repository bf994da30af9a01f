use anchor_lang::prelude::*;
use anchor_spl::token_2022::Token2022;
use anchor_spl::token_interface::spl_token_2022::extension::{BaseStateWithExtensions, StateWithExtensions};
use anchor_spl::token_interface::spl_token_2022::state::Mint as MintState;
use anchor_spl::token_interface::spl_token_metadata_interface::state::{Field, TokenMetadata};
use anchor_spl::token_interface::{self, Mint, TokenMetadataUpdateField};

use super::mint_len_with_metadata;
use crate::errors::CovenantError;
use crate::events::MemeMetadataUpdated;
use crate::instructions::rent::top_up_to_rent_exempt;
use crate::state::{MemeToken, Treasury};

#[event_cpi]
#[derive(Accounts)]
pub struct UpdateMemeUri<'info> {
    #[account(mut)]
    pub operator: Signer<'info>,
    #[account(has_one = operator @ CovenantError::NotOperator)]
    pub treasury: Account<'info, Treasury>,
    #[account(has_one = treasury @ CovenantError::TreasuryMismatch, has_one = mint @ CovenantError::MintMismatch)]
    pub meme: Account<'info, MemeToken>,
    #[account(mut)]
    pub mint: InterfaceAccount<'info, Mint>,
    pub token_program: Program<'info, Token2022>,
    pub system_program: Program<'info, System>,
}

impl UpdateMemeUri<'_> {
    pub fn validate(&self, uri: &str) -> Result<()> {
        MemeToken::validate_uri(uri)
    }
}

/// Points the token at new off-chain metadata (art, description). Allowed after renounce too:
/// renouncing gives up minting, not the token's page.
pub fn update_meme_uri_handler(ctx: Context<UpdateMemeUri>, uri: String) -> Result<()> {
    let accounts = &*ctx.accounts;
    let mint_info = accounts.mint.to_account_info();
    let treasury_info = accounts.treasury.to_account_info();
    let current = {
        let data = mint_info.try_borrow_data()?;
        let mint = StateWithExtensions::<MintState>::unpack(&data)?;
        mint.get_variable_len_extension::<TokenMetadata>()?
    };
    let old_uri = current.uri.clone();
    let grown_len = mint_len_with_metadata(&mint_info, &TokenMetadata { uri: uri.clone(), ..current })?;
    // Token-2022 grows the mint for the metadata but does not fund the extra rent.
    top_up_to_rent_exempt(
        &accounts.operator.to_account_info(),
        &mint_info,
        &accounts.system_program.to_account_info(),
        grown_len,
    )?;
    accounts.treasury.sign(|signer| {
        token_interface::token_metadata_update_field(
            CpiContext::new_with_signer(
                accounts.token_program.key(),
                TokenMetadataUpdateField {
                    program_id: accounts.token_program.to_account_info(),
                    metadata: mint_info.clone(),
                    update_authority: treasury_info.clone(),
                },
                signer,
            ),
            Field::Uri,
            uri.clone(),
        )
    })?;
    emit_cpi!(MemeMetadataUpdated {
        treasury: accounts.treasury.key(),
        mint: accounts.mint.key(),
        operator: accounts.operator.key(),
        old_uri,
        new_uri: uri,
    });
    Ok(())
}

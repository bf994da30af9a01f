use anchor_lang::prelude::*;
use anchor_spl::token_2022::Token2022;
use anchor_spl::token_interface::spl_token_2022::instruction::AuthorityType;
use anchor_spl::token_interface::{self, Mint, SetAuthority};

use crate::errors::CovenantError;
use crate::events::MemeRenounced;
use crate::state::{MemeToken, Treasury};

#[event_cpi]
#[derive(Accounts)]
pub struct RenounceMeme<'info> {
    pub operator: Signer<'info>,
    #[account(has_one = operator @ CovenantError::NotOperator)]
    pub treasury: Account<'info, Treasury>,
    #[account(
        mut,
        has_one = treasury @ CovenantError::TreasuryMismatch,
        has_one = mint @ CovenantError::MintMismatch,
    )]
    pub meme: Account<'info, MemeToken>,
    #[account(mut)]
    pub mint: InterfaceAccount<'info, Mint>,
    pub token_program: Program<'info, Token2022>,
}

impl RenounceMeme<'_> {
    pub fn validate(&self) -> Result<()> {
        self.meme.require_not_renounced()
    }
}

/// Sets the mint authority to none, in Token-2022 itself: irreversible, whoever asks later.
pub fn renounce_meme_handler(ctx: Context<RenounceMeme>) -> Result<()> {
    let now = Clock::get()?.unix_timestamp;
    let accounts = &mut *ctx.accounts;
    let treasury_info = accounts.treasury.to_account_info();
    accounts.treasury.sign(|signer| {
        token_interface::set_authority(
            CpiContext::new_with_signer(
                accounts.token_program.key(),
                SetAuthority {
                    current_authority: treasury_info.clone(),
                    account_or_mint: accounts.mint.to_account_info(),
                },
                signer,
            ),
            AuthorityType::MintTokens,
            None,
        )
    })?;
    accounts.mint.reload()?;
    let meme = &mut accounts.meme;
    meme.renounced = true;
    meme.renounced_at = Some(now);
    let event = MemeRenounced {
        treasury: meme.treasury,
        mint: meme.mint,
        operator: accounts.operator.key(),
        total_minted: meme.total_minted,
        supply: accounts.mint.supply,
    };
    emit_cpi!(event);
    Ok(())
}

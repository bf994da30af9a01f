use anchor_lang::prelude::*;
use anchor_spl::associated_token::{self, get_associated_token_address_with_program_id, AssociatedToken};
use anchor_spl::token_2022::InitializeMint2;
use anchor_spl::token_2022::Token2022;
use anchor_spl::token_2022_extensions::MetadataPointerInitialize;
use anchor_spl::token_interface::spl_pod::optional_keys::OptionalNonZeroPubkey;
use anchor_spl::token_interface::spl_token_2022::extension::ExtensionType;
use anchor_spl::token_interface::spl_token_2022::state::Mint as MintState;
use anchor_spl::token_interface::spl_token_metadata_interface::state::TokenMetadata;
use anchor_spl::token_interface::{self, TokenMetadataInitialize};

use super::{mint_as_treasury, mint_len_with_metadata};
use crate::constants::MAX_INITIAL_RECIPIENTS;
use crate::errors::CovenantError;
use crate::events::MemeLaunched;
use crate::instructions::create::Funding;
use crate::instructions::rent::top_up_to_rent_exempt;
use crate::policy::{validate_mint_terms, MintLimits, SpendWindow};
use crate::state::{MemeToken, Treasury};

#[derive(AnchorSerialize, AnchorDeserialize, Clone, Debug)]
pub struct LaunchMemeArgs {
    pub name: String,
    pub symbol: String,
    pub uri: String,
    pub decimals: u8,
    /// Nothing, initial allocation included, can ever be minted past this.
    pub supply_cap: u64,
    pub limits: MintLimits,
    /// Minted to the vault at launch (0 for none).
    pub vault_allocation: u64,
    /// Minted at launch to the wallets passed as remaining accounts, as (wallet, its associated
    /// token account) pairs in this order; the accounts are created when missing.
    pub recipient_allocations: Vec<u64>,
}

#[event_cpi]
#[derive(Accounts)]
#[instruction(args: LaunchMemeArgs)]
pub struct LaunchMeme<'info> {
    #[account(mut)]
    pub operator: Signer<'info>,
    #[account(has_one = operator @ CovenantError::NotOperator)]
    pub treasury: Account<'info, Treasury>,
    #[account(seeds = [Treasury::VAULT_SEED, treasury.key().as_ref()], bump = treasury.vault_bump)]
    pub vault: SystemAccount<'info>,
    /// A fresh keypair (vanity addresses welcome), created by the handler. No freeze authority;
    /// the treasury PDA mints and owns the metadata, which lives in the mint itself.
    #[account(mut)]
    pub mint: Signer<'info>,
    /// CHECK: created by the handler (pre-funding cannot block it, see `create.rs`).
    #[account(mut, seeds = [MemeToken::SEED, mint.key().as_ref()], bump)]
    pub meme: UncheckedAccount<'info>,
    /// CHECK: the vault's associated token account for the new mint, created by the handler.
    #[account(
        mut,
        address = get_associated_token_address_with_program_id(&vault.key(), &mint.key(), &token_program.key())
            @ CovenantError::VaultTokenAccountMismatch,
    )]
    pub vault_token_account: UncheckedAccount<'info>,
    pub token_program: Program<'info, Token2022>,
    pub associated_token_program: Program<'info, AssociatedToken>,
    pub system_program: Program<'info, System>,
}

impl LaunchMeme<'_> {
    pub fn validate(&self, args: &LaunchMemeArgs) -> Result<()> {
        // Paused, nothing leaves the treasury, whoever signs: minting to named wallets is value the
        // treasury controls going out, minting into its own vault is not.
        if !args.recipient_allocations.is_empty() {
            self.treasury.require_active()?;
        }
        MemeToken::validate_metadata(&args.name, &args.symbol, &args.uri, args.decimals)?;
        validate_mint_terms(args.supply_cap, &args.limits)?;
        let well_formed = args.recipient_allocations.len() <= MAX_INITIAL_RECIPIENTS
            && args.recipient_allocations.iter().all(|amount| *amount > 0);
        require!(well_formed, CovenantError::InvalidAllocation);
        require!(args.initial_allocation()? <= args.supply_cap, CovenantError::SupplyCapExceeded);
        Ok(())
    }
}

impl LaunchMemeArgs {
    /// The vault's allocation plus every named recipient's.
    pub fn initial_allocation(&self) -> Result<u64> {
        let total = self
            .recipient_allocations
            .iter()
            .try_fold(self.vault_allocation, |total, amount| total.checked_add(*amount))
            .ok_or(CovenantError::MathOverflow)?;
        Ok(total)
    }
}

pub fn launch_meme_handler<'info>(ctx: Context<'info, LaunchMeme<'info>>, args: LaunchMemeArgs) -> Result<()> {
    let now = Clock::get()?.unix_timestamp;
    let accounts = &*ctx.accounts;
    let treasury_key = accounts.treasury.key();
    let mint_key = accounts.mint.key();
    let mint_info = accounts.mint.to_account_info();
    let treasury_info = accounts.treasury.to_account_info();
    let token_program = accounts.token_program.to_account_info();
    let operator = accounts.operator.to_account_info();
    let system_program = accounts.system_program.to_account_info();

    let funding = Funding { payer: &operator, system_program: &system_program };
    let mint_len = ExtensionType::try_calculate_account_len::<MintState>(&[ExtensionType::MetadataPointer])?;
    funding.create(&mint_info, mint_len, &token_program.key(), &[])?;
    token_interface::metadata_pointer_initialize(
        CpiContext::new(
            token_program.key(),
            MetadataPointerInitialize { token_program_id: token_program.clone(), mint: mint_info.clone() },
        ),
        Some(treasury_key),
        Some(mint_key),
    )?;
    token_interface::initialize_mint2(
        CpiContext::new(token_program.key(), InitializeMint2 { mint: mint_info.clone() }),
        args.decimals,
        &treasury_key,
        None,
    )?;

    let metadata = TokenMetadata {
        update_authority: OptionalNonZeroPubkey::try_from(Some(treasury_key))?,
        mint: mint_key,
        name: args.name.clone(),
        symbol: args.symbol.clone(),
        uri: args.uri.clone(),
        additional_metadata: Vec::new(),
    };
    // Token-2022 grows the mint for the metadata but does not fund the extra rent.
    let grown_len = mint_len_with_metadata(&mint_info, &metadata)?;
    top_up_to_rent_exempt(&operator, &mint_info, &system_program, grown_len)?;
    accounts.treasury.sign(|signer| {
        token_interface::token_metadata_initialize(
            CpiContext::new_with_signer(
                token_program.key(),
                TokenMetadataInitialize {
                    program_id: token_program.clone(),
                    metadata: mint_info.clone(),
                    update_authority: treasury_info.clone(),
                    mint_authority: treasury_info.clone(),
                    mint: mint_info.clone(),
                },
                signer,
            ),
            args.name.clone(),
            args.symbol.clone(),
            args.uri.clone(),
        )
    })?;

    // The vault always gets its token account, so the token can be put under a spend policy.
    create_associated_account(accounts, &accounts.vault.to_account_info(), &accounts.vault_token_account)?;
    if args.vault_allocation > 0 {
        mint_as_treasury(
            &accounts.treasury,
            &mint_info,
            &accounts.vault_token_account,
            &token_program,
            args.vault_allocation,
        )?;
    }
    let recipients = ctx.remaining_accounts;
    require!(recipients.len() == 2 * args.recipient_allocations.len(), CovenantError::InvalidAllocation);
    for (pair, amount) in recipients.chunks_exact(2).zip(&args.recipient_allocations) {
        let (wallet, token_account) = (&pair[0], &pair[1]);
        let expected = get_associated_token_address_with_program_id(wallet.key, &mint_key, token_program.key);
        require_keys_eq!(token_account.key(), expected, CovenantError::InvalidAllocation);
        create_associated_account(accounts, wallet, token_account)?;
        mint_as_treasury(&accounts.treasury, &mint_info, token_account, &token_program, *amount)?;
    }

    let initial_allocation = args.initial_allocation()?;
    let meme = MemeToken {
        treasury: treasury_key,
        mint: mint_key,
        decimals: args.decimals,
        supply_cap: args.supply_cap,
        limits: args.limits,
        window: SpendWindow::anchored_at(now),
        total_minted: initial_allocation,
        initial_allocation,
        renounced: false,
        launched_at: now,
        renounced_at: None,
        bump: ctx.bumps.meme,
    };
    let seeds: &[&[u8]] = &[MemeToken::SEED, mint_key.as_ref(), &[ctx.bumps.meme]];
    funding.init(&ctx.accounts.meme, seeds, &meme)?;
    emit_cpi!(MemeLaunched {
        treasury: treasury_key,
        mint: mint_key,
        operator: ctx.accounts.operator.key(),
        name: args.name,
        symbol: args.symbol,
        uri: args.uri,
        decimals: args.decimals,
        supply_cap: args.supply_cap,
        limits: args.limits,
        vault_allocation: args.vault_allocation,
        initial_allocation,
    });
    Ok(())
}

fn create_associated_account<'info>(
    accounts: &LaunchMeme<'info>,
    wallet: &AccountInfo<'info>,
    token_account: &AccountInfo<'info>,
) -> Result<()> {
    associated_token::create_idempotent(CpiContext::new(
        accounts.associated_token_program.key(),
        associated_token::Create {
            payer: accounts.operator.to_account_info(),
            associated_token: token_account.clone(),
            authority: wallet.clone(),
            mint: accounts.mint.to_account_info(),
            system_program: accounts.system_program.to_account_info(),
            token_program: accounts.token_program.to_account_info(),
        },
    ))
}

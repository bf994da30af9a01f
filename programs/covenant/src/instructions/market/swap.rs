use anchor_lang::prelude::*;
use anchor_lang::solana_program::instruction::{AccountMeta, Instruction};
use anchor_lang::solana_program::program::invoke_signed;
use anchor_spl::token_interface::{Mint, TokenAccount};

use crate::constants::MAX_SWAP_ACCOUNTS;
use crate::errors::CovenantError;
use crate::events::{Swapped, UsdCharged};
use crate::instructions::usd_gate::read_price;
use crate::policy::{enforce_keeper_spend, enforce_usd_spend, swap_minimum_out, usd_value, CheckedPrice};
use crate::state::{DecisionRecord, SpendPolicy, Treasury, UsdPolicy};

#[event_cpi]
#[derive(Accounts)]
pub struct Swap<'info> {
    pub keeper: Signer<'info>,
    #[account(has_one = keeper @ CovenantError::NotKeeper)]
    pub treasury: Box<Account<'info, Treasury>>,
    /// The swap's authority: it signs the swap program's instruction.
    #[account(mut, seeds = [Treasury::VAULT_SEED, treasury.key().as_ref()], bump = treasury.vault_bump)]
    pub vault: SystemAccount<'info>,
    #[account(
        mut,
        seeds = [UsdPolicy::SEED, treasury.key().as_ref()],
        bump = usd_policy.bump,
        has_one = treasury @ CovenantError::TreasuryMismatch,
    )]
    pub usd_policy: Box<Account<'info, UsdPolicy>>,
    /// The policy of the asset sold: the swap is a spend under it.
    #[account(
        mut,
        has_one = treasury @ CovenantError::TreasuryMismatch,
        constraint = policy_in.asset == mint_in.key() @ CovenantError::PolicyAssetMismatch,
    )]
    pub policy_in: Box<Account<'info, SpendPolicy>>,
    /// The asset bought must have a policy too: nothing lands in the vault that no policy governs.
    #[account(
        has_one = treasury @ CovenantError::TreasuryMismatch,
        constraint = policy_out.asset == mint_out.key() @ CovenantError::PolicyAssetMismatch,
    )]
    pub policy_out: Box<Account<'info, SpendPolicy>>,
    #[account(constraint = *mint_in.to_account_info().owner == policy_in.token_program @ CovenantError::TokenProgramMismatch)]
    pub mint_in: Box<InterfaceAccount<'info, Mint>>,
    #[account(constraint = *mint_out.to_account_info().owner == policy_out.token_program @ CovenantError::TokenProgramMismatch)]
    pub mint_out: Box<InterfaceAccount<'info, Mint>>,
    #[account(
        mut,
        constraint = vault_in.owner == vault.key() @ CovenantError::VaultTokenAccountMismatch,
        constraint = vault_in.mint == mint_in.key() @ CovenantError::MintMismatch,
    )]
    pub vault_in: Box<InterfaceAccount<'info, TokenAccount>>,
    #[account(
        mut,
        constraint = vault_out.owner == vault.key() @ CovenantError::VaultTokenAccountMismatch,
        constraint = vault_out.mint == mint_out.key() @ CovenantError::MintMismatch,
    )]
    pub vault_out: Box<InterfaceAccount<'info, TokenAccount>>,
    /// CHECK: a Pyth price update for the asset sold, checked by `read_price`.
    pub price_in: UncheckedAccount<'info>,
    /// CHECK: a Pyth price update for the asset bought, checked by `read_price`.
    pub price_out: UncheckedAccount<'info>,
    /// CHECK: must be one of the treasury's swap venues and executable.
    pub swap_program: UncheckedAccount<'info>,
}

impl Swap<'_> {
    pub fn validate(&self, amount_in: u64) -> Result<()> {
        self.treasury.require_active()?;
        require!(amount_in > 0 && self.mint_in.key() != self.mint_out.key(), CovenantError::InvalidSwap);
        let venue_known = self.usd_policy.venue_slippage(&self.swap_program.key()).is_some();
        require!(venue_known && self.swap_program.executable, CovenantError::SwapProgramNotAllowed);
        Ok(())
    }
}

/// What the swap program may not change about the vault's accounts, only their balances.
#[derive(PartialEq)]
struct VaultShape {
    lamports_floor: u64,
    vault_owner: Pubkey,
    vault_data_len: usize,
    accounts: [(Pubkey, Option<Pubkey>, Option<Pubkey>); 2],
}

impl VaultShape {
    fn of(vault: &AccountInfo, token_accounts: [&TokenAccount; 2]) -> Self {
        let shape = |account: &TokenAccount| (account.owner, account.delegate.into(), account.close_authority.into());
        Self {
            lamports_floor: vault.lamports(),
            vault_owner: *vault.owner,
            vault_data_len: vault.data_len(),
            accounts: [shape(token_accounts[0]), shape(token_accounts[1])],
        }
    }

    /// The vault may gain lamports (a refund) but not lose any; nothing else may differ.
    fn kept_by(&self, after: &Self) -> bool {
        after.lamports_floor >= self.lamports_floor
            && after.vault_owner == self.vault_owner
            && after.vault_data_len == self.vault_data_len
            && after.accounts == self.accounts
    }
}

/// Refuses swap accounts that let the vault's signature reach further than the two accounts the
/// swap is about: any other token account of the vault (another asset it holds), or too many. The
/// owner field sits at the same offset in SPL Token and Token-2022 accounts, so it is read raw:
/// an account that would not decode is refused all the same.
fn check_swap_accounts(accounts: &[AccountInfo], vault: &Pubkey, allowed: [Pubkey; 2]) -> Result<()> {
    require!(accounts.len() <= MAX_SWAP_ACCOUNTS, CovenantError::InvalidSwap);
    for info in accounts {
        let token_owned = *info.owner == anchor_spl::token::ID || *info.owner == anchor_spl::token_2022::ID;
        if !token_owned || allowed.contains(info.key) {
            continue;
        }
        let data = info.try_borrow_data()?;
        let owned_by_vault = data.len() >= TOKEN_ACCOUNT_LEN && data.get(32..64) == Some(vault.as_ref());
        require!(!owned_by_vault, CovenantError::InvalidSwap);
    }
    Ok(())
}

/// The base size of an SPL token account. A Token-2022 mint with extensions is as long, but its
/// bytes 32..64 are its authority's tail, supply and decimals, never an address that could sign.
const TOKEN_ACCOUNT_LEN: usize = 165;

/// Sells up to `amount_in` of one vault asset for another through an allowlisted program, which
/// gets `swap_data` and the remaining accounts as they are, with the vault signing. The program
/// snapshots both balances, makes the call, reloads, and keeps the result only if the swap took
/// at most `amount_in` and returned at least the oracle minimum (`policy::swap_minimum_out`), left
/// the vault and its two token accounts as they were but for their balances, and what it took fits
/// the native policy (co-sign threshold included) and the USD caps.
pub fn swap_handler<'info>(
    ctx: Context<'info, Swap<'info>>,
    amount_in: u64,
    swap_data: Vec<u8>,
    decision: DecisionRecord,
) -> Result<()> {
    let now = Clock::get()?.unix_timestamp;
    let accounts = &mut *ctx.accounts;
    let usd_policy = &accounts.usd_policy;
    let (asset_in, asset_out) = (accounts.mint_in.key(), accounts.mint_out.key());
    let feed_in = usd_policy.feed_of(&asset_in).copied().ok_or(CovenantError::PriceFeedNotSet)?;
    let feed_out = usd_policy.feed_of(&asset_out).copied().ok_or(CovenantError::PriceFeedNotSet)?;
    let price_in = read_price(&accounts.price_in, &feed_in, now)?;
    let price_out = read_price(&accounts.price_out, &feed_out, now)?;
    let slippage =
        usd_policy.venue_slippage(&accounts.swap_program.key()).ok_or(CovenantError::SwapProgramNotAllowed)?;
    // Refused before the call if even `amount_in` could not be spent.
    enforce_keeper_spend(&accounts.policy_in.limits, accounts.policy_in.window, amount_in, now)?;
    let usd_capped = accounts.treasury.usd_capped;
    charge_usd_window(usd_capped, usd_policy, amount_in, accounts.mint_in.decimals, &price_in, now)?;

    let vault_key = accounts.vault.key();
    check_swap_accounts(ctx.remaining_accounts, &vault_key, [accounts.vault_in.key(), accounts.vault_out.key()])?;
    let before = VaultShape::of(&accounts.vault.to_account_info(), [&accounts.vault_in, &accounts.vault_out]);
    let (in_before, out_before) = (accounts.vault_in.amount, accounts.vault_out.amount);

    let metas = ctx
        .remaining_accounts
        .iter()
        .map(|info| AccountMeta {
            pubkey: info.key(),
            is_signer: info.is_signer || info.key() == vault_key,
            is_writable: info.is_writable,
        })
        .collect();
    let instruction = Instruction { program_id: accounts.swap_program.key(), accounts: metas, data: swap_data };
    let mut infos = ctx.remaining_accounts.to_vec();
    infos.push(accounts.swap_program.to_account_info());
    let treasury_key = accounts.treasury.key();
    let seeds: &[&[u8]] = &[Treasury::VAULT_SEED, treasury_key.as_ref(), &[accounts.treasury.vault_bump]];
    invoke_signed(&instruction, &infos, &[seeds])?;

    accounts.vault_in.reload()?;
    accounts.vault_out.reload()?;
    let after = VaultShape::of(&accounts.vault.to_account_info(), [&accounts.vault_in, &accounts.vault_out]);
    require!(before.kept_by(&after), CovenantError::SwapTamperedVault);
    let spent = in_before.saturating_sub(accounts.vault_in.amount);
    let received = accounts.vault_out.amount.saturating_sub(out_before);
    require!(spent <= amount_in, CovenantError::SwapOverspent);
    require!(spent > 0, CovenantError::InvalidSwap);
    let minimum_out = swap_minimum_out(
        spent,
        accounts.mint_in.decimals,
        &price_in,
        accounts.mint_out.decimals,
        &price_out,
        slippage,
    )?;
    require!(received >= minimum_out, CovenantError::SwapOutputBelowMinimum);

    // What was actually taken is what counts.
    let window = enforce_keeper_spend(&accounts.policy_in.limits, accounts.policy_in.window, spent, now)?;
    accounts.policy_in.record_spent(window, spent)?;
    let charged =
        charge_usd_window(usd_capped, &accounts.usd_policy, spent, accounts.mint_in.decimals, &price_in, now)?;
    if let Some((_, usd_window)) = charged {
        accounts.usd_policy.window = usd_window;
    }
    let (keeper, program) = (accounts.keeper.key(), accounts.swap_program.key());
    let micro_usd = charged.map_or(0, |(micro_usd, _)| micro_usd);
    if let Some((micro_usd, usd_window)) = charged {
        emit_cpi!(UsdCharged {
            treasury: treasury_key,
            asset: asset_in,
            amount: spent,
            micro_usd,
            price: price_in,
            window_start: usd_window.start,
            window_spent: usd_window.spent,
        });
    }
    emit_cpi!(Swapped {
        treasury: treasury_key,
        keeper,
        program,
        asset_in,
        asset_out,
        amount_in,
        spent,
        received,
        minimum_out,
        price_in,
        price_out,
        window_spent: window.spent,
        micro_usd,
        decision,
    });
    Ok(())
}

/// The USD window with `amount` of the asset sold counted, and what it counted as; `None` when
/// the treasury has no USD caps.
fn charge_usd_window(
    usd_capped: bool,
    usd_policy: &UsdPolicy,
    amount: u64,
    decimals: u8,
    price: &CheckedPrice,
    now: i64,
) -> Result<Option<(u64, crate::policy::SpendWindow)>> {
    let Some(limits) = usd_policy.limits.filter(|_| usd_capped) else {
        return Ok(None);
    };
    let micro_usd = usd_value(amount, decimals, price)?;
    Ok(Some((micro_usd, enforce_usd_spend(&limits, usd_policy.window, micro_usd, now)?)))
}

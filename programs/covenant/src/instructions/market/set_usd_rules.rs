use anchor_lang::prelude::*;

use crate::errors::CovenantError;
use crate::events::{PriceFeedSet, SwapVenueSet, UsdLimitsSet};
use crate::instructions::config_gate::authorize_config_change;
use crate::instructions::create::{is_program_account, write_account, Funding};
use crate::policy::{
    price_feed_loosens, swap_venue_loosens, usd_limits_loosen, validate_price_feed, validate_slippage,
    validate_usd_limits, ConfigChange, PriceFeed, SpendWindow, UsdLimits,
};
use crate::state::{Treasury, UsdPolicy};

/// The accounts of the three operator instructions that set a treasury's dollar rules. The first
/// of them creates the `UsdPolicy` (the operator pays its rent).
#[event_cpi]
#[derive(Accounts)]
pub struct SetUsdRules<'info> {
    #[account(mut)]
    pub operator: Signer<'info>,
    #[account(mut, has_one = operator @ CovenantError::NotOperator)]
    pub treasury: Box<Account<'info, Treasury>>,
    /// CHECK: created by the first of these instructions (pre-funding cannot block it, see
    /// `create.rs`), rewritten after; its seeds tie it to this treasury.
    #[account(mut, seeds = [UsdPolicy::SEED, treasury.key().as_ref()], bump)]
    pub usd_policy: UncheckedAccount<'info>,
    pub system_program: Program<'info, System>,
}

impl<'info> SetUsdRules<'info> {
    /// The treasury's dollar rules as they stand, or empty ones if none were ever set.
    fn load(&self, bump: u8, now: i64) -> Result<UsdPolicy> {
        let info = self.usd_policy.to_account_info();
        if !is_program_account(&info) {
            return Ok(UsdPolicy {
                treasury: self.treasury.key(),
                limits: None,
                window: SpendWindow::anchored_at(now),
                feeds: Vec::new(),
                venues: Vec::new(),
                bump,
            });
        }
        let data = info.try_borrow_data()?;
        UsdPolicy::try_deserialize(&mut &data[..])
    }

    /// Writes the rules back, creating the account the first time.
    fn store(&self, usd_policy: &UsdPolicy) -> Result<()> {
        let info = self.usd_policy.to_account_info();
        if is_program_account(&info) {
            return write_account(&info, usd_policy);
        }
        let treasury = self.treasury.key();
        let seeds: &[&[u8]] = &[UsdPolicy::SEED, treasury.as_ref(), &[usd_policy.bump]];
        let payer = self.operator.to_account_info();
        let system_program = self.system_program.to_account_info();
        Funding { payer: &payer, system_program: &system_program }.init(&info, seeds, usd_policy)
    }

    pub fn validate_limits(&self, limits: &Option<UsdLimits>) -> Result<()> {
        Ok(limits.as_ref().map_or(Ok(()), validate_usd_limits)?)
    }

    pub fn validate_feed(&self, feed: &Option<PriceFeed>) -> Result<()> {
        Ok(feed.as_ref().map_or(Ok(()), validate_price_feed)?)
    }

    pub fn validate_venue(&self, program: &Pubkey, max_slippage_bps: Option<u16>) -> Result<()> {
        check_swap_venue_program(program)?;
        Ok(max_slippage_bps.map_or(Ok(()), validate_slippage)?)
    }
}

/// Programs a vault must never "swap" through: this one, and those whose instructions move or
/// re-own the vault's funds directly rather than trade them.
pub fn check_swap_venue_program(program: &Pubkey) -> Result<()> {
    let forbidden = [
        crate::ID,
        anchor_lang::system_program::ID,
        anchor_spl::token::ID,
        anchor_spl::token_2022::ID,
        anchor_spl::associated_token::ID,
    ];
    require!(!forbidden.contains(program) && *program != Pubkey::default(), CovenantError::InvalidSwapVenue);
    Ok(())
}

/// Sets the USD caps (`None` removes them). Adding caps or lowering them applies at once; raising
/// or removing them waits out the config timelock. The window keeps its anchor and usage across
/// changes, as the native windows do; it is anchored when caps are first set.
pub fn set_usd_limits_handler(ctx: Context<SetUsdRules>, limits: Option<UsdLimits>) -> Result<()> {
    let now = Clock::get()?.unix_timestamp;
    let mut usd_policy = ctx.accounts.load(ctx.bumps.usd_policy, now)?;
    let old = usd_policy.limits;
    let executed = authorize_config_change(
        &ctx.accounts.treasury,
        &ctx.accounts.operator,
        ctx.remaining_accounts,
        ConfigChange::SetUsdLimits { limits },
        usd_limits_loosen(old.as_ref(), limits.as_ref()),
        Some(ConfigChange::SetUsdLimits { limits: old }),
    )?;
    if old.is_none() {
        usd_policy.window = SpendWindow::anchored_at(now);
    }
    usd_policy.limits = limits;
    ctx.accounts.store(&usd_policy)?;
    ctx.accounts.treasury.usd_capped = limits.is_some();
    emit_cpi!(UsdLimitsSet { treasury: ctx.accounts.treasury.key(), old, new: limits });
    if let Some(executed) = executed {
        emit_cpi!(executed.finish(&ctx.accounts.operator)?);
    }
    Ok(())
}

/// Pins (or removes) the Pyth feed that prices `asset`. A new feed, another feed id or looser
/// terms wait out the config timelock; removing a feed or tightening its terms applies at once.
pub fn set_price_feed_handler(ctx: Context<SetUsdRules>, asset: Pubkey, feed: Option<PriceFeed>) -> Result<()> {
    let mut usd_policy = ctx.accounts.load(ctx.bumps.usd_policy, Clock::get()?.unix_timestamp)?;
    let old = usd_policy.feed_of(&asset).copied();
    let executed = authorize_config_change(
        &ctx.accounts.treasury,
        &ctx.accounts.operator,
        ctx.remaining_accounts,
        ConfigChange::SetPriceFeed { asset, feed },
        price_feed_loosens(old.as_ref(), feed.as_ref()),
        Some(ConfigChange::SetPriceFeed { asset, feed: old }),
    )?;
    usd_policy.put_feed(asset, feed)?;
    ctx.accounts.store(&usd_policy)?;
    emit_cpi!(PriceFeedSet { treasury: ctx.accounts.treasury.key(), asset, old, new: feed });
    if let Some(executed) = executed {
        emit_cpi!(executed.finish(&ctx.accounts.operator)?);
    }
    Ok(())
}

/// Allowlists (or removes) a program the vault may swap through, with the most a swap there may
/// return below the oracle value. A new venue or more slippage waits out the config timelock.
pub fn set_swap_venue_handler(ctx: Context<SetUsdRules>, program: Pubkey, max_slippage_bps: Option<u16>) -> Result<()> {
    let mut usd_policy = ctx.accounts.load(ctx.bumps.usd_policy, Clock::get()?.unix_timestamp)?;
    let old = usd_policy.venue_slippage(&program);
    let executed = authorize_config_change(
        &ctx.accounts.treasury,
        &ctx.accounts.operator,
        ctx.remaining_accounts,
        ConfigChange::SetSwapVenue { program, max_slippage_bps },
        swap_venue_loosens(old, max_slippage_bps),
        Some(ConfigChange::SetSwapVenue { program, max_slippage_bps: old }),
    )?;
    usd_policy.put_venue(program, max_slippage_bps)?;
    ctx.accounts.store(&usd_policy)?;
    emit_cpi!(SwapVenueSet { treasury: ctx.accounts.treasury.key(), program, old, new: max_slippage_bps });
    if let Some(executed) = executed {
        emit_cpi!(executed.finish(&ctx.accounts.operator)?);
    }
    Ok(())
}

use anchor_lang::prelude::*;

use crate::errors::CovenantError;
use crate::events::ConfigChangeQueued;
use crate::instructions::create::Funding;
use crate::policy::{
    check_guardian_override, request_delay, validate_config_timelock, validate_limits, validate_price_feed,
    validate_slippage, validate_usd_limits, ConfigChange,
};
use crate::state::{ConfigChangeRequest, Payee, SpendPolicy, Treasury, UsdPolicy};

#[event_cpi]
#[derive(Accounts)]
pub struct QueueConfigChange<'info> {
    #[account(mut)]
    pub operator: Signer<'info>,
    #[account(mut, has_one = operator @ CovenantError::NotOperator)]
    pub treasury: Account<'info, Treasury>,
    /// CHECK: created by the handler at the treasury's next config-change id.
    #[account(
        mut,
        seeds = [ConfigChangeRequest::SEED, treasury.key().as_ref(), &treasury.next_config_change_id.to_le_bytes()],
        bump,
    )]
    pub request: UncheckedAccount<'info>,
    /// The policy (for `UpdatePolicy`), payee (for `UpdatePayee`) or USD policy (for the dollar
    /// changes, even before it exists) the change replaces, so the queue event can show what it
    /// was; none for the other changes.
    /// CHECK: its address and type are checked against the change by the handler.
    pub target: Option<UncheckedAccount<'info>>,
    pub system_program: Program<'info, System>,
}

impl QueueConfigChange<'_> {
    /// What can be checked before the change executes; the operator's instruction checks the rest
    /// (against the state of that moment) when it runs.
    pub fn validate(&self, change: &ConfigChange) -> Result<()> {
        let treasury = &self.treasury;
        let now = Clock::get()?.unix_timestamp;
        match change {
            ConfigChange::SetKeeper { keeper } => {
                Treasury::check_roles(&treasury.operator, keeper, treasury.guardian.as_ref())
            }
            ConfigChange::SetGuardian { guardian } => {
                Treasury::check_roles(&treasury.operator, &treasury.keeper, guardian.as_ref())
            }
            ConfigChange::SetConfigTimelock { seconds } => Ok(validate_config_timelock(*seconds)?),
            ConfigChange::Unpause => {
                require!(treasury.paused, CovenantError::NotPaused);
                Ok(())
            }
            ConfigChange::CreatePolicy { limits, .. } | ConfigChange::UpdatePolicy { limits, .. } => {
                Ok(validate_limits(limits)?)
            }
            ConfigChange::AddPayee { recipient, label, category, expires_at, .. } => {
                Payee::validate_recipient(&treasury.key(), recipient)?;
                Payee::validate_entry(label, category, *expires_at, now)
            }
            ConfigChange::UpdatePayee { label, category, expires_at, .. } => {
                Payee::validate_entry(label, category, *expires_at, now)
            }
            ConfigChange::SetUsdLimits { limits } => Ok(limits.as_ref().map_or(Ok(()), validate_usd_limits)?),
            ConfigChange::SetPriceFeed { feed, .. } => Ok(feed.as_ref().map_or(Ok(()), validate_price_feed)?),
            ConfigChange::SetSwapVenue { program, max_slippage_bps } => {
                crate::instructions::check_swap_venue_program(program)?;
                Ok(max_slippage_bps.map_or(Ok(()), validate_slippage)?)
            }
        }
    }

    /// The value `change` replaces, read from the treasury or the target account.
    fn current_value(&self, change: &ConfigChange) -> Result<Option<ConfigChange>> {
        let treasury = &self.treasury;
        Ok(match change {
            ConfigChange::SetKeeper { .. } => Some(ConfigChange::SetKeeper { keeper: treasury.keeper }),
            ConfigChange::SetGuardian { .. } => Some(ConfigChange::SetGuardian { guardian: treasury.guardian }),
            ConfigChange::SetConfigTimelock { .. } => {
                Some(ConfigChange::SetConfigTimelock { seconds: treasury.config_timelock_seconds })
            }
            ConfigChange::Unpause | ConfigChange::CreatePolicy { .. } | ConfigChange::AddPayee { .. } => None,
            ConfigChange::UpdatePolicy { asset, .. } => {
                let expected = SpendPolicy::find_address(&treasury.key(), asset).0;
                let policy: SpendPolicy = self.read_target(&expected, CovenantError::PolicyAssetMismatch)?;
                Some(ConfigChange::UpdatePolicy { asset: *asset, limits: policy.limits })
            }
            ConfigChange::UpdatePayee { recipient, .. } => {
                let expected = Payee::find_address(&treasury.key(), recipient).0;
                let payee: Payee = self.read_target(&expected, CovenantError::PayeeAccountMismatch)?;
                Some(payee.as_change())
            }
            ConfigChange::SetUsdLimits { .. } => {
                Some(ConfigChange::SetUsdLimits { limits: self.read_usd_policy()?.and_then(|usd| usd.limits) })
            }
            ConfigChange::SetPriceFeed { asset, .. } => {
                let feed = self.read_usd_policy()?.and_then(|usd| usd.feed_of(asset).copied());
                Some(ConfigChange::SetPriceFeed { asset: *asset, feed })
            }
            ConfigChange::SetSwapVenue { program, .. } => {
                let max_slippage_bps = self.read_usd_policy()?.and_then(|usd| usd.venue_slippage(program));
                Some(ConfigChange::SetSwapVenue { program: *program, max_slippage_bps })
            }
        })
    }

    /// The treasury's USD policy, `None` while it has not been created (nothing is set yet).
    fn read_usd_policy(&self) -> Result<Option<UsdPolicy>> {
        let expected = UsdPolicy::find_address(&self.treasury.key()).0;
        match &self.target {
            Some(target) if target.key() == expected && target.data_is_empty() => Ok(None),
            _ => self.read_target(&expected, CovenantError::UsdPolicyMismatch).map(Some),
        }
    }

    fn read_target<T: AccountDeserialize>(&self, expected: &Pubkey, mismatch: CovenantError) -> Result<T> {
        let Some(target) = &self.target else {
            return Err(error!(mismatch));
        };
        if target.key() != *expected || *target.owner != crate::ID {
            return Err(error!(mismatch));
        }
        let data = target.try_borrow_data()?;
        T::try_deserialize(&mut &data[..]).map_err(|_| error!(mismatch))
    }
}

/// Queues `change`; it becomes executable after the treasury's config timelock. Any change may be
/// queued; only loosening ones need to be (see `policy::config`).
pub fn queue_config_change_handler(ctx: Context<QueueConfigChange>, change: ConfigChange) -> Result<()> {
    queue(ctx, change, false)
}

/// Queues an unpause or a guardian change that the guardian cannot cancel: the way out when a
/// guardian pauses and vetoes every unpause. It waits the config timelock plus a week, so it is
/// never a faster path for a stolen operator key than the ordinary queue, and the operator (only)
/// can cancel it.
pub fn queue_guardian_override_handler(ctx: Context<QueueConfigChange>, change: ConfigChange) -> Result<()> {
    let treasury = &ctx.accounts.treasury;
    check_guardian_override(&change, treasury.guardian, treasury.paused)?;
    queue(ctx, change, true)
}

fn queue(ctx: Context<QueueConfigChange>, change: ConfigChange, overrides_guardian: bool) -> Result<()> {
    let now = Clock::get()?.unix_timestamp;
    let old = ctx.accounts.current_value(&change)?;
    let treasury = &mut ctx.accounts.treasury;
    let id = treasury.next_config_change_id;
    treasury.next_config_change_id = id.checked_add(1).ok_or(CovenantError::MathOverflow)?;
    let delay = request_delay(treasury.config_timelock_seconds, overrides_guardian);
    let executable_at = now.checked_add(delay).ok_or(CovenantError::MathOverflow)?;
    let request = ConfigChangeRequest {
        treasury: treasury.key(),
        id,
        change: change.clone(),
        proposer: ctx.accounts.operator.key(),
        queued_at: now,
        executable_at,
        bump: ctx.bumps.request,
        basis: old.clone(),
        pause_count: treasury.pause_count,
        overrides_guardian,
    };
    let funding = Funding {
        payer: &ctx.accounts.operator.to_account_info(),
        system_program: &ctx.accounts.system_program.to_account_info(),
    };
    let treasury_key = treasury.key();
    let id_bytes = id.to_le_bytes();
    let seeds: &[&[u8]] = &[ConfigChangeRequest::SEED, treasury_key.as_ref(), &id_bytes, &[ctx.bumps.request]];
    funding.init(&ctx.accounts.request, seeds, &request)?;
    emit_cpi!(ConfigChangeQueued {
        treasury: treasury_key,
        id,
        operator: ctx.accounts.operator.key(),
        old,
        new: change,
        executable_at,
        overrides_guardian,
        pause_count: ctx.accounts.treasury.pause_count,
    });
    Ok(())
}

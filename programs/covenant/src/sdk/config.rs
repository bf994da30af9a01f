//! Builders for the config timelock: queue a loosening change, execute it once matured (the
//! operator's own instruction with the request appended), cancel it.

use anchor_lang::prelude::*;
use anchor_lang::solana_program::instruction::{AccountMeta, Instruction};
use anchor_lang::system_program;

use super::{build, event_authority, TreasuryAddresses};
use crate::constants::SOL_ASSET;
use crate::instructions::UpdatePayeeArgs;
use crate::policy::ConfigChange;
use crate::state::ConfigChangeRequest;
use crate::{accounts, instruction};

impl TreasuryAddresses {
    /// Where the treasury's `id`-th queued config change lives.
    pub fn config_change(&self, id: u64) -> Pubkey {
        ConfigChangeRequest::find_address(&self.treasury, id).0
    }
}

/// Queues `change` as the treasury's `next_id`-th request (`Treasury::next_config_change_id`).
pub fn queue_config_change(t: &TreasuryAddresses, next_id: u64, change: ConfigChange) -> Instruction {
    build(queue_accounts(t, next_id, &change), instruction::QueueConfigChange { change })
}

/// Queues an unpause or a guardian change the guardian cannot cancel (config timelock + 7 days).
pub fn queue_guardian_override(t: &TreasuryAddresses, next_id: u64, change: ConfigChange) -> Instruction {
    build(queue_accounts(t, next_id, &change), instruction::QueueGuardianOverride { change })
}

fn queue_accounts(t: &TreasuryAddresses, next_id: u64, change: &ConfigChange) -> accounts::QueueConfigChange {
    let target = match change {
        ConfigChange::UpdatePolicy { asset, .. } => Some(t.policy(asset)),
        ConfigChange::UpdatePayee { recipient, .. } => Some(t.payee(recipient)),
        ConfigChange::SetUsdLimits { .. } | ConfigChange::SetPriceFeed { .. } | ConfigChange::SetSwapVenue { .. } => {
            Some(t.usd_policy())
        }
        _ => None,
    };
    accounts::QueueConfigChange {
        operator: t.operator,
        treasury: t.treasury,
        request: t.config_change(next_id),
        target,
        system_program: system_program::ID,
        event_authority: event_authority(),
        program: crate::ID,
    }
}

pub fn cancel_config_change(t: &TreasuryAddresses, authority: Pubkey, id: u64) -> Instruction {
    build(
        accounts::CancelConfigChange {
            authority,
            treasury: t.treasury,
            request: t.config_change(id),
            proposer: t.operator,
            event_authority: event_authority(),
            program: crate::ID,
        },
        instruction::CancelConfigChange {},
    )
}

pub fn set_config_timelock(t: &TreasuryAddresses, seconds: u32) -> Instruction {
    build(
        accounts::SetConfigTimelock {
            operator: t.operator,
            treasury: t.treasury,
            event_authority: event_authority(),
            program: crate::ID,
        },
        instruction::SetConfigTimelock { seconds },
    )
}

/// `ix` (the operator's instruction for a change) executing the queued request at `request`.
pub fn with_queued_change(mut ix: Instruction, request: Pubkey) -> Instruction {
    ix.accounts.push(AccountMeta::new(request, false));
    ix
}

/// The operator's instruction that applies `change`, executing the queued request `id`.
pub fn execute_config_change(t: &TreasuryAddresses, id: u64, change: &ConfigChange) -> Instruction {
    let ix = match change.clone() {
        ConfigChange::SetKeeper { keeper } => super::set_keeper(t, keeper),
        ConfigChange::SetGuardian { guardian } => super::set_guardian(t, guardian),
        ConfigChange::SetConfigTimelock { seconds } => set_config_timelock(t, seconds),
        ConfigChange::Unpause => super::unpause(t),
        ConfigChange::CreatePolicy { asset, limits, .. } if asset == SOL_ASSET => super::create_sol_policy(t, limits),
        ConfigChange::CreatePolicy { asset, token_program, limits } => {
            super::create_token_policy(t, asset, token_program, limits)
        }
        ConfigChange::UpdatePolicy { asset, limits } => super::update_policy(t, asset, limits),
        ConfigChange::AddPayee { recipient, label, category, budget, expires_at } => {
            super::add_payee(t, crate::instructions::AddPayeeArgs { recipient, label, category, budget, expires_at })
        }
        ConfigChange::UpdatePayee { recipient, label, category, budget, expires_at } => {
            super::update_payee(t, recipient, UpdatePayeeArgs { label, category, budget, expires_at })
        }
        ConfigChange::SetUsdLimits { limits } => super::set_usd_limits(t, limits),
        ConfigChange::SetPriceFeed { asset, feed } => super::set_price_feed(t, asset, feed),
        ConfigChange::SetSwapVenue { program, max_slippage_bps } => super::set_swap_venue(t, program, max_slippage_bps),
    };
    with_queued_change(ix, t.config_change(id))
}

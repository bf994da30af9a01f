use anchor_lang::prelude::*;

use crate::errors::CovenantError;

/// An agent's treasury. Holds no funds itself: SOL sits in the system-owned vault PDA, tokens in
/// the vault's associated token accounts, so anyone can derive where to send a donation.
#[account]
#[derive(InitSpace, Debug)]
pub struct Treasury {
    pub operator: Pubkey,
    pub keeper: Pubkey,
    pub guardian: Option<Pubkey>,
    /// Lets one operator run several agents: the PDA is derived from (operator, treasury_id).
    pub treasury_id: u64,
    pub paused: bool,
    /// Next id for a pending spend (co-signed large spends number themselves from this).
    pub next_pending_id: u64,
    /// Next id for a bounty.
    pub next_bounty_id: u64,
    pub donation_count: u64,
    pub created_at: i64,
    pub bump: u8,
    pub vault_bump: u8,
    /// How long a loosening config change waits in the queue (0: changes apply at once).
    pub config_timelock_seconds: u32,
    /// Next id for a queued config change.
    pub next_config_change_id: u64,
    /// How many times the treasury was paused: a queued unpause answers one pause, not the next.
    pub pause_count: u64,
    /// How many times the keeper key was replaced: marks and proposals of a rotated-out key no
    /// longer bind (see `ActionMarker`, `PendingSpend`).
    pub keeper_tenure: u64,
    /// How many policies were ever created: a pending spend belongs to the policy it was proposed
    /// under, not to one re-created after a close.
    pub policy_generation: u64,
    /// USD caps are set (`UsdPolicy::limits`): every outflow must present the treasury's
    /// `UsdPolicy` and a price for its asset, so a caller cannot leave the dollar caps out.
    pub usd_capped: bool,
}

impl Treasury {
    pub const SEED: &'static [u8] = b"treasury";
    pub const VAULT_SEED: &'static [u8] = b"vault";

    pub fn find_address(operator: &Pubkey, treasury_id: u64) -> (Pubkey, u8) {
        Pubkey::find_program_address(&[Self::SEED, operator.as_ref(), &treasury_id.to_le_bytes()], &crate::ID)
    }

    pub fn find_vault(treasury: &Pubkey) -> (Pubkey, u8) {
        Pubkey::find_program_address(&[Self::VAULT_SEED, treasury.as_ref()], &crate::ID)
    }

    /// Key separation is the point: a stolen keeper key must not be the operator's key, and the
    /// guardian must not be the hot key it exists to stop.
    pub fn check_roles(operator: &Pubkey, keeper: &Pubkey, guardian: Option<&Pubkey>) -> Result<()> {
        require!(*keeper != *operator && *keeper != Pubkey::default(), CovenantError::InvalidKeeper);
        if let Some(guardian) = guardian {
            require!(*guardian != *keeper && *guardian != Pubkey::default(), CovenantError::InvalidGuardian);
        }
        Ok(())
    }

    pub fn invariant(&self) -> Result<()> {
        Self::check_roles(&self.operator, &self.keeper, self.guardian.as_ref())
    }

    /// Who may stop things: pause the treasury or cancel a pending spend.
    pub fn is_guardian_or_operator(&self, key: &Pubkey) -> bool {
        self.guardian.as_ref() == Some(key) || self.operator == *key
    }

    /// Runs `cpi` with the treasury PDA as signer: it is the authority of the mints it launched.
    pub fn sign<R>(&self, cpi: impl FnOnce(&[&[&[u8]]]) -> Result<R>) -> Result<R> {
        let id = self.treasury_id.to_le_bytes();
        let seeds: &[&[u8]] = &[Self::SEED, self.operator.as_ref(), &id, &[self.bump]];
        cpi(&[seeds])
    }

    /// Refuses recipients this program owns (a treasury, policy, escrow, request...): lamports
    /// paid there would be counted as spent and then sit where no policy reaches them.
    pub fn require_payable_recipient(recipient: &AccountInfo) -> Result<()> {
        require!(*recipient.owner != crate::ID, CovenantError::ProgramOwnedRecipient);
        Ok(())
    }

    pub fn require_active(&self) -> Result<()> {
        require!(!self.paused, CovenantError::TreasuryPaused);
        Ok(())
    }
}

//! Guard: every proposal is checked with the program's own policy functions (`covenant::policy`)
//! against a working copy of the observed state, so several actions in one tick jointly respect
//! every cap. What the chain would refuse is refused here, with the program's own error name, and
//! never sent; amounts the operator allowed to shrink (`partial` payments, airdrops) are clamped.

// A refusal is the guard's answer itself, built once per proposal and returned by value.
#![allow(clippy::result_large_err)]

use anchor_lang::prelude::Pubkey;
use covenant::constants::SOL_ASSET;
use covenant::errors::CovenantError;
use covenant::policy::{
    check_approval, check_executable, check_payable, check_pending_current, enforce_keeper_spend, enforce_mint,
    enforce_payee, enforce_spend, keeper_headroom, mint_headroom, payee_headroom, requires_cosign, ClaimStatus,
    PendingStatus,
};
use serde::Serialize;

use crate::decide::asset_name;
use crate::decide::Intent;
use crate::observe::Snapshot;

#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(tag = "verdict", rename_all = "snake_case")]
pub enum Verdict {
    Pass { intent: Intent },
    Clamped { intent: Intent, requested: u64, reason: String },
    Refused { code: String, detail: String },
}

impl Verdict {
    pub fn intent(&self) -> Option<&Intent> {
        match self {
            Self::Pass { intent } | Self::Clamped { intent, .. } => Some(intent),
            Self::Refused { .. } => None,
        }
    }
}

fn refuse(error: CovenantError) -> Verdict {
    Verdict::Refused { code: format!("{error:?}"), detail: error.to_string() }
}

fn refuse_other(code: &str, detail: String) -> Verdict {
    Verdict::Refused { code: code.into(), detail }
}

#[derive(Clone)]
pub struct Guard {
    state: Snapshot,
    next_pending_id: u64,
    next_bounty_id: u64,
}

/// `?` for policy results inside a function returning `Verdict`.
macro_rules! check {
    ($result:expr) => {
        match $result {
            Ok(value) => value,
            Err(error) => return refuse(error),
        }
    };
}

impl Guard {
    pub fn new(snapshot: &Snapshot) -> Self {
        Self {
            next_pending_id: snapshot.treasury.next_pending_id,
            next_bounty_id: snapshot.treasury.next_bounty_id,
            state: snapshot.clone(),
        }
    }

    pub fn check(&mut self, intent: &Intent) -> Verdict {
        if self.state.treasury.paused && !matches!(intent, Intent::ReleaseGrant { .. }) {
            return refuse(CovenantError::TreasuryPaused);
        }
        match intent {
            Intent::Pay { schedule, recipient, asset, amount, partial, purpose } => {
                self.pay(schedule, recipient, asset, *amount, *partial, purpose)
            }
            Intent::Propose { .. } => refuse_other("NotAProposal", "pending spends come from payments".into()),
            Intent::ApproveClaim { bounty, claimant, .. } => self.approve_claim(intent, bounty, claimant),
            Intent::RejectClaim { bounty, claimant, .. } => self.reject_claim(intent, bounty, claimant),
            Intent::PayClaim { bounty, claimant, .. } => self.pay_claim(intent, bounty, claimant),
            Intent::ReleaseGrant { grant, asset, .. } => self.release_grant(grant, asset),
            Intent::Airdrop { airdrop, mint, recipient, amount } => self.airdrop(airdrop, mint, recipient, *amount),
            Intent::ExecutePending { pending_id, .. } => self.execute_pending(intent, *pending_id),
            Intent::CreateBounty { asset, reward, max_claims, .. } => {
                self.create_bounty(intent, asset, *reward, *max_claims)
            }
        }
    }

    fn balance(&self, asset: &Pubkey) -> u64 {
        if *asset == SOL_ASSET {
            self.state.vault_spendable
        } else {
            self.state.token_balances.get(asset).copied().unwrap_or(0)
        }
    }

    /// Counts an outflow in the working copy of the USD window (`None`: no USD caps).
    fn record_usd(&mut self, window: Option<covenant::policy::SpendWindow>) {
        if let (Some(window), Some(usd)) = (window, self.state.usd_policy.as_mut()) {
            usd.window = window;
        }
    }

    fn debit(&mut self, asset: &Pubkey, amount: u64) {
        if *asset == SOL_ASSET {
            self.state.vault_spendable = self.state.vault_spendable.saturating_sub(amount);
        } else if let Some(balance) = self.state.token_balances.get_mut(asset) {
            *balance = balance.saturating_sub(amount);
        }
    }

    /// What the payee rules allow `recipient` to receive in `asset` (`u64::MAX`: no limit).
    fn payee_room(&self, recipient: &Pubkey, asset: &Pubkey, allowlist_required: bool) -> Result<u64, Verdict> {
        match self.state.payees.get(recipient) {
            Some(payee) => payee_headroom(&payee.terms, asset, self.state.now).map_err(refuse),
            None if allowlist_required => Err(refuse(CovenantError::PayeeNotAllowlisted)),
            None => Ok(u64::MAX),
        }
    }

    fn record_payee(&mut self, recipient: &Pubkey, asset: &Pubkey, amount: u64) -> Result<(), Verdict> {
        let now = self.state.now;
        if let Some(payee) = self.state.payees.get_mut(recipient) {
            payee.terms = enforce_payee(&payee.terms, asset, amount, now).map_err(refuse)?;
        }
        Ok(())
    }

    /// A SOL recipient must hold at least the rent-exempt minimum afterwards (the runtime's rule).
    fn rent_ok(&self, recipient: &Pubkey, asset: &Pubkey, amount: u64) -> Result<(), Verdict> {
        if *asset != SOL_ASSET {
            return Ok(());
        }
        let after = self.state.wallet_lamports.get(recipient).copied().unwrap_or(0).saturating_add(amount);
        if after < self.state.rent_floor {
            return Err(refuse_other(
                "RecipientBelowRent",
                format!("{recipient} would hold {after} lamports, below the rent-exempt {}", self.state.rent_floor),
            ));
        }
        Ok(())
    }

    fn pay(
        &mut self,
        schedule: &str,
        recipient: &Pubkey,
        asset: &Pubkey,
        amount: u64,
        partial: bool,
        purpose: &str,
    ) -> Verdict {
        let (recipient_key, asset_key) = (*recipient, *asset);
        let Some(policy) = self.state.policies.get(&asset_key).cloned() else {
            return refuse_other("NoPolicy", format!("the treasury has no spend policy for {}", asset_name(asset)));
        };
        let limits = policy.limits;
        if recipient_key == self.state.addresses.vault {
            return refuse(CovenantError::InvalidRecipient);
        }
        if requires_cosign(&limits, amount) {
            return self.propose(schedule, recipient, asset, amount, partial, purpose, limits.per_tx_max);
        }
        let now = self.state.now;
        let room = check!(keeper_headroom(&limits, policy.window, now));
        let payee_room = match self.payee_room(&recipient_key, &asset_key, limits.allowlist_required) {
            Ok(room) => room,
            Err(verdict) => return verdict,
        };
        let fits =
            room.min(payee_room).min(self.balance(&asset_key)).min(crate::dollars::headroom(&self.state, &asset_key));
        let paid = if amount <= fits {
            amount
        } else if partial && fits > 0 {
            fits
        } else {
            // Name the rule that binds, in the program's order.
            check!(enforce_keeper_spend(&limits, policy.window, amount, now));
            check!(crate::dollars::charge(&self.state, &asset_key, amount));
            if let Some(payee) = self.state.payees.get(&recipient_key) {
                check!(enforce_payee(&payee.terms, &asset_key, amount, now));
            }
            return refuse(CovenantError::InsufficientFunds);
        };
        if let Err(verdict) = self.rent_ok(&recipient_key, &asset_key, paid) {
            return verdict;
        }
        let window = check!(enforce_keeper_spend(&limits, policy.window, paid, now));
        let usd_window = check!(crate::dollars::charge(&self.state, &asset_key, paid));
        if let Err(verdict) = self.record_payee(&recipient_key, &asset_key, paid) {
            return verdict;
        }
        if let Some(policy) = self.state.policies.get_mut(&asset_key) {
            policy.window = window;
        }
        self.record_usd(usd_window);
        self.debit(&asset_key, paid);
        *self.state.wallet_lamports.entry(recipient_key).or_default() += if asset_key == SOL_ASSET { paid } else { 0 };
        let intent = Intent::Pay {
            schedule: schedule.into(),
            recipient: recipient_key,
            asset: asset_key,
            amount: paid,
            partial,
            purpose: purpose.into(),
        };
        if paid == amount {
            Verdict::Pass { intent }
        } else {
            Verdict::Clamped {
                intent,
                requested: amount,
                reason: "clamped to what the policy, payee and vault allow".into(),
            }
        }
    }

    #[allow(clippy::too_many_arguments)] // the payment's own fields, passed through
    fn propose(
        &mut self,
        schedule: &str,
        recipient: &Pubkey,
        asset: &Pubkey,
        amount: u64,
        partial: bool,
        purpose: &str,
        per_tx_max: u64,
    ) -> Verdict {
        let proposed = if amount <= per_tx_max {
            amount
        } else if partial {
            per_tx_max
        } else {
            return refuse(CovenantError::ExceedsPerTxMax);
        };
        if purpose.is_empty() || purpose.len() > covenant::constants::MAX_PURPOSE_LEN {
            return refuse(CovenantError::InvalidPurpose);
        }
        let pending_id = self.next_pending_id;
        self.next_pending_id = pending_id.saturating_add(1);
        let intent = Intent::Propose {
            schedule: schedule.into(),
            recipient: *recipient,
            asset: *asset,
            amount: proposed,
            pending_id,
            purpose: purpose.into(),
        };
        if proposed == amount {
            Verdict::Pass { intent }
        } else {
            Verdict::Clamped { intent, requested: amount, reason: "clamped to the per-transaction maximum".into() }
        }
    }

    fn claim_index(&self, bounty: &Pubkey, claimant: &Pubkey) -> Option<(usize, usize)> {
        let bounty_index = self.state.bounties.iter().position(|(key, _)| key == bounty)?;
        let claim_index =
            self.state.claims.iter().position(|(_, claim)| claim.bounty == *bounty && claim.claimant == *claimant)?;
        Some((bounty_index, claim_index))
    }

    fn approve_claim(&mut self, intent: &Intent, bounty: &Pubkey, claimant: &Pubkey) -> Verdict {
        let Some((b, c)) = self.claim_index(bounty, claimant) else {
            return refuse_other("UnknownClaim", format!("no claim by {claimant} on bounty {bounty}"));
        };
        let status = self.state.claims[c].1.status;
        let bounty = &mut self.state.bounties[b].1;
        check!(check_approval(status, bounty.claims_taken(), bounty.max_claims, bounty.free_escrow(), bounty.reward));
        bounty.approved_count = bounty.approved_count.saturating_add(1);
        let claim = &mut self.state.claims[c].1;
        claim.status = ClaimStatus::Approved;
        if bounty.takes_disputes() {
            // Owed until the challenge window ends (`pay_claim`).
            bounty.owed_claims = bounty.owed_claims.saturating_add(1);
        } else {
            bounty.paid = bounty.paid.saturating_add(bounty.reward);
            claim.paid = true;
        }
        Verdict::Pass { intent: intent.clone() }
    }

    fn pay_claim(&mut self, intent: &Intent, bounty: &Pubkey, claimant: &Pubkey) -> Verdict {
        let Some((b, c)) = self.claim_index(bounty, claimant) else {
            return refuse_other("UnknownClaim", format!("no claim by {claimant} on bounty {bounty}"));
        };
        let claim = &mut self.state.claims[c].1;
        check!(check_payable(claim.status, claim.paid, claim.dispute, claim.payable_at, self.state.now));
        let bounty = &mut self.state.bounties[b].1;
        if bounty.escrow_left() < bounty.reward {
            return refuse(CovenantError::InsufficientFunds);
        }
        bounty.paid = bounty.paid.saturating_add(bounty.reward);
        bounty.owed_claims = bounty.owed_claims.saturating_sub(1);
        claim.paid = true;
        Verdict::Pass { intent: intent.clone() }
    }

    fn reject_claim(&mut self, intent: &Intent, bounty: &Pubkey, claimant: &Pubkey) -> Verdict {
        let Some((_, c)) = self.claim_index(bounty, claimant) else {
            return refuse_other("UnknownClaim", format!("no claim by {claimant} on bounty {bounty}"));
        };
        if self.state.claims[c].1.status != ClaimStatus::Pending {
            return refuse(CovenantError::ClaimNotPending);
        }
        self.state.claims[c].1.status = ClaimStatus::Rejected;
        Verdict::Pass { intent: intent.clone() }
    }

    fn release_grant(&mut self, grant: &Pubkey, asset: &Pubkey) -> Verdict {
        let now = self.state.now;
        let Some((_, state)) = self.state.grants.iter_mut().find(|(key, _)| key == grant) else {
            return refuse_other("UnknownGrant", format!("no grant {grant}"));
        };
        if state.is_restricted() {
            return refuse(CovenantError::GrantRestricted);
        }
        if now >= state.expires_at {
            return refuse(CovenantError::GrantExpired);
        }
        let available = check!(state.ledger.available(&state.schedule, now));
        if available == 0 {
            return refuse(CovenantError::NothingDue);
        }
        state.ledger.released = state.ledger.released.saturating_add(available);
        Verdict::Pass { intent: Intent::ReleaseGrant { grant: *grant, asset: *asset, amount: available } }
    }

    fn airdrop(&mut self, airdrop: &str, mint: &Pubkey, recipient: &Pubkey, amount: u64) -> Verdict {
        let (recipient_key, mint_key) = (*recipient, *mint);
        let now = self.state.now;
        let Some(meme) = self.state.memes.get(&mint_key).cloned() else {
            return refuse_other("UnknownMemeToken", format!("{mint} is not this treasury's meme token"));
        };
        if meme.renounced {
            return refuse(CovenantError::MintRenounced);
        }
        let room = check!(mint_headroom(&meme.limits, meme.window, meme.total_minted, meme.supply_cap, now));
        let payee_room = match self.payee_room(&recipient_key, &mint_key, meme.limits.allowlist_required) {
            Ok(room) => room,
            Err(verdict) => return verdict,
        };
        let minted = amount.min(room).min(payee_room);
        if minted == 0 {
            check!(enforce_mint(&meme.limits, meme.window, meme.total_minted, meme.supply_cap, amount, now));
            return refuse(CovenantError::PayeeBudgetExceeded);
        }
        let recorded = check!(enforce_mint(&meme.limits, meme.window, meme.total_minted, meme.supply_cap, minted, now));
        if let Err(verdict) = self.record_payee(&recipient_key, &mint_key, minted) {
            return verdict;
        }
        if let Some(meme) = self.state.memes.get_mut(&mint_key) {
            meme.window = recorded.window;
            meme.total_minted = recorded.total_minted;
        }
        let intent =
            Intent::Airdrop { airdrop: airdrop.into(), mint: mint_key, recipient: recipient_key, amount: minted };
        if minted == amount {
            Verdict::Pass { intent }
        } else {
            Verdict::Clamped {
                intent,
                requested: amount,
                reason: "clamped to the mint's period cap and supply cap".into(),
            }
        }
    }

    /// A keeper's bounty: the escrow (`reward × max_claims`) is one keeper spend under the policy,
    /// and under an allowlist only the operator may open one (anyone can claim it).
    fn create_bounty(&mut self, intent: &Intent, asset: &Pubkey, reward: u64, max_claims: u32) -> Verdict {
        let Some(policy) = self.state.policies.get(asset).cloned() else {
            return refuse_other("NoPolicy", format!("the treasury has no spend policy for {}", asset_name(asset)));
        };
        if policy.limits.allowlist_required {
            return refuse(CovenantError::BountyNeedsOperator);
        }
        let Some(total) = reward.checked_mul(u64::from(max_claims)).filter(|total| *total > 0) else {
            return refuse(CovenantError::InvalidBountyTerms);
        };
        let window = check!(enforce_keeper_spend(&policy.limits, policy.window, total, self.state.now));
        let usd_window = check!(crate::dollars::charge(&self.state, asset, total));
        if total > self.balance(asset) {
            return refuse(CovenantError::InsufficientFunds);
        }
        if let Some(policy) = self.state.policies.get_mut(asset) {
            policy.window = window;
        }
        self.record_usd(usd_window);
        self.debit(asset, total);
        let mut intent = intent.clone();
        if let Intent::CreateBounty { bounty_id, .. } = &mut intent {
            *bounty_id = self.next_bounty_id;
            self.next_bounty_id = self.next_bounty_id.saturating_add(1);
        }
        Verdict::Pass { intent }
    }

    fn execute_pending(&mut self, intent: &Intent, pending_id: u64) -> Verdict {
        let now = self.state.now;
        let Some((_, pending)) = self.state.pendings.iter().find(|(_, pending)| pending.id == pending_id).cloned()
        else {
            return refuse_other("UnknownPending", format!("no pending spend {pending_id}"));
        };
        check!(check_executable(pending.status, pending.executable_at, pending.expires_at, now));
        let Some(policy) = self.state.policies.get(&pending.asset).cloned() else {
            return refuse_other("NoPolicy", "the pending spend's asset has no policy".into());
        };
        let tenure = self.state.treasury.keeper_tenure;
        check!(check_pending_current(
            pending.status,
            pending.keeper_tenure,
            pending.policy_generation,
            tenure,
            policy.generation
        ));
        let window = check!(enforce_spend(&policy.limits, policy.window, pending.amount, now));
        let usd_window = check!(crate::dollars::charge(&self.state, &pending.asset, pending.amount));
        if let Err(verdict) = self.payee_room(&pending.recipient, &pending.asset, policy.limits.allowlist_required) {
            return verdict;
        }
        if let Some(payee) = self.state.payees.get(&pending.recipient) {
            check!(enforce_payee(&payee.terms, &pending.asset, pending.amount, now));
        }
        if pending.amount > self.balance(&pending.asset) {
            return refuse(CovenantError::InsufficientFunds);
        }
        if let Err(verdict) = self.rent_ok(&pending.recipient, &pending.asset, pending.amount) {
            return verdict;
        }
        if let Err(verdict) = self.record_payee(&pending.recipient, &pending.asset, pending.amount) {
            return verdict;
        }
        if let Some(policy) = self.state.policies.get_mut(&pending.asset) {
            policy.window = window;
        }
        self.record_usd(usd_window);
        self.debit(&pending.asset, pending.amount);
        if let Some((_, state)) = self.state.pendings.iter_mut().find(|(_, pending)| pending.id == pending_id) {
            state.status = PendingStatus::Executed;
        }
        Verdict::Pass { intent: intent.clone() }
    }
}

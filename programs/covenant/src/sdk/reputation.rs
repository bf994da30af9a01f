//! Reputation, derived from the program's events and nothing else: folding a treasury's events in
//! chain order gives the same table on every machine. Nothing here is stored on chain; the events
//! are the record, and `docs/disputes.md` says how an indexer can publish these counts as
//! ERC-8004-style feedback or Solana Attestation Service attestations.
//!
//! Counts are final: a rejection overturned on appeal counts as paid, not rejected; an approval
//! overturned on challenge counts as rejected (and as `approvals_overturned`, the "caught" count).

use std::collections::BTreeMap;

use anchor_lang::prelude::Pubkey;
use anchor_lang::{AnchorDeserialize, Discriminator};

use crate::events::{
    BountyCreated, ClaimApproved, ClaimPaid, ClaimRejected, DisputeOpened, DisputeResolved, GrantSpent, MemeMinted,
    PendingSpendProposed, Spent,
};
use crate::state::{DecisionRecord, DisputeKind, DisputeState};

/// A claimant's, payee's or disputer's record (one account may be all three).
#[derive(Clone, Debug, Default, PartialEq, Eq, serde::Serialize)]
pub struct Standing {
    pub claims_paid: u32,
    pub claims_rejected: u32,
    /// Paid claims' rewards, per asset ("SOL", or the mint).
    pub rewards: BTreeMap<String, u64>,
    /// Approvals of this account's claims that an arbiter overturned: rewards it would have had
    /// for photos that did not hold up.
    pub approvals_overturned: u32,
    pub appeals_won: u32,
    pub appeals_lost: u32,
    pub challenges_won: u32,
    pub challenges_lost: u32,
    /// Disputes this account opened that no arbiter ruled on in time (the decision stood).
    pub disputes_lapsed: u32,
    /// Payments received from the treasury's vault (`Spent`) and from its grants (`GrantSpent`).
    pub payments: u32,
    /// Vault payments received, per asset.
    pub paid_to: BTreeMap<String, u64>,
}

/// The agent's record: how its keeper's decisions fared.
#[derive(Clone, Debug, Default, PartialEq, Eq, serde::Serialize)]
pub struct AgentStanding {
    /// Events carrying a keeper decision (spends, claims judged, bounties, mints, proposals).
    pub decisions: u32,
    pub disputes_opened: u32,
    pub decisions_upheld: u32,
    pub decisions_overturned: u32,
    pub disputes_lapsed: u32,
}

#[derive(Clone, Debug, Default, PartialEq, Eq, serde::Serialize)]
pub struct Reputation {
    /// Per treasury (the agent).
    pub agents: BTreeMap<String, AgentStanding>,
    /// Per account (claimants, payees, disputers).
    pub accounts: BTreeMap<String, Standing>,
}

impl Reputation {
    /// Folds one event (its discriminator and Borsh body: an event CPI's data after
    /// `EVENT_IX_TAG_LE`). Other events, and bytes that do not decode, change nothing.
    pub fn apply(&mut self, payload: &[u8]) {
        let Some((discriminator, mut body)) = payload.split_at_checked(8) else {
            return;
        };
        macro_rules! decode {
            ($event:ty) => {
                match <$event>::deserialize(&mut body) {
                    Ok(event) => event,
                    Err(_) => return,
                }
            };
        }
        // Events that only count as one of the agent's decisions.
        macro_rules! count_decision {
            ($($event:ident),+) => {
                $(
                    if discriminator == $event::DISCRIMINATOR {
                        let event = decode!($event);
                        return self.decided(&event.treasury, &event.decision);
                    }
                )+
            };
        }
        count_decision!(ClaimApproved, BountyCreated, MemeMinted, PendingSpendProposed);
        match discriminator {
            d if d == Spent::DISCRIMINATOR => {
                let event = decode!(Spent);
                self.decided(&event.treasury, &event.decision);
                let to = self.account(&event.recipient);
                to.payments = to.payments.saturating_add(1);
                add(&mut to.paid_to, &event.asset, event.amount);
            }
            d if d == GrantSpent::DISCRIMINATOR => {
                let event = decode!(GrantSpent);
                self.decided(&event.treasury, &event.decision);
                let to = self.account(&event.recipient);
                to.payments = to.payments.saturating_add(1);
            }
            d if d == ClaimRejected::DISCRIMINATOR => {
                let event = decode!(ClaimRejected);
                self.decided(&event.treasury, &event.decision);
                let claimant = self.account(&event.claimant);
                claimant.claims_rejected = claimant.claims_rejected.saturating_add(1);
            }
            d if d == ClaimPaid::DISCRIMINATOR => {
                let event = decode!(ClaimPaid);
                let claimant = self.account(&event.claimant);
                claimant.claims_paid = claimant.claims_paid.saturating_add(1);
                add(&mut claimant.rewards, &event.asset, event.reward);
            }
            d if d == DisputeOpened::DISCRIMINATOR => {
                let event = decode!(DisputeOpened);
                let agent = self.agent(&event.treasury);
                agent.disputes_opened = agent.disputes_opened.saturating_add(1);
            }
            d if d == DisputeResolved::DISCRIMINATOR => self.resolved(decode!(DisputeResolved)),
            _ => {}
        }
    }

    fn resolved(&mut self, event: DisputeResolved) {
        let agent = self.agent(&event.treasury);
        match event.outcome {
            DisputeState::Overturned => agent.decisions_overturned = agent.decisions_overturned.saturating_add(1),
            DisputeState::Upheld => agent.decisions_upheld = agent.decisions_upheld.saturating_add(1),
            DisputeState::Lapsed => agent.disputes_lapsed = agent.disputes_lapsed.saturating_add(1),
            DisputeState::None | DisputeState::Open => return,
        }
        let disputer = self.account(&event.disputer);
        match (event.kind, event.outcome) {
            (_, DisputeState::Lapsed) => disputer.disputes_lapsed = disputer.disputes_lapsed.saturating_add(1),
            (DisputeKind::Appeal, DisputeState::Overturned) => {
                disputer.appeals_won = disputer.appeals_won.saturating_add(1)
            }
            (DisputeKind::Appeal, _) => disputer.appeals_lost = disputer.appeals_lost.saturating_add(1),
            (DisputeKind::Challenge, DisputeState::Overturned) => {
                disputer.challenges_won = disputer.challenges_won.saturating_add(1)
            }
            (DisputeKind::Challenge, _) => disputer.challenges_lost = disputer.challenges_lost.saturating_add(1),
        }
        if event.outcome != DisputeState::Overturned {
            return;
        }
        let claimant = self.account(&event.claimant);
        match event.kind {
            // The rejection is undone; the `ClaimPaid` of the same transaction counts the payment.
            DisputeKind::Appeal => claimant.claims_rejected = claimant.claims_rejected.saturating_sub(1),
            // Approved but held through the window, never paid: now a rejection.
            DisputeKind::Challenge => {
                claimant.claims_rejected = claimant.claims_rejected.saturating_add(1);
                claimant.approvals_overturned = claimant.approvals_overturned.saturating_add(1);
            }
        }
    }

    fn decided(&mut self, treasury: &Pubkey, decision: &DecisionRecord) {
        if *decision != DecisionRecord::default() {
            let agent = self.agent(treasury);
            agent.decisions = agent.decisions.saturating_add(1);
        }
    }

    fn agent(&mut self, treasury: &Pubkey) -> &mut AgentStanding {
        self.agents.entry(treasury.to_string()).or_default()
    }

    fn account(&mut self, account: &Pubkey) -> &mut Standing {
        self.accounts.entry(account.to_string()).or_default()
    }
}

fn add(totals: &mut BTreeMap<String, u64>, asset: &Pubkey, amount: u64) {
    let key = if *asset == crate::constants::SOL_ASSET { "SOL".to_string() } else { asset.to_string() };
    let total = totals.entry(key).or_default();
    *total = total.saturating_add(amount);
}

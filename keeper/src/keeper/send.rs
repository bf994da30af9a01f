//! The sending half of a tick: build, mark, simulate, price, sign, journal, send and confirm each
//! guarded intent, and settle what an earlier run left in flight.

use anchor_lang::prelude::Pubkey;
use base64::Engine;
use covenant::state::DecisionRecord;
use solana_signature::Signature;
use solana_signer::Signer;
use solana_transaction::Transaction;

use super::{describe, Keeper, KeeperError, TickReport};
use crate::act::{self, compute_limit, priority_fee};
use crate::chain::ChainError;
use crate::decide::Intent;
use crate::journal::{OpenIntent, Settlement};
use crate::observe::Snapshot;

pub(super) enum Sent {
    Landed,
    Expired,
    Failed(String),
    /// Refused by its exactly-once marker: another keeper landed this action first.
    DoneElsewhere,
    Unsettled,
}

impl Keeper {
    /// `action` is the candidate's own key (what its marker and refusals are read from), `key`
    /// the journal's and the report's (`scoped`).
    #[allow(clippy::too_many_arguments)]
    pub(super) async fn act(
        &mut self,
        action: &str,
        key: &str,
        intent: &Intent,
        snapshot: &Snapshot,
        decision: DecisionRecord,
        report: &mut TickReport,
    ) -> Result<(), KeeperError> {
        let keeper = self.keeper.pubkey();
        let ixs = match act::instructions(intent, snapshot, &keeper, decision) {
            Ok(ixs) => crate::exactly_once::marked(action, &snapshot.addresses, &keeper, ixs),
            Err(error) => {
                report.failed.push((key.into(), error.to_string()));
                return Ok(());
            }
        };
        let writable: Vec<Pubkey> = ixs
            .iter()
            .flat_map(|ix| ix.accounts.iter().filter(|meta| meta.is_writable).map(|meta| meta.pubkey))
            .collect();
        let recent = self.chain.recent_priority_fees(&writable).await.unwrap_or_default();
        let fee = priority_fee(&recent, &self.config.fees);
        for _ in 0..self.config.run.attempts {
            let blockhash = match self.chain.latest_blockhash().await {
                Ok(blockhash) => blockhash,
                Err(error) => {
                    report.retries += 1;
                    self.metrics.count("covenant_keeper_transactions_total", &[("outcome", error.label())]);
                    continue;
                }
            };
            // Simulation skips signature checks, so the probe goes unsigned: one ed25519 per action.
            let probe = act::unsigned(&ixs, 1_400_000, fee, &keeper, blockhash);
            let units = match self.chain.simulate(&probe).await {
                Ok(simulation) => match simulation.error {
                    Some(error) if crate::exactly_once::done_elsewhere(action, &error) => {
                        self.metrics.count("covenant_keeper_transactions_total", &[("outcome", "done_elsewhere")]);
                        report.done_elsewhere.push(key.into());
                        return Ok(());
                    }
                    Some(error) => {
                        // The program (or runtime) refuses it: nothing is sent.
                        self.metrics
                            .count("covenant_keeper_transactions_total", &[("outcome", "refused_in_simulation")]);
                        report.failed.push((key.into(), describe(&error)));
                        return Ok(());
                    }
                    None => compute_limit(simulation.units_consumed),
                },
                Err(_) => compute_limit(None),
            };
            let tx = act::sign(&ixs, units, fee, &self.keeper, blockhash);
            let signature = tx.signatures[0].to_string();
            let encoded = base64::engine::general_purpose::STANDARD.encode(bincode::serialize(&tx).unwrap_or_default());
            self.journal.intent(OpenIntent { key: key.into(), signature: signature.clone(), transaction: encoded })?;
            match self.send(action, &tx, report).await {
                Sent::Landed => {
                    self.journal.outcome(key, &signature, Settlement::Landed, None)?;
                    self.metrics.count("covenant_keeper_transactions_total", &[("outcome", "landed")]);
                    report.landed.push(key.into());
                    return Ok(());
                }
                Sent::Failed(detail) => {
                    self.journal.outcome(key, &signature, Settlement::Failed, Some(detail.clone()))?;
                    self.metrics.count("covenant_keeper_transactions_total", &[("outcome", "failed")]);
                    report.failed.push((key.into(), detail));
                    return Ok(());
                }
                Sent::DoneElsewhere => {
                    let detail = "done by another keeper (its marker refused this one)".to_string();
                    self.journal.outcome(key, &signature, Settlement::Failed, Some(detail))?;
                    self.metrics.count("covenant_keeper_transactions_total", &[("outcome", "done_elsewhere")]);
                    report.done_elsewhere.push(key.into());
                    return Ok(());
                }
                Sent::Expired => {
                    self.journal.outcome(key, &signature, Settlement::Expired, None)?;
                    self.metrics.count("covenant_keeper_transactions_total", &[("outcome", "blockhash_expired")]);
                    report.retries += 1;
                }
                Sent::Unsettled => {
                    report.unsettled.push(key.into());
                    return Ok(());
                }
            }
        }
        report.unsettled.push(key.into());
        Ok(())
    }

    /// Sends one signed transaction until it is settled; on network trouble, asks whether it landed
    /// before resending the same bytes (same signature: it can land at most once).
    async fn send(&self, key: &str, tx: &Transaction, report: &mut TickReport) -> Sent {
        let signature = tx.signatures[0];
        for attempt in 0..self.config.run.attempts {
            match self.chain.send_and_confirm(tx).await {
                Ok(_) | Err(ChainError::AlreadyProcessed) => return Sent::Landed,
                Err(ChainError::Rejected { error, .. }) if crate::exactly_once::done_elsewhere(key, &error) => {
                    return Sent::DoneElsewhere
                }
                Err(ChainError::Rejected { error, .. }) => return Sent::Failed(describe(&error)),
                Err(ChainError::BlockhashExpired) => {
                    return match self.chain.signature_status(&signature).await {
                        Ok(Some(Ok(()))) => Sent::Landed,
                        _ => Sent::Expired,
                    };
                }
                Err(error) => {
                    report.retries += 1;
                    self.metrics.count("covenant_keeper_transactions_total", &[("outcome", error.label())]);
                    tracing::warn!(%signature, %error, attempt, "send failed; checking whether it landed");
                    match self.chain.signature_status(&signature).await {
                        Ok(Some(Ok(()))) => return Sent::Landed,
                        Ok(Some(Err(error))) => return Sent::Failed(describe(&error)),
                        _ => tokio::time::sleep(self.config.run.backoff(attempt)).await,
                    }
                }
            }
        }
        Sent::Unsettled
    }

    /// Settles what an earlier run left in flight, before anything new is decided.
    pub(super) async fn reconcile(&mut self, report: &mut TickReport) -> Result<(), KeeperError> {
        for intent in self.journal.open_intents() {
            let Ok(signature) = intent.signature.parse::<Signature>() else { continue };
            let settlement = match self.chain.signature_status(&signature).await {
                Ok(Some(Ok(()))) => Some((Settlement::Landed, None)),
                Ok(Some(Err(error))) => Some((Settlement::Failed, Some(describe(&error)))),
                // Unseen: the very same bytes go out again, through the same send path as a new action.
                Ok(None) => match decode_transaction(&intent.transaction) {
                    Some(tx) => match self.send(unscoped(&intent.key), &tx, report).await {
                        Sent::Landed => Some((Settlement::Landed, None)),
                        Sent::Expired => Some((Settlement::Expired, None)),
                        Sent::Failed(detail) => Some((Settlement::Failed, Some(detail))),
                        Sent::DoneElsewhere => Some((
                            Settlement::Failed,
                            Some("done by another keeper (its marker refused this one)".into()),
                        )),
                        Sent::Unsettled => None,
                    },
                    None => None,
                },
                Err(_) => None,
            };
            if let Some((settlement, detail)) = settlement {
                self.journal.outcome(&intent.key, &intent.signature, settlement, detail)?;
                if settlement == Settlement::Landed {
                    report.landed.push(intent.key.clone());
                }
                report.reconciled.push((intent.key.clone(), settlement));
            }
        }
        Ok(())
    }
}

fn decode_transaction(encoded: &str) -> Option<Transaction> {
    let bytes = base64::engine::general_purpose::STANDARD.decode(encoded).ok()?;
    bincode::deserialize(&bytes).ok()
}

/// A journal key without its fleet scope (`<treasury>/`).
fn unscoped(key: &str) -> &str {
    match key.split_once('/') {
        Some((treasury, rest)) if treasury.parse::<Pubkey>().is_ok() => rest,
        _ => key,
    }
}

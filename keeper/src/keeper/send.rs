//! The sending half of a tick: build, mark, simulate, price, sign, journal, send and confirm each
//! guarded intent, and settle what an earlier run left in flight.

use std::collections::{HashMap, VecDeque};

use anchor_lang::prelude::Pubkey;
use base64::Engine;
use covenant::state::DecisionRecord;
use solana_instruction::Instruction;
use solana_signature::Signature;
use solana_signer::Signer;
use solana_transaction::Transaction;

use super::{describe, Keeper, KeeperError, TickReport};
use crate::act::{self, compute_limit};
use crate::chain::ChainError;
use crate::decide::Intent;
use crate::journal::{OpenIntent, Settlement};
use crate::observe::Snapshot;

/// One guarded action waiting to be sent: its candidate key (what its marker and refusals are
/// read from), its journal and report key (`Keeper::scoped`), and what was decided.
pub(super) struct Action<'a> {
    pub action: String,
    pub key: String,
    pub intent: Intent,
    pub snapshot: &'a Snapshot,
    pub decision: DecisionRecord,
    /// An agent's memo, sent with the action as an SPL Memo instruction.
    pub memo: Option<String>,
    /// Sent in order with the treasury's other ordered actions (proposals take the treasury's
    /// next pending id; a tick keeps all of its actions in order). An agent's plain payment is
    /// not: the guard already counted the batch against the window, so many go out at once.
    pub ordered: bool,
}

/// An action's transaction, or why there is none.
enum Prepared {
    /// Signed; `simulated` when this keeper's own simulation passed it (no preflight needed).
    Ready {
        tx: Transaction,
        simulated: bool,
    },
    /// No blockhash this time (network): tried again in the wave's next attempt.
    NoBlockhash,
    /// Its simulation says another keeper already did it.
    DoneElsewhere,
    /// Its simulation says the program refuses it.
    Refused(String),
    Unbuildable(String),
}

const DONE_ELSEWHERE: &str = "done by another keeper (its marker or the program's state refused this one)";

pub(super) enum Sent {
    Landed,
    Expired,
    Failed(String),
    /// Refused by its exactly-once marker: another keeper landed this action first.
    DoneElsewhere,
    Unsettled,
}

impl Keeper {
    /// Sends every guarded action of the tick: treasury by treasury in order (a treasury's actions
    /// may depend on each other, as proposals on the treasury's sequence), treasuries at once,
    /// at most `loop.max_in_flight` transactions in flight. Each batch signs, puts its intents on
    /// disk with one sync, sends, and records the outcomes; expired ones are signed again. While
    /// a batch confirms, the next batch of the same wave (other treasuries) is simulated and signed.
    pub(super) async fn act_all(
        &mut self,
        actions: Vec<Action<'_>>,
        report: &mut TickReport,
    ) -> Result<(), KeeperError> {
        let mut queues: Vec<VecDeque<Action>> = Vec::new();
        let mut queue_of: HashMap<Pubkey, usize> = HashMap::new();
        for action in actions {
            if !action.ordered {
                queues.push(VecDeque::from([action]));
                continue;
            }
            let index = *queue_of.entry(action.snapshot.addresses.treasury).or_insert_with(|| {
                queues.push(VecDeque::new());
                queues.len() - 1
            });
            queues[index].push_back(action);
        }
        let in_flight = self.config.run.max_in_flight.max(1);
        loop {
            let wave: Vec<Action> = queues.iter_mut().filter_map(VecDeque::pop_front).collect();
            if wave.is_empty() {
                return Ok(());
            }
            let batches: Vec<&[Action]> = wave.chunks(in_flight).collect();
            let mut upcoming = None;
            for (index, batch) in batches.iter().enumerate() {
                let next = batches.get(index + 1).copied().unwrap_or_default();
                upcoming = self.act_batch(batch, upcoming, next, report).await?;
            }
        }
    }

    /// One attempt's transactions: one blockhash for the batch, as they are signed and sent together.
    async fn prepare_attempt(&self, live: &[&Action<'_>]) -> Vec<Prepared> {
        match self.chain.latest_blockhash().await {
            Ok(blockhash) => self.prepare_all(live, blockhash).await,
            Err(error) => {
                self.metrics.count("covenant_keeper_transactions_total", &[("outcome", error.label())]);
                live.iter().map(|_| Prepared::NoBlockhash).collect()
            }
        }
    }

    /// Sends `batch` until each action is settled or out of attempts; `prepared`: its first
    /// attempt, if the previous batch prepared it. Returns `next`'s first attempt, prepared while
    /// this batch confirmed.
    async fn act_batch(
        &mut self,
        batch: &[Action<'_>],
        prepared: Option<Vec<Prepared>>,
        next: &[Action<'_>],
        report: &mut TickReport,
    ) -> Result<Option<Vec<Prepared>>, KeeperError> {
        let mut live: Vec<&Action> = batch.iter().collect();
        let (mut prepared, mut upcoming) = (prepared, None);
        let next: Vec<&Action> = next.iter().collect();
        for _ in 0..self.config.run.attempts {
            if live.is_empty() {
                break;
            }
            let prepared = match prepared.take() {
                Some(prepared) => prepared,
                None => self.prepare_attempt(&live).await,
            };
            let (mut ready, mut again, mut simulated) = (Vec::new(), Vec::new(), true);
            for (action, prepared) in live.into_iter().zip(prepared) {
                let key = action.key.clone();
                match prepared {
                    Prepared::Ready { tx, simulated: passed } => {
                        simulated &= passed;
                        ready.push((action, tx));
                    }
                    Prepared::NoBlockhash => {
                        report.retries += 1;
                        again.push(action);
                    }
                    Prepared::DoneElsewhere => {
                        self.metrics.count("covenant_keeper_transactions_total", &[("outcome", "done_elsewhere")]);
                        report.done_elsewhere.push(key);
                    }
                    Prepared::Refused(detail) => {
                        // The program (or runtime) refuses it in simulation: nothing is sent.
                        self.metrics
                            .count("covenant_keeper_transactions_total", &[("outcome", "refused_in_simulation")]);
                        report.failed.push((key, detail));
                    }
                    Prepared::Unbuildable(detail) => report.failed.push((key, detail)),
                }
            }
            let intents = ready
                .iter()
                .map(|(action, tx)| OpenIntent {
                    key: action.key.clone(),
                    signature: tx.signatures[0].to_string(),
                    transaction: base64::engine::general_purpose::STANDARD
                        .encode(bincode::serialize(tx).unwrap_or_default()),
                })
                .collect();
            self.journal.intents(intents)?;
            let prepare_next = upcoming.is_none() && !next.is_empty();
            let (sent, next_prepared) = futures::join!(self.send_all(&ready, simulated), async {
                match prepare_next {
                    true => Some(self.prepare_attempt(&next).await),
                    false => None,
                }
            });
            upcoming = upcoming.or(next_prepared);
            for ((action, tx), (sent, retries)) in ready.into_iter().zip(sent) {
                report.retries += retries;
                let (key, signature) = (action.key.as_str(), tx.signatures[0].to_string());
                match sent {
                    Sent::Landed => {
                        report.signatures.insert(key.into(), signature.clone());
                        self.journal.outcome(key, &signature, Settlement::Landed, None)?;
                        self.metrics.count("covenant_keeper_transactions_total", &[("outcome", "landed")]);
                        report.landed.push(key.into());
                    }
                    Sent::Failed(detail) => {
                        self.journal.outcome(key, &signature, Settlement::Failed, Some(detail.clone()))?;
                        self.metrics.count("covenant_keeper_transactions_total", &[("outcome", "failed")]);
                        report.failed.push((key.into(), detail));
                    }
                    Sent::DoneElsewhere => {
                        self.journal.outcome(key, &signature, Settlement::Failed, Some(DONE_ELSEWHERE.into()))?;
                        self.metrics.count("covenant_keeper_transactions_total", &[("outcome", "done_elsewhere")]);
                        report.done_elsewhere.push(key.into());
                    }
                    Sent::Expired => {
                        self.journal.outcome(key, &signature, Settlement::Expired, None)?;
                        self.metrics.count("covenant_keeper_transactions_total", &[("outcome", "blockhash_expired")]);
                        report.retries += 1;
                        again.push(action);
                    }
                    Sent::Unsettled => report.unsettled.push(key.into()),
                }
            }
            live = again;
        }
        report.unsettled.extend(live.into_iter().map(|action| action.key.clone()));
        Ok(upcoming)
    }

    /// Builds, prices, simulates and signs the wave's actions (each behind its marker) over its
    /// `blockhash`: one fee lookup for the wave, the simulations at once.
    async fn prepare_all(&self, wave: &[&Action<'_>], blockhash: solana_hash::Hash) -> Vec<Prepared> {
        let keeper = self.keeper.pubkey();
        let built: Vec<Result<Vec<Instruction>, String>> = wave
            .iter()
            .map(|action| {
                act::instructions(&action.intent, action.snapshot, &keeper, action.decision)
                    .map(|ixs| crate::exactly_once::marked(&action.action, &action.snapshot.addresses, &keeper, ixs))
                    .map(|mut ixs| {
                        ixs.extend(action.memo.as_deref().map(act::memo));
                        ixs
                    })
                    .map_err(|error| error.to_string())
            })
            .collect();
        let txs = built.iter().filter_map(|ixs| ixs.as_deref().ok());
        let fee = act::priority_fee_for_all(self.chain.as_ref(), txs, &self.config.fees).await;
        let prepared = built.into_iter().zip(wave).map(|(built, action)| async move {
            match built {
                Ok(ixs) => self.simulate_and_sign(action, &ixs, fee, blockhash).await,
                Err(detail) => Prepared::Unbuildable(detail),
            }
        });
        futures::future::join_all(prepared).await
    }

    async fn simulate_and_sign(
        &self,
        action: &Action<'_>,
        ixs: &[Instruction],
        fee: u64,
        blockhash: solana_hash::Hash,
    ) -> Prepared {
        let keeper = self.keeper.pubkey();
        // Simulation skips signature checks, so the probe goes unsigned: one ed25519 per action.
        let probe = act::unsigned(ixs, act::MAX_COMPUTE_UNITS, fee, &keeper, blockhash);
        let (units, simulated) = match self.chain.simulate(&probe).await {
            Ok(simulation) => match simulation.error {
                Some(error) if crate::exactly_once::done_elsewhere(&action.action, &error) => {
                    return Prepared::DoneElsewhere
                }
                Some(error) => return Prepared::Refused(describe(&error)),
                None => (compute_limit(simulation.units_consumed), true),
            },
            Err(_) => (compute_limit(None), false),
        };
        Prepared::Ready { tx: act::sign(ixs, units, fee, &self.keeper, blockhash), simulated }
    }

    /// A wave's transactions, confirmed together (`Chain::send_and_confirm_all`); one that met
    /// network trouble goes on alone through `send`, which asks whether it landed before resending.
    async fn send_all(&self, ready: &[(&Action<'_>, Transaction)], simulated: bool) -> Vec<(Sent, u32)> {
        let txs: Vec<Transaction> = ready.iter().map(|(_, tx)| tx.clone()).collect();
        let results = if simulated {
            self.chain.send_simulated_and_confirm_all(&txs).await
        } else {
            self.chain.send_and_confirm_all(&txs).await
        };
        let mut sent = Vec::with_capacity(ready.len());
        for ((action, tx), result) in ready.iter().zip(results) {
            let signature = tx.signatures[0];
            sent.push(match result {
                Ok(_) | Err(ChainError::AlreadyProcessed) => (Sent::Landed, 0),
                Err(ChainError::Rejected { error, .. })
                    if crate::exactly_once::done_elsewhere(&action.action, &error) =>
                {
                    (Sent::DoneElsewhere, 0)
                }
                Err(ChainError::Rejected { error, .. }) => (Sent::Failed(describe(&error)), 0),
                Err(ChainError::BlockhashExpired) => match self.chain.signature_status(&signature).await {
                    Ok(Some(Ok(()))) => (Sent::Landed, 0),
                    _ => (Sent::Expired, 0),
                },
                Err(error) => {
                    self.metrics.count("covenant_keeper_transactions_total", &[("outcome", error.label())]);
                    tracing::warn!(%signature, %error, "send failed; checking whether it landed");
                    match self.chain.signature_status(&signature).await {
                        Ok(Some(Ok(()))) => (Sent::Landed, 1),
                        Ok(Some(Err(error))) => (Sent::Failed(describe(&error)), 1),
                        _ => {
                            tokio::time::sleep(self.config.run.backoff(0)).await;
                            let (sent, retries) = self.send(&action.action, tx).await;
                            (sent, retries + 1)
                        }
                    }
                }
            });
        }
        sent
    }

    /// Sends one signed transaction until it is settled; on network trouble, asks whether it landed
    /// before resending the same bytes (same signature: it can land at most once). Returns how it
    /// ended and how many retries it took.
    async fn send(&self, key: &str, tx: &Transaction) -> (Sent, u32) {
        let signature = tx.signatures[0];
        let mut retries = 0;
        for attempt in 0..self.config.run.attempts {
            match self.chain.send_and_confirm(tx).await {
                Ok(_) | Err(ChainError::AlreadyProcessed) => return (Sent::Landed, retries),
                Err(ChainError::Rejected { error, .. }) if crate::exactly_once::done_elsewhere(key, &error) => {
                    return (Sent::DoneElsewhere, retries)
                }
                Err(ChainError::Rejected { error, .. }) => return (Sent::Failed(describe(&error)), retries),
                Err(ChainError::BlockhashExpired) => {
                    let sent = match self.chain.signature_status(&signature).await {
                        Ok(Some(Ok(()))) => Sent::Landed,
                        _ => Sent::Expired,
                    };
                    return (sent, retries);
                }
                Err(error) => {
                    retries += 1;
                    self.metrics.count("covenant_keeper_transactions_total", &[("outcome", error.label())]);
                    tracing::warn!(%signature, %error, attempt, "send failed; checking whether it landed");
                    match self.chain.signature_status(&signature).await {
                        Ok(Some(Ok(()))) => return (Sent::Landed, retries),
                        Ok(Some(Err(error))) => return (Sent::Failed(describe(&error)), retries),
                        _ => tokio::time::sleep(self.config.run.backoff(attempt)).await,
                    }
                }
            }
        }
        (Sent::Unsettled, retries)
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
                    Some(tx) => {
                        let (sent, retries) = self.send(super::split_scope(&intent.key, None).1, &tx).await;
                        report.retries += retries;
                        match sent {
                            Sent::Landed => Some((Settlement::Landed, None)),
                            Sent::Expired => Some((Settlement::Expired, None)),
                            Sent::Failed(detail) => Some((Settlement::Failed, Some(detail))),
                            Sent::DoneElsewhere => Some((Settlement::Failed, Some(DONE_ELSEWHERE.into()))),
                            Sent::Unsettled => None,
                        }
                    }
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

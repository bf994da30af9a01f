//! The one task that owns the keeper (its key, journal and model) for the agents' door. Requests
//! that arrive together are decided as one batch (one observation, one inference, the guard in
//! arrival order so they count against each other's window, transactions sent in waves), which is
//! what keeps many agents at once both fast and exact.

use std::sync::{Arc, Mutex};

use solana_signer::Signer;
use tokio::sync::{mpsc, oneshot};

use super::{AgentCore, Answer, Job};
use crate::chain::Chain;
use crate::config::KeeperConfig;
use crate::keeper::Keeper;
use crate::requests::{AgentRequest, RequestOutcome};

/// Requests taken into one batch at most.
const MAX_BATCH: usize = 256;

/// Starts the worker over `keeper` and returns the core the doors call.
pub fn spawn(keeper: Keeper, chain: Arc<dyn Chain>, config: KeeperConfig) -> AgentCore {
    let treasuries = keeper.treasuries().to_vec();
    let (jobs, receiver) = mpsc::channel(4 * MAX_BATCH);
    tokio::spawn(work(keeper, chain.clone(), config.clone(), receiver));
    AgentCore { chain, config, treasuries, jobs, calls: Mutex::default(), decimals: Mutex::default() }
}

type Replies = Vec<(oneshot::Sender<Result<Vec<RequestOutcome>, String>>, usize)>;

async fn work(mut keeper: Keeper, chain: Arc<dyn Chain>, config: KeeperConfig, mut receiver: mpsc::Receiver<Job>) {
    if let Err(error) = keeper.settle_in_flight().await {
        tracing::warn!(%error, "what an earlier run left in flight is not settled yet");
    }
    let mut network: Option<String> = None;
    while let Some(first) = receiver.recv().await {
        let mut jobs = vec![first];
        while jobs.len() < MAX_BATCH {
            match receiver.try_recv() {
                Ok(job) => jobs.push(job),
                Err(_) => break,
            }
        }
        let (mut real, mut real_replies): (Vec<AgentRequest>, Replies) = (Vec::new(), Vec::new());
        let (mut checks, mut check_replies): (Vec<AgentRequest>, Replies) = (Vec::new(), Vec::new());
        let mut rest = Vec::new();
        for job in jobs {
            match job {
                Job::Requests { requests, dry_run: false, reply } => {
                    real_replies.push((reply, requests.len()));
                    real.extend(requests);
                }
                Job::Requests { requests, dry_run: true, reply } => {
                    check_replies.push((reply, requests.len()));
                    checks.extend(requests);
                }
                other => rest.push(other),
            }
        }
        answer_batch(&mut keeper, checks, check_replies, true).await;
        answer_batch(&mut keeper, real, real_replies, false).await;
        for job in rest {
            match job {
                Job::Status { request, reply } => {
                    let _ = reply.send(keeper.request_answer(&request));
                }
                Job::Call { treasury, call, reply } => {
                    let _ = reply
                        .send(pay_for_call(&mut keeper, chain.as_ref(), &config, &mut network, treasury, call).await);
                }
                Job::Swap { treasury, order, key, dry_run, reply } => {
                    let _ = reply.send(swap(&mut keeper, chain.as_ref(), treasury, order, &key, dry_run).await);
                }
                Job::Requests { .. } => {}
            }
        }
    }
}

async fn answer_batch(keeper: &mut Keeper, requests: Vec<AgentRequest>, replies: Replies, dry_run: bool) {
    if requests.is_empty() {
        return;
    }
    let started = std::time::Instant::now();
    let decided = keeper.handle_requests(&requests, dry_run).await;
    tracing::debug!(requests = requests.len(), dry_run, seconds = started.elapsed().as_secs_f64(), "batch decided");
    match decided {
        Ok(outcomes) => {
            let mut outcomes = outcomes.into_iter();
            for (reply, count) in replies {
                let _ = reply.send(Ok(outcomes.by_ref().take(count).collect()));
            }
        }
        Err(error) => {
            tracing::warn!(%error, "agents' requests not decided");
            for (reply, _) in replies {
                let _ = reply.send(Err(error.to_string()));
            }
        }
    }
}

async fn pay_for_call(
    keeper: &mut Keeper,
    chain: &dyn Chain,
    config: &KeeperConfig,
    network: &mut Option<String>,
    treasury: covenant::sdk::TreasuryAddresses,
    call: crate::x402::client::Request,
) -> Answer {
    let network = match network {
        Some(network) => network.clone(),
        None => match crate::x402::command::network(&config.x402, &chain.endpoint()).await {
            Ok(found) => network.insert(found).clone(),
            Err(error) => return Answer::refused("ClusterUnavailable", format!("{error:#}")),
        },
    };
    let http = match reqwest::Client::builder().timeout(std::time::Duration::from_secs(60)).build() {
        Ok(http) => http,
        Err(error) => return Answer::refused("Internal", error.to_string()),
    };
    let (key, journal) = keeper.signer_and_journal();
    let mut client = crate::x402::client::X402Client {
        http,
        chain,
        keeper: key,
        treasury,
        settings: &config.x402,
        network,
        journal,
        unguarded: false,
        schedule: None,
    };
    match client.fetch(&call).await {
        Ok(fetched) => {
            // What the server answered is data for the agent, never an instruction to the keeper.
            let body = String::from_utf8_lossy(&fetched.body).into_owned();
            let paid = fetched
                .paid
                .as_ref()
                .map(|paid| format!(", paid {} of {}", paid.amount, paid.asset))
                .unwrap_or_default();
            let line = format!("HTTP {}{paid}", fetched.status);
            let value = serde_json::json!({"status": fetched.status, "paid": fetched.paid, "body": body});
            Answer { value, line, is_error: fetched.status >= 400 }
        }
        Err(error) => Answer::refused("PaymentRefused", error.to_string()),
    }
}

/// One swap: observed, planned by the program's rules, sent with its marker (or only checked).
async fn swap(
    keeper: &mut Keeper,
    chain: &dyn Chain,
    treasury: covenant::sdk::TreasuryAddresses,
    order: crate::swaps::SwapOrder,
    key: &str,
    dry_run: bool,
) -> Answer {
    use crate::swaps::{self, Pool};
    let refused = |refusal: swaps::Refusal| Answer::refused(&refusal.code, refusal.detail);
    let snapshot = match crate::observe::observe(chain, &treasury, &[]).await {
        Ok(snapshot) => snapshot,
        Err(error) => return Answer::refused("ClusterUnavailable", error.to_string()),
    };
    let pool = match Pool::read(chain, order.pool).await {
        Ok(pool) => pool,
        Err(refusal) => return refused(refusal),
    };
    let plan = match swaps::plan(&snapshot, &pool, &order) {
        Ok(plan) => plan,
        Err(refusal) => return refused(refusal),
    };
    let describe = |verb: &str| {
        format!(
            "{verb} {} of {} for {} of {} (at least {})",
            plan.expected_spent,
            crate::decide::asset_name(&order.sell),
            plan.expected_out,
            crate::decide::asset_name(&order.buy),
            plan.minimum_out
        )
    };
    if dry_run {
        return Answer::ok(serde_json::json!({"status": "would_swap", "plan": plan}), describe("would swap"));
    }
    let decision = swaps::decision(&plan, key);
    let (signer, _) = keeper.signer_and_journal();
    let ixs = match swaps::instructions(&snapshot, &pool, &plan, &signer.pubkey(), key, decision) {
        Ok(ixs) => ixs,
        Err(refusal) => return refused(refusal),
    };
    match crate::ops::submit(chain, &ixs, signer, &[]).await {
        Ok(signature) => Answer::ok(
            serde_json::json!({"status": "swapped", "signature": signature.to_string(), "plan": plan}),
            describe("swapped"),
        ),
        Err(crate::chain::ChainError::Rejected { error, .. }) if crate::exactly_once::done_elsewhere(key, &error) => {
            Answer::ok(serde_json::json!({"status": "done_before"}), "this swap was made before (same idempotency key)")
        }
        Err(crate::chain::ChainError::Rejected { error, .. }) => {
            let name = crate::errors::transaction_error_name(&error).unwrap_or("Rejected");
            Answer::refused(name, format!("the program refused the swap: {error:?}"))
        }
        Err(error) => Answer::refused("ClusterUnavailable", error.to_string()),
    }
}

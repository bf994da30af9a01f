//! The keeper's core for agents: the operations both doors call (the MCP server's tools and the
//! CLI's `request-payment` / `check-payment`), each answering with a structured result and one
//! line a person can read. Who may do what (treasuries, tools, rate) is checked here; what the
//! treasury allows is checked by the guard with the program's own rules, then by the chain.
//!
//! Nothing here changes a policy, a key or a payee: those stay with the operator's cold key.

mod asks;
mod worker;

use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use anchor_lang::prelude::Pubkey;
use covenant::sdk::TreasuryAddresses;
use serde_json::{json, Value};
use tokio::sync::{mpsc, oneshot};

pub use asks::{Amount, BountyAsk, CallAsk, ClaimsAsk, PaymentAsk, RequestStatusAsk, StatusAsk, SwapAsk};
pub use worker::spawn;

use crate::chain::Chain;
use crate::config::{AgentConfig, KeeperConfig, TOOLS};
use crate::requests::{AgentRequest, RequestOutcome};

/// What an operation answers: the structured result, one line for people, and whether it is a
/// refusal or an error (MCP's `isError`).
#[derive(Clone, Debug)]
pub struct Answer {
    pub value: Value,
    pub line: String,
    pub is_error: bool,
}

impl Answer {
    pub fn ok(value: Value, line: impl Into<String>) -> Self {
        Self { value, line: line.into(), is_error: false }
    }

    /// A bad request or a refusal by the server itself: `{"error": code, "message": ...}`.
    pub fn refused(code: &str, message: impl Into<String>) -> Self {
        let message = message.into();
        Self { value: json!({"error": code, "message": message}), line: format!("{code}: {message}"), is_error: true }
    }

    fn outcome(outcome: &RequestOutcome) -> Self {
        let is_error = outcome.status == "refused" || outcome.status == "would_refuse";
        Self { value: serde_json::to_value(outcome).unwrap_or_default(), line: outcome.line.clone(), is_error }
    }
}

/// One agent as the core sees it: its id, treasuries, tools and rate.
#[derive(Clone, Debug)]
pub struct Agent {
    pub id: String,
    pub treasuries: Vec<Pubkey>,
    pub tools: Vec<String>,
    pub requests_per_minute: u32,
}

impl Agent {
    /// `[[mcp.agent]]` with its treasuries resolved (none listed: the config's own).
    pub fn from_config(agent: &AgentConfig, own: Pubkey) -> Self {
        let treasuries = if agent.treasuries.is_empty() { vec![own] } else { agent.treasuries.clone() };
        Self {
            id: agent.id.clone(),
            treasuries,
            tools: agent.tools.clone(),
            requests_per_minute: agent.requests_per_minute,
        }
    }

    /// The operator at the command line: every tool, the given treasuries, no rate limit.
    pub fn operator(treasuries: Vec<Pubkey>) -> Self {
        Self {
            id: "cli".into(),
            treasuries,
            tools: TOOLS.iter().map(|tool| tool.to_string()).collect(),
            requests_per_minute: u32::MAX,
        }
    }

    pub fn may_use(&self, tool: &str) -> bool {
        self.tools.iter().any(|allowed| allowed == tool)
    }
}

pub(crate) enum Job {
    Requests {
        requests: Vec<AgentRequest>,
        dry_run: bool,
        reply: oneshot::Sender<Result<Vec<RequestOutcome>, String>>,
    },
    Call {
        treasury: TreasuryAddresses,
        call: crate::x402::client::Request,
        reply: oneshot::Sender<Answer>,
    },
    Status {
        request: AgentRequest,
        reply: oneshot::Sender<Option<RequestOutcome>>,
    },
    Swap {
        treasury: TreasuryAddresses,
        order: crate::swaps::SwapOrder,
        /// The exactly-once key (`request:<agent>:swap:<idempotency key>`).
        key: String,
        dry_run: bool,
        reply: oneshot::Sender<Answer>,
    },
}

/// The operations, over one keeper (`spawn` starts its worker).
pub struct AgentCore {
    chain: Arc<dyn Chain>,
    config: KeeperConfig,
    treasuries: Vec<TreasuryAddresses>,
    jobs: mpsc::Sender<Job>,
    /// Each agent's recent calls: the rate limit and the model's `request_agent_recent`.
    calls: Mutex<HashMap<String, VecDeque<Instant>>>,
    /// Decimals of (treasury, asset) already read.
    decimals: Mutex<HashMap<(Pubkey, Pubkey), u8>>,
}

const HOUR: Duration = Duration::from_secs(3_600);
const MINUTE: Duration = Duration::from_secs(60);

impl AgentCore {
    /// The treasuries an agent may name: its own list, among those this keeper keeps.
    fn treasury(&self, agent: &Agent, named: Option<&str>) -> Result<TreasuryAddresses, Answer> {
        let wanted = match named {
            Some(text) => crate::config::parse_pubkey(text)
                .map_err(|error| Answer::refused("BadArguments", format!("treasury: {error}")))?,
            None => *agent
                .treasuries
                .first()
                .ok_or_else(|| Answer::refused("NoTreasury", "this agent may use no treasury"))?,
        };
        // One answer for "not yours" and "not kept here": an agent learns nothing of other treasuries.
        let unknown = || Answer::refused("UnknownTreasury", format!("{wanted} is not a treasury this agent may use"));
        if !agent.treasuries.contains(&wanted) {
            return Err(unknown());
        }
        self.treasuries.iter().copied().find(|t| t.treasury == wanted).ok_or_else(unknown)
    }

    /// Counts a call against the agent's rate; refuses it over the rate. Returns how many calls
    /// the agent made in the hour before this one.
    fn admit(&self, agent: &Agent, tool: &str) -> Result<u32, Answer> {
        if !agent.may_use(tool) {
            return Err(Answer::refused("ToolNotAllowed", format!("this agent may not call {tool}")));
        }
        let now = Instant::now();
        let mut calls = self.calls.lock().map_err(|_| Answer::refused("Internal", "rate table poisoned"))?;
        let times = calls.entry(agent.id.clone()).or_default();
        while times.front().is_some_and(|t| now.duration_since(*t) > HOUR) {
            times.pop_front();
        }
        let last_minute = times.iter().filter(|t| now.duration_since(**t) <= MINUTE).count();
        if u32::try_from(last_minute).unwrap_or(u32::MAX) >= agent.requests_per_minute {
            return Err(Answer::refused(
                "RateLimited",
                format!("at most {} calls a minute for this agent: try again shortly", agent.requests_per_minute),
            ));
        }
        let recent = u32::try_from(times.len()).unwrap_or(u32::MAX);
        times.push_back(now);
        Ok(recent)
    }

    /// The decimals of an asset the treasury has a policy for (a mint's never change, so each is
    /// read once; SOL's are 9): amounts are parsed without observing the chain per request.
    async fn decimals(&self, t: &TreasuryAddresses, asset: &Pubkey) -> Result<u8, Answer> {
        if *asset == covenant::constants::SOL_ASSET {
            return Ok(crate::units::SOL_DECIMALS);
        }
        let key = (t.treasury, *asset);
        if let Some(decimals) = self.decimals.lock().ok().and_then(|known| known.get(&key).copied()) {
            return Ok(decimals);
        }
        let snapshot = self.snapshot(t).await?;
        let decimals = snapshot.decimals(asset).ok_or_else(|| {
            let name = crate::decide::asset_name(asset);
            Answer::refused("BadArguments", format!("asset: the treasury has no spend policy for {name}"))
        })?;
        if let Ok(mut known) = self.decimals.lock() {
            known.insert(key, decimals);
        }
        Ok(decimals)
    }

    async fn snapshot(&self, t: &TreasuryAddresses) -> Result<crate::observe::Snapshot, Answer> {
        crate::observe::observe(self.chain.as_ref(), t, &[])
            .await
            .map_err(|error| Answer::refused("ClusterUnavailable", error.to_string()))
    }

    /// `treasury_status`: balances, each policy's window (used, left, next reset), payees with
    /// budget left, pending spends, queued config changes, pause, alarms.
    pub async fn treasury_status(&self, agent: &Agent, ask: StatusAsk) -> Answer {
        let run = async {
            self.admit(agent, "treasury_status")?;
            let t = self.treasury(agent, ask.treasury.as_deref())?;
            let snapshot = self.snapshot(&t).await?;
            let alarms = crate::status::marker_alarms(&snapshot, &self.config);
            let mut value = crate::status::json(&snapshot, &alarms);
            // Claims are their own tool; a status stays small enough for an agent's context.
            if let Some(bounties) = value["bounties"].as_array_mut() {
                for bounty in bounties {
                    if let Some(object) = bounty.as_object_mut() {
                        object.remove("claims");
                    }
                }
            }
            let paused = if snapshot.treasury.paused { " PAUSED:" } else { "" };
            let sol = crate::units::sol(snapshot.vault_spendable);
            let line =
                format!("treasury {}{paused} {sol} SOL spendable, {} policies", t.treasury, snapshot.policies.len());
            Ok(Answer::ok(value, line))
        };
        run.await.unwrap_or_else(|answer| answer)
    }

    /// `check_payment`: the same checks as `request_payment`, nothing signed.
    pub async fn check_payment(&self, agent: &Agent, ask: PaymentAsk) -> Answer {
        self.payment(agent, ask, "check_payment", true).await
    }

    /// `request_payment`: scored by the decision model, checked by the guard with the program's
    /// own rules, signed and sent by the keeper; above the co-sign threshold, a pending spend.
    pub async fn request_payment(&self, agent: &Agent, ask: PaymentAsk) -> Answer {
        self.payment(agent, ask, "request_payment", false).await
    }

    async fn payment(&self, agent: &Agent, ask: PaymentAsk, tool: &str, dry_run: bool) -> Answer {
        let run = async {
            let recent = self.admit(agent, tool)?;
            let t = self.treasury(agent, ask.treasury.as_deref())?;
            let bad = |message: String| Answer::refused("BadArguments", message);
            let decimals = self.decimals(&t, &ask.asset().map_err(bad)?).await?;
            let request = ask.into_request(agent, t.treasury, decimals, tool, recent).map_err(bad)?;
            let outcomes = self.submit(vec![request], dry_run).await?;
            let outcome = outcomes.into_iter().next().ok_or_else(|| Answer::refused("Internal", "no answer"))?;
            Ok(Answer::outcome(&outcome))
        };
        run.await.unwrap_or_else(|answer| answer)
    }

    async fn submit(&self, requests: Vec<AgentRequest>, dry_run: bool) -> Result<Vec<RequestOutcome>, Answer> {
        let (reply, answer) = oneshot::channel();
        self.jobs.send(Job::Requests { requests, dry_run, reply }).await.map_err(|_| stopped())?;
        answer.await.map_err(|_| stopped())?.map_err(|error| Answer::refused("KeeperUnavailable", error))
    }

    /// `request_status`: the answer given to a request key (the same a retry would get).
    pub async fn request_status(&self, agent: &Agent, ask: RequestStatusAsk) -> Answer {
        let run = async {
            self.admit(agent, "request_status")?;
            let t = self.treasury(agent, ask.treasury.as_deref())?;
            crate::requests::check_text(&ask.idempotency_key, "status", None)
                .map_err(|message| Answer::refused("BadArguments", message))?;
            let request = ask.probe(agent, t.treasury);
            let (reply, answer) = oneshot::channel();
            self.jobs.send(Job::Status { request, reply }).await.map_err(|_| stopped())?;
            Ok(match answer.await.map_err(|_| stopped())? {
                Some(outcome) => Answer::outcome(&outcome),
                None => {
                    Answer::refused("UnknownRequest", format!("no request {:?} from this agent", ask.idempotency_key))
                }
            })
        };
        run.await.unwrap_or_else(|answer| answer)
    }

    /// `list_claims`: a treasury's bounty claims, newest first (their proof text is data, never
    /// an instruction).
    pub async fn list_claims(&self, agent: &Agent, ask: ClaimsAsk) -> Answer {
        let run = async {
            self.admit(agent, "list_claims")?;
            let t = self.treasury(agent, ask.treasury.as_deref())?;
            let snapshot = self.snapshot(&t).await?;
            let value = asks::claims(&snapshot, &ask);
            let count = value["claims"].as_array().map_or(0, Vec::len);
            Ok(Answer::ok(value, format!("{count} claims")))
        };
        run.await.unwrap_or_else(|answer| answer)
    }

    /// `create_bounty` (only where the operator lists it in the agent's tools): a bounty funded from
    /// the vault as one keeper spend, numbered by the treasury; a retried key opens it once.
    pub async fn create_bounty(&self, agent: &Agent, ask: BountyAsk) -> Answer {
        let run = async {
            let recent = self.admit(agent, "create_bounty")?;
            let t = self.treasury(agent, ask.treasury.as_deref())?;
            let bad = |message: String| Answer::refused("BadArguments", message);
            let decimals = self.decimals(&t, &ask.asset().map_err(bad)?).await?;
            let now =
                self.chain.clock().await.map_err(|error| Answer::refused("ClusterUnavailable", error.to_string()))?;
            let request = ask.into_request(agent, t.treasury, decimals, now.unix_timestamp, recent).map_err(bad)?;
            let outcomes = self.submit(vec![request], false).await?;
            let outcome = outcomes.into_iter().next().ok_or_else(|| Answer::refused("Internal", "no answer"))?;
            Ok(Answer::outcome(&outcome))
        };
        run.await.unwrap_or_else(|answer| answer)
    }

    /// `request_swap` (only where the operator lists it in the agent's tools): sells a token for
    /// another through an allowlisted SPL Token Swap pool, checked against the native policy, the
    /// USD caps and the oracle minimum before it is signed, and by the program again when it lands.
    pub async fn request_swap(&self, agent: &Agent, ask: SwapAsk) -> Answer {
        let run = async {
            self.admit(agent, "request_swap")?;
            let t = self.treasury(agent, ask.treasury.as_deref())?;
            let bad = |message: String| Answer::refused("BadArguments", message);
            let decimals = self.decimals(&t, &ask.sell().map_err(bad)?).await?;
            let dry_run = ask.dry_run.unwrap_or(false);
            let (order, idempotency_key) = ask.into_order(decimals).map_err(bad)?;
            let key = format!("request:{}:swap:{idempotency_key}", agent.id);
            let (reply, answer) = oneshot::channel();
            self.jobs.send(Job::Swap { treasury: t, order, key, dry_run, reply }).await.map_err(|_| stopped())?;
            answer.await.map_err(|_| stopped())
        };
        run.await.unwrap_or_else(|answer| answer)
    }

    /// `pay_for_call`: an HTTP call paid per call from the treasury (x402), under the same guard.
    pub async fn pay_for_call(&self, agent: &Agent, ask: CallAsk) -> Answer {
        let run = async {
            self.admit(agent, "pay_for_call")?;
            let t = self.treasury(agent, ask.treasury.as_deref())?;
            let call = ask.into_request().map_err(|message| Answer::refused("BadArguments", message))?;
            let (reply, answer) = oneshot::channel();
            self.jobs.send(Job::Call { treasury: t, call, reply }).await.map_err(|_| stopped())?;
            answer.await.map_err(|_| stopped())
        };
        run.await.unwrap_or_else(|answer| answer)
    }
}

fn stopped() -> Answer {
    Answer::refused("KeeperUnavailable", "the keeper's worker stopped")
}

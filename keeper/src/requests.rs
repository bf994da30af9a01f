//! An agent's payment request as the keeper's core sees it, whichever door it came through (the
//! MCP server or the CLI): checked and typed, turned into a candidate the decision model scores
//! (contract v3) and the guard checks like any payment, and answered with what happened and the
//! numbers an agent needs to adapt.
//!
//! Everything an agent says (purpose, memo, the arguments) is data: it is logged and hashed into
//! the decision record, and never read as an instruction. The model sees numbers only.

use anchor_lang::prelude::Pubkey;
use covenant::constants::SOL_ASSET;
use serde::Serialize;

use crate::decide::{asset_name, ratio, Candidate, Intent};
use crate::model::{FeatureRow, FEATURE_COUNT};
use crate::observe::Snapshot;

/// The longest purpose and memo an agent may give (the program's purpose field is 64 bytes).
pub const MAX_PURPOSE_BYTES: usize = 64;
pub const MAX_MEMO_BYTES: usize = 256;
pub const MAX_IDEMPOTENCY_KEY_BYTES: usize = 64;

/// A request the keeper may act on: every field checked, addresses typed, the amount in base units.
#[derive(Clone, Debug, Serialize)]
pub struct AgentRequest {
    /// Who asked (`[[mcp.agent]] id`, or `cli`).
    pub agent: String,
    /// The agent's own key for this request: a retry with the same key never pays twice.
    pub idempotency_key: String,
    #[serde(serialize_with = "as_text")]
    pub treasury: Pubkey,
    #[serde(serialize_with = "as_text")]
    pub to: Pubkey,
    #[serde(serialize_with = "as_asset")]
    pub asset: Pubkey,
    pub amount: u64,
    pub purpose: String,
    pub memo: Option<String>,
    /// The tool (or command) and its arguments exactly as received: part of the decision record.
    pub tool: String,
    pub arguments: serde_json::Value,
    /// How many requests this agent made in the hour before this one.
    pub recent: u32,
    /// For `create_bounty`: the bounty's terms (`to` is then unused and `amount` is the reward).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub bounty: Option<BountyTerms>,
}

/// A bounty an agent asks to open: `amount` to each of `max_claims` claimants until `deadline`.
#[derive(Clone, Debug, Serialize)]
pub struct BountyTerms {
    pub max_claims: u32,
    pub deadline: i64,
    pub description: String,
    /// Each claim's photo must show the claimant's own code (one photo pays once).
    #[serde(skip_serializing_if = "crate::decide::is_false")]
    pub claim_code: bool,
}

fn as_text<S: serde::Serializer>(key: &Pubkey, serializer: S) -> Result<S::Ok, S::Error> {
    serializer.collect_str(key)
}

fn as_asset<S: serde::Serializer>(asset: &Pubkey, serializer: S) -> Result<S::Ok, S::Error> {
    serializer.serialize_str(&asset_name(asset))
}

impl AgentRequest {
    /// The journal key (and the marker it carries on chain): per agent and idempotency key.
    pub fn key(&self) -> String {
        format!("request:{}:{}", self.agent, self.idempotency_key)
    }

    /// As a payment the guard checks (`schedule` names the agent; above the co-sign threshold it
    /// becomes a proposal).
    pub fn intent(&self) -> Intent {
        if let Some(bounty) = &self.bounty {
            return Intent::CreateBounty {
                asset: self.asset,
                reward: self.amount,
                max_claims: bounty.max_claims,
                deadline: bounty.deadline,
                description: bounty.description.clone(),
                bounty_id: 0,
                claim_code: bounty.claim_code,
            };
        }
        Intent::Pay {
            schedule: format!("agent:{}", self.agent),
            recipient: self.to,
            asset: self.asset,
            amount: self.amount,
            partial: false,
            purpose: self.purpose.clone(),
        }
    }

    /// The candidate the model scores: `by_rule` when the model predates requests (contract v2).
    pub fn candidate(&self, snapshot: &Snapshot, scored: bool) -> Candidate {
        let asked = serde_json::to_value(self).unwrap_or_default();
        Candidate::request(self.key(), features(snapshot, self), self.intent(), !scored, asked)
    }
}

/// Checks what an agent sent; one line naming the field when something is wrong.
pub fn check_text(idempotency_key: &str, purpose: &str, memo: Option<&str>) -> Result<(), String> {
    let key_ok = !idempotency_key.is_empty()
        && idempotency_key.len() <= MAX_IDEMPOTENCY_KEY_BYTES
        && idempotency_key.bytes().all(|b| b.is_ascii_alphanumeric() || b"-_.:".contains(&b));
    if !key_ok {
        return Err(format!(
            "idempotency_key: 1 to {MAX_IDEMPOTENCY_KEY_BYTES} characters of letters, digits, '-', '_', '.', ':'"
        ));
    }
    if purpose.trim().is_empty() || purpose.len() > MAX_PURPOSE_BYTES {
        return Err(format!("purpose: 1 to {MAX_PURPOSE_BYTES} bytes, saying what the payment is for"));
    }
    if memo.is_some_and(|memo| memo.len() > MAX_MEMO_BYTES) {
        return Err(format!("memo: at most {MAX_MEMO_BYTES} bytes"));
    }
    Ok(())
}

/// The v3 features of a request (keeper/MODEL.md): the generic spend features, then where the
/// payment would leave the window and the payee's budget, whom it pays, how busy the agent is and
/// the hour of day.
pub fn features(snapshot: &Snapshot, request: &AgentRequest) -> FeatureRow {
    let mut row = [0.0f32; FEATURE_COUNT];
    row[15] = 1.0;
    let room = Headroom::of(snapshot, &request.asset, &request.to);
    // A bounty's escrow leaves the vault as one spend of reward × claims.
    let claims = request.bounty.as_ref().map_or(1, |bounty| u64::from(bounty.max_claims));
    let amount = request.amount.saturating_mul(claims);
    if let Some(policy) = &room.policy {
        row[4] = ratio(amount, policy.per_tx_max);
        row[5] = ratio(policy.window_used, policy.window_cap);
        let after = policy.window_left as f64 - amount as f64;
        row[16] = (after / policy.window_cap.max(1) as f64).clamp(-1.0, 1.0) as f32;
    } else {
        (row[4], row[5], row[16]) = (4.0, 1.0, -1.0);
    }
    if let Some(payee) = &room.payee {
        row[17] = 1.0;
        row[19] = f32::from(payee.category == "inference");
        row[20] = f32::from(payee.category == "dev");
        row[18] = match (payee.budget, payee.budget_left) {
            (Some(budget), Some(left)) => {
                row[6] = ratio(budget.saturating_sub(left), budget);
                ((left as f64 - amount as f64) / budget.max(1) as f64).clamp(-1.0, 1.0) as f32
            }
            _ => 1.0,
        };
    } else {
        row[18] = 1.0;
    }
    row[21] = (request.recent as f32 / 100.0).min(1.0);
    let hour = snapshot.now.rem_euclid(86_400) as f32 / 86_400.0 * std::f32::consts::TAU;
    (row[22], row[23]) = (hour.sin(), hour.cos());
    row
}

/// What is left for an agent under the policy, as the chain sees it now.
#[derive(Clone, Debug, Default, Serialize, schemars::JsonSchema)]
pub struct Headroom {
    /// The asset's policy; none when the treasury cannot spend it at all.
    pub policy: Option<PolicyRoom>,
    /// The recipient's payee entry; none when it is not on the allowlist.
    pub payee: Option<PayeeRoom>,
    pub paused: bool,
}

#[derive(Clone, Debug, Serialize, schemars::JsonSchema)]
pub struct PolicyRoom {
    pub asset: String,
    pub decimals: u8,
    /// Base units, as every amount here.
    pub per_tx_max: u64,
    /// Above this a payment waits for the operator or the policy's timelock.
    pub cosign_threshold: Option<u64>,
    pub timelock_seconds: u32,
    pub window_cap: u64,
    pub window_used: u64,
    pub window_left: u64,
    /// Unix seconds when the window starts afresh.
    pub window_resets_at: i64,
    pub allowlist_required: bool,
    /// What the vault holds of the asset (spendable).
    pub balance: u64,
}

#[derive(Clone, Debug, Serialize, schemars::JsonSchema)]
pub struct PayeeRoom {
    pub label: String,
    pub category: String,
    pub budget: Option<u64>,
    pub budget_left: Option<u64>,
    pub expires_at: Option<i64>,
}

impl Headroom {
    pub fn of(snapshot: &Snapshot, asset: &Pubkey, recipient: &Pubkey) -> Self {
        let policy = snapshot.policies.get(asset).map(|policy| {
            let limits = &policy.limits;
            let (used, resets_in) = snapshot.window_now(policy).unwrap_or((limits.period_cap, 0));
            let resets_at = snapshot.now.saturating_add(resets_in);
            let balance = if *asset == SOL_ASSET {
                snapshot.vault_spendable
            } else {
                snapshot.token_balances.get(asset).copied().unwrap_or(0)
            };
            PolicyRoom {
                asset: asset_name(asset),
                decimals: policy.decimals,
                per_tx_max: limits.per_tx_max,
                cosign_threshold: limits.cosign_threshold,
                timelock_seconds: limits.timelock_seconds,
                window_cap: limits.period_cap,
                window_used: used,
                window_left: limits.period_cap.saturating_sub(used),
                window_resets_at: resets_at,
                allowlist_required: limits.allowlist_required,
                balance,
            }
        });
        let payee = snapshot.payees.get(recipient).map(|payee| {
            let budget = payee.terms.budget.filter(|budget| budget.asset == *asset).map(|budget| budget.amount);
            PayeeRoom {
                label: payee.label.clone(),
                category: payee.category.clone(),
                budget,
                budget_left: budget.map(|budget| budget.saturating_sub(payee.terms.spent)),
                expires_at: payee.terms.expires_at,
            }
        });
        Self { policy, payee, paused: snapshot.treasury.paused }
    }
}

/// What became of a request: the answer an agent gets, and gets again for a retry of its key.
#[derive(Clone, Debug, Serialize, serde::Deserialize, schemars::JsonSchema)]
pub struct RequestOutcome {
    /// `paid`, `pending` (waits for the operator or the timelock), `refused`, `unsettled` (sent,
    /// not yet confirmed: ask `request_status` later), or for `check_payment`: `would_pay`,
    /// `would_propose`, `would_refuse`.
    pub status: String,
    pub idempotency_key: String,
    pub treasury: String,
    pub to: String,
    pub asset: String,
    /// Base units.
    pub amount: u64,
    /// The transaction, when one was sent.
    pub signature: Option<String>,
    /// For `pending`: the pending spend, who may approve it and when it may run.
    pub pending: Option<PendingInfo>,
    /// For a refusal: the rule by name (the program's error, e.g. `ExceedsPeriodCap`, or the
    /// guard's or model's reason) and who refused.
    pub refusal: Option<Refusal>,
    /// The decision record put on chain (hex), when a decision was made.
    pub decision_hash: Option<String>,
    pub model_hash: Option<String>,
    /// One line a person can read.
    pub line: String,
}

#[derive(Clone, Debug, Serialize, serde::Deserialize, schemars::JsonSchema)]
pub struct PendingInfo {
    pub id: u64,
    /// Unix seconds after which the keeper executes it, unless the guardian or operator cancels it.
    pub executable_at: i64,
    /// Who may approve it at once: the operator's key (`covenant-keeper approve-pending --id N`).
    pub approver: String,
    /// Who may cancel it until it runs.
    pub cancellers: Vec<String>,
}

#[derive(Clone, Debug, Serialize, serde::Deserialize, schemars::JsonSchema)]
pub struct Refusal {
    /// `program` (the chain refused it), `guard` (the program's own rules, checked before
    /// signing), `model` (the decision model declined it) or `keeper` (bad request).
    pub by: String,
    pub error: String,
    pub message: String,
}

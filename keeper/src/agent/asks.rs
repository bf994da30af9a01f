//! What agents send, as typed inputs with JSON schemas (the MCP tools' `inputSchema`), and how
//! each becomes something the keeper checks. Every text field is data.

use std::collections::BTreeMap;

use anchor_lang::prelude::Pubkey;
use covenant::constants::SOL_ASSET;
use schemars::JsonSchema;
use serde::Deserialize;
use serde_json::{json, Value};

use super::Agent;

use crate::observe::Snapshot;
use crate::requests::{check_text, AgentRequest};

/// "SOL" (or none) is SOL; anything else a mint's address.
fn asset_named(text: Option<&str>) -> Result<Pubkey, String> {
    match text {
        Some(text) => crate::config::parse_asset(text).map_err(|error| format!("asset: {error}")),
        None => Ok(SOL_ASSET),
    }
}

/// An amount in the asset's own units: a decimal string ("0.1") or a number (0.1).
#[derive(Clone, Debug, Deserialize, JsonSchema)]
#[serde(untagged)]
pub enum Amount {
    Text(String),
    Number(serde_json::Number),
}

impl Amount {
    fn text(&self) -> String {
        match self {
            Self::Text(text) => text.clone(),
            Self::Number(number) => number.to_string(),
        }
    }
}

#[derive(Clone, Debug, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct StatusAsk {
    /// The treasury's address (default: the first treasury this agent may use).
    pub treasury: Option<String>,
}

#[derive(Clone, Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct PaymentAsk {
    /// The recipient's wallet address (base58). Not a token account: tokens go to its associated account.
    pub to: String,
    /// How much, in the asset's units (SOL, or the token's): "0.1" or 0.1.
    pub amount: Amount,
    /// "SOL" (the default) or a token's mint address.
    pub asset: Option<String>,
    /// What the payment is for, 1 to 64 bytes; recorded in the decision and on chain.
    pub purpose: String,
    /// A memo sent with the payment (SPL Memo), at most 256 bytes.
    pub memo: Option<String>,
    /// Your own unique key for this payment (letters, digits, - _ . :; at most 64): a retry with
    /// the same key never pays twice and gets the first answer.
    pub idempotency_key: String,
    /// The treasury's address (default: the first this agent may use).
    pub treasury: Option<String>,
}

impl PaymentAsk {
    /// The asset it names ("SOL" when none).
    pub(super) fn asset(&self) -> Result<Pubkey, String> {
        asset_named(self.asset.as_deref())
    }

    /// Checked, typed (the amount in base units of an asset with `decimals`), with everything the
    /// decision record must hold.
    pub(super) fn into_request(
        self,
        agent: &Agent,
        treasury: Pubkey,
        decimals: u8,
        tool: &str,
        recent: u32,
    ) -> Result<AgentRequest, String> {
        check_text(&self.idempotency_key, &self.purpose, self.memo.as_deref())?;
        let to = crate::config::parse_pubkey(&self.to).map_err(|error| format!("to: {error}"))?;
        let asset = self.asset()?;
        let amount =
            crate::units::parse_amount(&self.amount.text(), decimals).map_err(|error| format!("amount: {error}"))?;
        if amount == 0 {
            return Err("amount: must be more than zero".into());
        }
        let arguments = json!({
            "to": self.to,
            "amount": self.amount.text(),
            "asset": self.asset,
            "purpose": self.purpose,
            "memo": self.memo,
            "idempotency_key": self.idempotency_key,
            "treasury": self.treasury,
        });
        Ok(AgentRequest {
            agent: agent.id.clone(),
            idempotency_key: self.idempotency_key,
            treasury,
            to,
            asset,
            amount,
            purpose: self.purpose,
            memo: self.memo,
            tool: tool.into(),
            arguments,
            recent,
            bounty: None,
        })
    }
}

#[derive(Clone, Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct BountyAsk {
    /// Paid to each approved claimant, in the asset's units.
    pub reward: Amount,
    /// "SOL" (the default) or a token's mint.
    pub asset: Option<String>,
    /// How many claims it pays at most (1 to 10,000).
    pub max_claims: u32,
    /// Seconds from now until claims close (at most a year).
    pub open_for_seconds: i64,
    /// What to do to earn it, at most 96 bytes.
    pub description: String,
    /// Your own unique key for this bounty: a retry never opens a second one.
    pub idempotency_key: String,
    pub treasury: Option<String>,
    /// Ask each claim's photo to show the claimant's own 6-character code, written beside what
    /// the bounty asks for, so a photo reused from another wallet fails (`list_claims` shows each
    /// claimant's code). Default false.
    pub claim_code: Option<bool>,
}

impl BountyAsk {
    pub(super) fn asset(&self) -> Result<Pubkey, String> {
        asset_named(self.asset.as_deref())
    }

    /// Checked and typed, like a payment; the chain checks the terms again (`InvalidBountyTerms`).
    pub(super) fn into_request(
        self,
        agent: &Agent,
        treasury: Pubkey,
        decimals: u8,
        now: i64,
        recent: u32,
    ) -> Result<AgentRequest, String> {
        check_text(&self.idempotency_key, "bounty", None)?;
        let max_description = covenant::constants::MAX_BOUNTY_DESCRIPTION_LEN;
        if self.description.trim().is_empty() || self.description.len() > max_description {
            return Err(format!("description: 1 to {max_description} bytes"));
        }
        if !(1..=covenant::constants::MAX_BOUNTY_CLAIMS).contains(&self.max_claims) {
            return Err(format!("max_claims: 1 to {}", covenant::constants::MAX_BOUNTY_CLAIMS));
        }
        if !(1..=covenant::constants::MAX_BOUNTY_DURATION_SECONDS).contains(&self.open_for_seconds) {
            return Err("open_for_seconds: 1 to a year".into());
        }
        let asset = self.asset()?;
        let reward =
            crate::units::parse_amount(&self.reward.text(), decimals).map_err(|error| format!("reward: {error}"))?;
        if reward == 0 {
            return Err("reward: must be more than zero".into());
        }
        let arguments = json!({
            "reward": self.reward.text(),
            "asset": self.asset,
            "max_claims": self.max_claims,
            "open_for_seconds": self.open_for_seconds,
            "description": self.description,
            "idempotency_key": self.idempotency_key,
        });
        Ok(AgentRequest {
            agent: agent.id.clone(),
            idempotency_key: self.idempotency_key,
            treasury,
            to: Pubkey::default(),
            asset,
            amount: reward,
            purpose: "bounty".into(),
            memo: None,
            tool: "create_bounty".into(),
            arguments,
            recent,
            bounty: Some(crate::requests::BountyTerms {
                max_claims: self.max_claims,
                deadline: now.saturating_add(self.open_for_seconds),
                description: self.description,
                claim_code: self.claim_code.unwrap_or(false),
            }),
        })
    }
}

#[derive(Clone, Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RequestStatusAsk {
    /// The key the request was made with.
    pub idempotency_key: String,
    pub treasury: Option<String>,
}

impl RequestStatusAsk {
    /// A request carrying only what names it (the journal key).
    pub(super) fn probe(&self, agent: &Agent, treasury: Pubkey) -> AgentRequest {
        AgentRequest {
            agent: agent.id.clone(),
            idempotency_key: self.idempotency_key.clone(),
            treasury,
            to: Pubkey::default(),
            asset: SOL_ASSET,
            amount: 0,
            purpose: String::new(),
            memo: None,
            tool: "request_status".into(),
            arguments: Value::Null,
            recent: 0,
            bounty: None,
        }
    }
}

#[derive(Clone, Debug, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ClaimsAsk {
    pub treasury: Option<String>,
    /// Only this bounty's claims (its id).
    pub bounty: Option<u64>,
    /// Only claims in this state: "pending", "approved" or "rejected".
    pub status: Option<String>,
}

/// A treasury's claims as an agent sees them.
pub(super) fn claims(snapshot: &Snapshot, ask: &ClaimsAsk) -> Value {
    let ids: BTreeMap<Pubkey, u64> = snapshot.bounties.iter().map(|(key, bounty)| (*key, bounty.id)).collect();
    let coded: std::collections::BTreeSet<Pubkey> =
        snapshot.bounties.iter().filter(|(_, bounty)| bounty.claim_code).map(|(key, _)| *key).collect();
    let mut claims: Vec<_> = snapshot
        .claims
        .iter()
        .filter(|(_, claim)| ask.bounty.is_none_or(|id| ids.get(&claim.bounty) == Some(&id)))
        .filter(|(_, claim)| {
            let status = format!("{:?}", claim.status).to_ascii_lowercase();
            ask.status.as_deref().is_none_or(|wanted| wanted.eq_ignore_ascii_case(&status))
        })
        .collect();
    claims.sort_by_key(|(_, claim)| std::cmp::Reverse(claim.submitted_at));
    let claims: Vec<Value> = claims
        .into_iter()
        .map(|(key, claim)| {
            json!({
                "claim": key.to_string(),
                "bounty": ids.get(&claim.bounty),
                "claimant": claim.claimant.to_string(),
                "status": format!("{:?}", claim.status).to_ascii_lowercase(),
                "reason_code": claim.reason_code,
                "reason": crate::proofs::RejectReason::from_code(claim.reason_code).map(|reason| reason.name()),
                "proof_uri": claim.proof_uri,
                "submitted_at": claim.submitted_at,
                "claim_code": coded
                    .contains(&claim.bounty)
                    .then(|| crate::proofs::claim_code::claim_code(&claim.bounty, &claim.claimant)),
            })
        })
        .collect();
    json!({"treasury": snapshot.addresses.treasury.to_string(), "claims": claims})
}

#[derive(Clone, Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct CallAsk {
    /// The endpoint (http or https). If it answers 402, the keeper pays it from the treasury
    /// (x402, a payee of the configured category) and calls again.
    pub url: String,
    /// GET (default), POST, ...
    pub method: Option<String>,
    pub headers: Option<BTreeMap<String, String>>,
    pub body: Option<String>,
    pub treasury: Option<String>,
}

impl CallAsk {
    pub(super) fn into_request(self) -> Result<crate::x402::client::Request, String> {
        let method = self.method.as_deref().unwrap_or("GET");
        let method = reqwest::Method::from_bytes(method.to_ascii_uppercase().as_bytes())
            .map_err(|_| format!("method: {method:?} is not an HTTP method"))?;
        let url = url::Url::parse(&self.url).map_err(|error| format!("url: {error}"))?;
        if !matches!(url.scheme(), "http" | "https") {
            return Err("url: only http and https".into());
        }
        let headers = self.headers.unwrap_or_default().into_iter().collect();
        let body = self.body.unwrap_or_default().into_bytes();
        Ok(crate::x402::client::Request { method, url: self.url, headers, body })
    }
}

#[derive(Clone, Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct SwapAsk {
    /// The token to sell: its mint address (the treasury must hold it under a policy).
    pub sell: String,
    /// The token to buy: its mint address (under a policy too).
    pub buy: String,
    /// How much to sell, in the sold token's units: "0.5" or 0.5.
    pub amount: Amount,
    /// The SPL Token Swap pool to trade through (its program must be one of the treasury's venues).
    pub pool: String,
    /// Your own unique key for this swap: a retry with the same key never swaps twice.
    pub idempotency_key: String,
    /// Check only: every rule and the pool's quote against the oracle minimum, nothing sent.
    pub dry_run: Option<bool>,
    pub treasury: Option<String>,
}

impl SwapAsk {
    pub(super) fn sell(&self) -> Result<Pubkey, String> {
        crate::config::parse_pubkey(&self.sell).map_err(|error| format!("sell: {error}"))
    }

    /// Checked and typed: the amount in base units of the sold token (`decimals`).
    pub(super) fn into_order(self, decimals: u8) -> Result<(crate::swaps::SwapOrder, String), String> {
        check_text(&self.idempotency_key, "swap", None)?;
        let sell = self.sell()?;
        let buy = crate::config::parse_pubkey(&self.buy).map_err(|error| format!("buy: {error}"))?;
        let pool = crate::config::parse_pubkey(&self.pool).map_err(|error| format!("pool: {error}"))?;
        let amount =
            crate::units::parse_amount(&self.amount.text(), decimals).map_err(|error| format!("amount: {error}"))?;
        if amount == 0 {
            return Err("amount: must be more than zero".into());
        }
        Ok((crate::swaps::SwapOrder { sell, buy, amount, pool }, self.idempotency_key))
    }
}

//! `[x402]`: paying for HTTP calls per call from the treasury (`covenant-keeper fetch`).

use serde::Deserialize;

#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct X402Config {
    /// Only payees of this category are paid (the payee's budget then bounds what calls cost).
    #[serde(default = "default_category")]
    pub category: String,
    /// The most one call may cost, in the token's base units (default: what the policy allows).
    pub max_per_call: Option<u64>,
    /// This cluster's CAIP-2 network id as servers name it (default: `solana:` and the first 32
    /// characters of the cluster's genesis hash, as x402 defines it).
    pub network: Option<String>,
    /// Micro-lamports per compute unit. The facilitator pays the fee, and refuses a price above
    /// its own limit (the reference facilitator's default: 50,000).
    #[serde(default = "default_compute_unit_price")]
    pub compute_unit_price: u64,
    /// Endpoints `run` calls (and pays for) by itself, e.g. the agent's inference provider.
    #[serde(default, rename = "call")]
    pub calls: Vec<PaidCall>,
}

/// `[[x402.call]]`: `url` requested once per `every_seconds` (periods count from 0, as payments'
/// do); a period is called at most once, across restarts (the journal says which were).
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PaidCall {
    pub name: String,
    pub url: String,
    #[serde(default = "default_method")]
    pub method: String,
    #[serde(default)]
    pub body: String,
    pub every_seconds: u32,
}

fn default_method() -> String {
    "GET".into()
}

fn default_category() -> String {
    "inference".into()
}

fn default_compute_unit_price() -> u64 {
    1
}

impl Default for X402Config {
    fn default() -> Self {
        Self {
            category: default_category(),
            max_per_call: None,
            network: None,
            compute_unit_price: default_compute_unit_price(),
            calls: Vec::new(),
        }
    }
}

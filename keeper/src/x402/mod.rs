//! x402 (HTTP 402 Payment Required, protocol version 2) on the paying side, from the treasury:
//! a 402's `PAYMENT-REQUIRED` header lists what the server accepts; the keeper picks the `exact`
//! scheme on this cluster's network for a token the treasury has a policy for, guards it with the
//! program's own policy functions, and signs a transaction around Covenant's `spend_token` (the
//! vault's token account pays `payTo`'s, the facilitator pays the fee), sent back in
//! `PAYMENT-SIGNATURE`. The stock facilitator verifies such a payer by simulating the transaction
//! and finding the inner `TransferChecked` (its "smart wallet" path).
//!
//! This module is the protocol and the pure decisions; `client` makes the calls.

pub mod client;
pub mod command;
pub mod schedule;

use anchor_lang::prelude::Pubkey;
use base64::Engine as _;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use sha2::{Digest, Sha256};

pub const VERSION: u64 = 2;
pub const HEADER_REQUIRED: &str = "PAYMENT-REQUIRED";
pub const HEADER_SIGNATURE: &str = "PAYMENT-SIGNATURE";
pub const HEADER_RESPONSE: &str = "PAYMENT-RESPONSE";

/// One way the server accepts payment. The raw object is kept: the payment echoes it as
/// `accepted` byte for byte in meaning, whatever fields a newer server adds.
#[derive(Clone, Debug, PartialEq)]
pub struct Offer {
    pub scheme: String,
    pub network: String,
    pub amount: u64,
    pub asset: Pubkey,
    pub pay_to: Pubkey,
    /// The facilitator's fee payer (`extra.feePayer`), the transaction's first signer.
    pub fee_payer: Pubkey,
    /// `extra.memo`: the server's reference that the payment must carry, when it sets one.
    pub memo: Option<String>,
    pub raw: Value,
}

/// What a 402 says: its offers that Covenant can read, and the rest as why not.
#[derive(Debug)]
pub struct PaymentRequired {
    pub resource: Option<Value>,
    pub error: Option<String>,
    pub offers: Vec<Offer>,
    /// Offers skipped while reading, each with why (another scheme, an EVM network...).
    pub unreadable: Vec<String>,
}

#[derive(Debug, thiserror::Error)]
pub enum ProtocolError {
    #[error("the {HEADER_REQUIRED} header is not base64 JSON: {0}")]
    Header(String),
    #[error("x402 version {0} (this keeper speaks version {VERSION})")]
    Version(u64),
    #[error("the 402 lists no payment options")]
    NoOffers,
}

fn decode_json(text: &str) -> Result<Value, String> {
    let bytes = base64::engine::general_purpose::STANDARD.decode(text.trim()).map_err(|error| error.to_string())?;
    serde_json::from_slice(&bytes).map_err(|error| error.to_string())
}

pub fn encode_json(value: &impl Serialize) -> String {
    base64::engine::general_purpose::STANDARD.encode(serde_json::to_vec(value).unwrap_or_default())
}

fn offer(raw: &Value) -> Result<Offer, String> {
    let text = |field: &str| raw.get(field).and_then(Value::as_str).ok_or_else(|| format!("no {field}"));
    let key =
        |field: &str, text: &str| text.parse::<Pubkey>().map_err(|_| format!("{field} {text} is not a Solana address"));
    let scheme = text("scheme")?.to_string();
    let network = text("network")?.to_string();
    if !network.starts_with("solana:") {
        return Err(format!("network {network} is not Solana"));
    }
    let amount =
        text("amount")?.parse::<u64>().map_err(|_| "amount is not a whole number of base units".to_string())?;
    let fee_payer = raw.pointer("/extra/feePayer").and_then(Value::as_str).ok_or("no extra.feePayer")?;
    Ok(Offer {
        scheme,
        network,
        amount,
        asset: key("asset", text("asset")?)?,
        pay_to: key("payTo", text("payTo")?)?,
        fee_payer: key("extra.feePayer", fee_payer)?,
        memo: raw.pointer("/extra/memo").and_then(Value::as_str).map(str::to_string),
        raw: raw.clone(),
    })
}

/// Reads the `PAYMENT-REQUIRED` header of a 402.
pub fn parse_required(header: &str) -> Result<PaymentRequired, ProtocolError> {
    let value = decode_json(header).map_err(ProtocolError::Header)?;
    let version = value.get("x402Version").and_then(Value::as_u64).unwrap_or(0);
    if version != VERSION {
        return Err(ProtocolError::Version(version));
    }
    let accepts = value.get("accepts").and_then(Value::as_array).cloned().unwrap_or_default();
    if accepts.is_empty() {
        return Err(ProtocolError::NoOffers);
    }
    let (mut offers, mut unreadable) = (Vec::new(), Vec::new());
    for (index, raw) in accepts.iter().enumerate() {
        match offer(raw) {
            Ok(offer) => offers.push(offer),
            Err(why) => unreadable.push(format!("option {index}: {why}")),
        }
    }
    Ok(PaymentRequired {
        resource: value.get("resource").cloned(),
        error: value.get("error").and_then(Value::as_str).map(str::to_string),
        offers,
        unreadable,
    })
}

/// Solana's CAIP-2 network id: `solana:` and the first 32 characters of the genesis hash.
pub fn network_id(genesis_hash: &str) -> String {
    format!("solana:{}", &genesis_hash[..genesis_hash.len().min(32)])
}

/// The offer to pay: `exact` on `network`, in an asset `payable` accepts (the treasury has a
/// policy for it), at most `max_amount`; the server's order breaks ties. `Err` says why none fits.
pub fn choose<'a>(
    required: &'a PaymentRequired,
    network: &str,
    max_amount: Option<u64>,
    payable: impl Fn(&Pubkey) -> bool,
) -> Result<&'a Offer, String> {
    let mut why = required.unreadable.clone();
    for offer in &required.offers {
        if offer.scheme != "exact" {
            why.push(format!("{} on {}: only the exact scheme is paid", offer.scheme, offer.network));
        } else if offer.network != network {
            why.push(format!("{}: not this cluster ({network})", offer.network));
        } else if !payable(&offer.asset) {
            why.push(format!("{}: the treasury has no spend policy for this token", offer.asset));
        } else if max_amount.is_some_and(|max| offer.amount > max) {
            why.push(format!("{} base units of {}: above the per-call maximum", offer.amount, offer.asset));
        } else {
            return Ok(offer);
        }
    }
    Err(format!("no payment option this treasury can pay ({})", why.join("; ")))
}

/// The HTTP call a payment is for, as the decision record names it.
#[derive(Clone, Debug, Serialize)]
pub struct Call {
    pub method: String,
    pub url: String,
    /// SHA-256 of the request body (of nothing, for a call without one), hex.
    pub body_sha256: String,
}

impl Call {
    pub fn new(method: &str, url: &str, body: &[u8]) -> Self {
        Self { method: method.to_ascii_uppercase(), url: url.into(), body_sha256: hex::encode(Sha256::digest(body)) }
    }

    /// SHA-256 of the call's compact JSON (method, url, body hash).
    pub fn hash(&self) -> [u8; 32] {
        sha256_json(&serde_json::to_value(self).unwrap_or_default())
    }
}

/// SHA-256 of a value's compact JSON with sorted keys: the keeper's one hash for every decision
/// input (`keeper::decision_hash`), so anyone recomputing either hashes the same way.
pub fn sha256_json(value: &Value) -> [u8; 32] {
    crate::keeper::decision_hash(value)
}

/// What the keeper decided about one paid call: the input whose hash goes on chain. It names
/// the call (and its hash) and the offer paid (and its hash), so the `Spent` event's decision
/// hash commits to which HTTP request was paid for and on what terms.
pub fn decision_input(call: &Call, offer: &Offer, verdict: &Value) -> Value {
    serde_json::json!({
        "kind": "x402",
        "request": call,
        "request_sha256": hex::encode(call.hash()),
        "requirements": offer.raw,
        "requirements_sha256": hex::encode(sha256_json(&offer.raw)),
        "verdict": verdict,
    })
}

/// The `PAYMENT-SIGNATURE` header's payload: the offer accepted and the partly signed transaction.
pub fn payment_payload(required: &PaymentRequired, offer: &Offer, transaction_base64: String) -> Value {
    let mut payload = serde_json::json!({
        "x402Version": VERSION,
        "accepted": offer.raw,
        "payload": { "transaction": transaction_base64 },
    });
    if let Some(resource) = &required.resource {
        payload["resource"] = resource.clone();
    }
    payload
}

/// The server's `PAYMENT-RESPONSE`: the facilitator's settlement.
#[derive(Clone, Debug, Deserialize, Serialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct Settlement {
    pub success: bool,
    #[serde(default)]
    pub transaction: String,
    #[serde(default)]
    pub network: String,
    #[serde(default)]
    pub payer: Option<String>,
    #[serde(default)]
    pub error_reason: Option<String>,
    #[serde(default)]
    pub error_message: Option<String>,
}

pub fn parse_settlement(header: &str) -> Result<Settlement, String> {
    serde_json::from_value(decode_json(header)?).map_err(|error| error.to_string())
}

#[cfg(test)]
mod tests;

//! The x402 client: request, read the 402, guard, sign the treasury's payment, repeat the request
//! with it, read the settlement. Nothing is signed that the guard refuses, and the decision line
//! (with the hashes that go on chain) is on disk before the payment leaves the machine.

use covenant::constants::SOL_ASSET;
use covenant::sdk::{self, TreasuryAddresses};
use covenant::state::DecisionRecord;
use serde_json::Value;
use sha2::{Digest, Sha256};
use solana_compute_budget_interface::ComputeBudgetInstruction;
use solana_keypair::Keypair;
use solana_signer::Signer;
use solana_transaction::Transaction;

use super::{Call, Offer, Settlement, HEADER_REQUIRED, HEADER_RESPONSE, HEADER_SIGNATURE};
use crate::chain::{Chain, ChainError};
use crate::config::X402Config;
use crate::decide::Intent;
use crate::guard::{Guard, Verdict};
use crate::journal::{Journal, JournalError};
use crate::observe::{observe, Snapshot};

/// SPL Memo: a nonce (or the server's reference) so that two payments of one amount differ.
/// The reference client's limit on a server's `extra.memo`.
const MAX_MEMO_BYTES: usize = 256;
/// The facilitator checks the compute budget it would pay for; natively nothing is metered, and
/// `spend_token` with its event CPI fits well within this (docs/compute-budget.md).
const COMPUTE_UNITS: u32 = 200_000;

#[derive(Debug, thiserror::Error)]
pub enum X402Error {
    #[error("{url}: {detail}")]
    Http { url: String, detail: String },
    #[error("{url} answered 402 but {detail}")]
    Protocol { url: String, detail: String },
    #[error("{0}")]
    NoOption(String),
    /// The guard's refusal: nothing was signed.
    #[error("refused before signing: {code}: {detail}")]
    Refused { code: String, detail: String },
    #[error("the facilitator did not settle the payment: {reason}")]
    NotSettled { reason: String, decision_hash: String },
    #[error("cannot sign the payment: {0}")]
    Sign(String),
    #[error("{0}")]
    Chain(#[from] ChainError),
    #[error("{0}")]
    Journal(#[from] JournalError),
}

/// An HTTP request to make, paid for if the server asks.
#[derive(Clone, Debug)]
pub struct Request {
    pub method: reqwest::Method,
    pub url: String,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

/// What came back, and what was paid for it.
#[derive(Debug)]
pub struct Fetched {
    pub status: u16,
    pub body: Vec<u8>,
    pub paid: Option<Paid>,
}

#[derive(Debug, Clone, serde::Serialize)]
pub struct Paid {
    pub amount: u64,
    pub asset: String,
    pub pay_to: String,
    pub network: String,
    pub decision_hash: String,
    pub settlement: Settlement,
}

pub struct X402Client<'a> {
    pub http: reqwest::Client,
    pub chain: &'a dyn Chain,
    pub keeper: &'a Keypair,
    pub treasury: TreasuryAddresses,
    pub settings: &'a X402Config,
    /// This cluster's CAIP-2 id (`super::network_id` of its genesis hash).
    pub network: String,
    pub journal: &'a mut Journal,
    /// Test only: skip the guard, so that what only the program would refuse reaches the chain.
    pub unguarded: bool,
    /// The loop's `[[x402.call]]` and period this call is for (`x402::schedule`), when it is one.
    pub schedule: Option<(String, i64)>,
}

fn header(response: &reqwest::Response, name: &str) -> Option<String> {
    response.headers().get(name).and_then(|value| value.to_str().ok()).map(str::to_string)
}

impl X402Client<'_> {
    async fn send(&self, request: &Request, payment: Option<&str>) -> Result<reqwest::Response, X402Error> {
        let mut builder = self.http.request(request.method.clone(), &request.url).body(request.body.clone());
        for (name, value) in &request.headers {
            builder = builder.header(name, value);
        }
        if let Some(payment) = payment {
            builder = builder.header(HEADER_SIGNATURE, payment);
        }
        builder.send().await.map_err(|error| X402Error::Http { url: request.url.clone(), detail: error.to_string() })
    }

    async fn body(url: &str, response: reqwest::Response) -> Result<Vec<u8>, X402Error> {
        let bytes =
            response.bytes().await.map_err(|error| X402Error::Http { url: url.into(), detail: error.to_string() })?;
        Ok(bytes.to_vec())
    }

    /// Makes `request`; on a 402, pays from the treasury (when the guard allows) and makes it again.
    pub async fn fetch(&mut self, request: &Request) -> Result<Fetched, X402Error> {
        let response = self.send(request, None).await?;
        if response.status() != reqwest::StatusCode::PAYMENT_REQUIRED {
            let status = response.status().as_u16();
            return Ok(Fetched { status, body: Self::body(&request.url, response).await?, paid: None });
        }
        let protocol = |detail: String| X402Error::Protocol { url: request.url.clone(), detail };
        let required_header = header(&response, HEADER_REQUIRED)
            .ok_or_else(|| protocol(format!("without a {HEADER_REQUIRED} header (not x402 version 2)")))?;
        let required = super::parse_required(&required_header).map_err(|error| protocol(error.to_string()))?;
        let snapshot = observe(self.chain, &self.treasury, &[]).await?;
        let offer = super::choose(&required, &self.network, self.settings.max_per_call, |asset| {
            *asset != SOL_ASSET && snapshot.policies.contains_key(asset)
        })
        .map_err(X402Error::NoOption)?
        .clone();
        // The keeper never pays the fee: a server naming the keeper (or the vault) as fee payer
        // would get a transaction it could send on its own account.
        if offer.fee_payer == self.keeper.pubkey() || offer.fee_payer == self.treasury.vault {
            return Err(X402Error::Refused {
                code: "FeePayerNotFacilitator".into(),
                detail: format!(
                    "the offer names {} as the fee payer; only a facilitator's key may be",
                    offer.fee_payer
                ),
            });
        }
        if offer.memo.as_ref().is_some_and(|memo| memo.len() > MAX_MEMO_BYTES) {
            return Err(X402Error::NoOption(format!("the offer's memo is over {MAX_MEMO_BYTES} bytes")));
        }
        let call = Call::new(request.method.as_str(), &request.url, &request.body);
        let verdict = if self.unguarded {
            serde_json::json!({ "verdict": "unguarded" })
        } else {
            serde_json::to_value(self.guard(&snapshot, &offer, &call).await?).unwrap_or_default()
        };

        let input = super::decision_input(&call, &offer, &verdict);
        let decision_hash = crate::keeper::decision_hash(&input);
        let decision = DecisionRecord { model_hash: [0; 32], decision_hash };
        let transaction = self.sign(&snapshot, &offer, decision).await?;
        let payment = super::encode_json(&super::payment_payload(&required, &offer, transaction));
        // The line an auditor recomputes the on-chain decision hash from, on disk before the
        // payment leaves: a crash after this point leaves a record of what may have been paid.
        let (schedule, period) = self.schedule.clone().unzip();
        self.journal.decision(serde_json::json!({
            "kind": "x402",
            "time": snapshot.now,
            "treasury": self.treasury.treasury.to_string(),
            "schedule": schedule,
            "period": period,
            "outcome": "signed",
            "model_version": Value::Null,
            "decision_hash": hex::encode(decision_hash),
            "dry_run": false,
            "input": input,
        }))?;
        self.journal.sync()?;

        let response = self.send(request, Some(&payment)).await?;
        let status = response.status().as_u16();
        let settlement = header(&response, HEADER_RESPONSE).map(|text| super::parse_settlement(&text));
        let refusal = header(&response, HEADER_REQUIRED)
            .and_then(|text| super::parse_required(&text).ok())
            .and_then(|required| required.error);
        let body = Self::body(&request.url, response).await?;
        let settlement = match settlement {
            Some(Ok(settlement)) if settlement.success => settlement,
            Some(Ok(settlement)) => {
                let reason = settlement.error_reason.clone().unwrap_or_else(|| "unknown".into());
                let message = settlement.error_message.clone().map(|text| format!(" ({text})")).unwrap_or_default();
                return self.not_settled(decision_hash, format!("{reason}{message}"), Some(settlement));
            }
            Some(Err(error)) => {
                return self.not_settled(decision_hash, format!("unreadable {HEADER_RESPONSE}: {error}"), None)
            }
            None => {
                let reason = refusal.unwrap_or_else(|| format!("HTTP {status}, no {HEADER_RESPONSE}"));
                return self.not_settled(decision_hash, reason, None);
            }
        };
        // The response as received: its status and a hash of its body (the body is the caller's).
        self.journal.decision(serde_json::json!({
            "kind": "x402_settlement",
            "decision_hash": hex::encode(decision_hash),
            "settlement": settlement,
            "response": {
                "status": status,
                "bytes": body.len(),
                "body_sha256": hex::encode(Sha256::digest(&body)),
            },
        }))?;
        let paid = Paid {
            amount: offer.amount,
            asset: offer.asset.to_string(),
            pay_to: offer.pay_to.to_string(),
            network: offer.network.clone(),
            decision_hash: hex::encode(decision_hash),
            settlement,
        };
        Ok(Fetched { status, body, paid: Some(paid) })
    }

    fn not_settled(
        &mut self,
        decision_hash: [u8; 32],
        reason: String,
        settlement: Option<Settlement>,
    ) -> Result<Fetched, X402Error> {
        self.journal.decision(serde_json::json!({
            "kind": "x402_settlement",
            "decision_hash": hex::encode(decision_hash),
            "settlement": settlement,
            "refused": reason,
        }))?;
        Err(X402Error::NotSettled { reason, decision_hash: hex::encode(decision_hash) })
    }

    /// What the program would refuse, refused here: the payee must be in the configured category,
    /// its token account must exist (the payment cannot create it: the facilitator's fee payer may
    /// appear in no instruction), and the policy, the payee's budget and pause must allow it.
    async fn guard(&self, snapshot: &Snapshot, offer: &Offer, call: &Call) -> Result<Verdict, X402Error> {
        let refuse = |code: &str, detail: String| X402Error::Refused { code: code.into(), detail };
        let category = &self.settings.category;
        match snapshot.payees.get(&offer.pay_to) {
            Some(payee) if payee.category == *category => {}
            Some(payee) => {
                return Err(refuse(
                    "PayeeNotInCategory",
                    format!("{} is a {} payee; x402 pays {category} payees only", offer.pay_to, payee.category),
                ))
            }
            None => {
                return Err(refuse(
                    "PayeeNotAllowlisted",
                    format!("{} is not a payee of this treasury; x402 pays {category} payees only", offer.pay_to),
                ))
            }
        }
        let token = snapshot
            .token_of(&offer.asset)
            .ok_or_else(|| refuse("NoPolicy", format!("no token program known for {}", offer.asset)))?;
        let destination = token.account_of(&offer.pay_to);
        if self.chain.accounts(&[destination]).await?.first().is_none_or(Option::is_none) {
            return Err(refuse(
                "NoRecipientTokenAccount",
                format!("{} has no token account for {} ({destination})", offer.pay_to, offer.asset),
            ));
        }
        let intent = Intent::Pay {
            schedule: "x402".into(),
            recipient: offer.pay_to,
            asset: offer.asset,
            amount: offer.amount,
            partial: false,
            purpose: format!("{} {}", call.method, call.url),
        };
        match Guard::new(snapshot).check(&intent) {
            verdict @ Verdict::Pass { intent: Intent::Pay { .. } } => Ok(verdict),
            Verdict::Pass { .. } | Verdict::Clamped { .. } => Err(refuse(
                "CosignRequired",
                format!(
                    "{} base units is above the co-sign threshold; a paid call cannot wait for a co-signer",
                    offer.amount
                ),
            )),
            Verdict::Refused { code, detail } => Err(X402Error::Refused { code, detail }),
        }
    }

    /// The payment: compute budget, Covenant's `spend_token` from the vault to `payTo`, a memo;
    /// the facilitator's fee payer first, the keeper's signature in place, the fee payer's left empty.
    async fn sign(&self, snapshot: &Snapshot, offer: &Offer, decision: DecisionRecord) -> Result<String, X402Error> {
        let token = snapshot
            .token_of(&offer.asset)
            .ok_or_else(|| X402Error::NoOption(format!("no token program known for {}", offer.asset)))?;
        let memo = offer.memo.clone().unwrap_or_else(|| hex::encode(rand::random::<[u8; 16]>()));
        let instructions = [
            ComputeBudgetInstruction::set_compute_unit_limit(COMPUTE_UNITS),
            ComputeBudgetInstruction::set_compute_unit_price(self.settings.compute_unit_price),
            crate::act::with_dollars(
                sdk::spend_token(&self.treasury, self.keeper.pubkey(), token, offer.pay_to, offer.amount, decision),
                snapshot,
                &offer.asset,
            ),
            crate::act::memo(&memo),
        ];
        let blockhash = self.chain.latest_blockhash().await?;
        let message = solana_message::Message::new_with_blockhash(&instructions, Some(&offer.fee_payer), &blockhash);
        let mut transaction = Transaction::new_unsigned(message);
        transaction.try_partial_sign(&[self.keeper], blockhash).map_err(|error| X402Error::Sign(error.to_string()))?;
        let bytes = bincode::serialize(&transaction).map_err(|error| X402Error::Sign(error.to_string()))?;
        Ok(base64::Engine::encode(&base64::engine::general_purpose::STANDARD, bytes))
    }
}

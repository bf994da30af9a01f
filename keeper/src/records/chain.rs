//! `verify SIGNATURE`: the decisions a transaction's Covenant events carry, read from the cluster,
//! each checked against its published record (found where the treasury says on chain).

use anchor_lang::prelude::Pubkey;
use anchor_lang::{AccountDeserialize, AnchorDeserialize, Discriminator};
use covenant::state::{DecisionRecord, RecordsLocation};
use serde_json::{json, Value};
use solana_client::nonblocking::rpc_client::RpcClient;
use solana_rpc_client_api::request::RpcRequest;

/// One decision a transaction recorded: which event carried it, and for which treasury.
#[derive(Clone, Debug, PartialEq)]
pub struct ChainDecision {
    pub event: &'static str,
    pub treasury: Pubkey,
    pub decision: DecisionRecord,
}

macro_rules! decode_any {
    ($discriminator:expr, $body:expr, $($event:ident),+) => {
        $(
            if $discriminator == covenant::events::$event::DISCRIMINATOR {
                let event = covenant::events::$event::deserialize(&mut $body).ok()?;
                return Some(ChainDecision { event: stringify!($event), treasury: event.treasury, decision: event.decision });
            }
        )+
    };
}

/// The decision an event CPI's instruction data carries (`None` for events without one).
pub fn decode_event(data: &[u8]) -> Option<ChainDecision> {
    let rest = data.strip_prefix(anchor_lang::event::EVENT_IX_TAG_LE)?;
    let (discriminator, mut body) = rest.split_at_checked(8)?;
    decode_any!(
        discriminator,
        body,
        Spent,
        PendingSpendProposed,
        MemeMinted,
        BountyCreated,
        ClaimApproved,
        ClaimRejected,
        GrantSpent,
        ClaimPaid,
        DisputeOpened,
        DisputeResolved
    );
    None
}

/// Every decision the Covenant events of transaction `signature` carry, in order.
pub async fn decisions_of(client: &RpcClient, signature: &str) -> anyhow::Result<Vec<ChainDecision>> {
    let payloads = event_payloads(client, signature).await?.unwrap_or_default();
    Ok(payloads.iter().filter_map(|payload| decode_event(payload)).collect())
}

/// The event CPIs' data (tag included) of transaction `signature`, in order; `None` when it
/// failed. Only inner instructions to the Covenant program count: another program cannot forge
/// its events (an event CPI must be signed by the program's event authority).
pub async fn event_payloads(client: &RpcClient, signature: &str) -> anyhow::Result<Option<Vec<Vec<u8>>>> {
    let params =
        json!([signature, {"encoding": "json", "maxSupportedTransactionVersion": 0, "commitment": "confirmed"}]);
    let url = client.url();
    let tx: Value = client
        .send(RpcRequest::GetTransaction, params)
        .await
        .map_err(|error| anyhow::anyhow!("cannot read transaction {signature} from {url}: {error}"))?;
    if tx.is_null() {
        anyhow::bail!("no transaction {signature} on {url}");
    }
    if !tx["meta"]["err"].is_null() {
        return Ok(None);
    }
    let keys: Vec<&str> = [
        &tx["transaction"]["message"]["accountKeys"],
        &tx["meta"]["loadedAddresses"]["writable"],
        &tx["meta"]["loadedAddresses"]["readonly"],
    ]
    .into_iter()
    .filter_map(Value::as_array)
    .flatten()
    .filter_map(Value::as_str)
    .collect();
    let program = covenant::ID.to_string();
    let inner = tx["meta"]["innerInstructions"].as_array().cloned().unwrap_or_default();
    Ok(Some(
        inner
            .iter()
            .filter_map(|group| group["instructions"].as_array())
            .flatten()
            .filter(|ix| ix["programIdIndex"].as_u64().and_then(|i| keys.get(i as usize)) == Some(&program.as_str()))
            .filter_map(|ix| bs58::decode(ix["data"].as_str()?).into_vec().ok())
            .filter(|data| data.starts_with(anchor_lang::event::EVENT_IX_TAG_LE))
            .collect(),
    ))
}

/// Where `treasury` says its records live, if it says.
pub async fn records_uri(client: &RpcClient, treasury: &Pubkey) -> anyhow::Result<Option<String>> {
    let address = RecordsLocation::find_address(treasury).0;
    let account = client
        .get_account_with_commitment(&address, client.commitment())
        .await
        .map_err(|error| anyhow::anyhow!("cannot read {address} from {}: {error}", client.url()))?
        .value;
    Ok(account.and_then(|account| RecordsLocation::try_deserialize(&mut account.data.as_slice()).ok()).map(|l| l.uri))
}

/// An http(s) base for a records URI (`ipfs://CID/…` through `gateway`).
pub fn http_base(uri: &str, gateway: &str) -> String {
    let base = match uri.strip_prefix("ipfs://") {
        Some(path) => format!("{}/ipfs/{path}", gateway.trim_end_matches('/')),
        None => uri.to_string(),
    };
    base.trim_end_matches('/').to_string()
}

/// `verify SIGNATURE`: each decision of the transaction, its record fetched (from `from`, else
/// where its treasury says on chain) and verified, and the record's hashes compared with the
/// chain's. Err (one line) at the first that does not hold up.
pub async fn verify_signature(
    client: &RpcClient,
    signature: &str,
    from: Option<&str>,
    config: &crate::config::KeeperConfig,
    base: &std::path::Path,
    model: &dyn crate::model::Model,
    load_reader: super::photo::LoadReader<'_>,
) -> anyhow::Result<(String, Value)> {
    let decisions = decisions_of(client, signature).await?;
    let decided: Vec<_> = decisions.iter().filter(|d| d.decision != DecisionRecord::default()).collect();
    if decided.is_empty() {
        anyhow::bail!("transaction {signature} carries no keeper decision");
    }
    let gateway = config.proofs.ipfs_gateway.as_deref().unwrap_or("https://ipfs.io");
    let (mut lines, mut checked) = (vec![format!("transaction {signature}")], Vec::new());
    for found in decided {
        let hash = hex::encode(found.decision.decision_hash);
        let source = match from {
            Some(from) => from.to_string(),
            None => match records_uri(client, &found.treasury).await? {
                Some(uri) => http_base(&uri, gateway),
                None => anyhow::bail!(
                    "treasury {} names no records location (set_records_uri); pass --from",
                    found.treasury
                ),
            },
        };
        let record = super::fetch(&hash, Some(&source), config).await?;
        let named_model = record["input"]["model_hash"].as_str().unwrap_or_default();
        let chain_model = hex::encode(found.decision.model_hash);
        if named_model != chain_model {
            anyhow::bail!("{}: the record names model {named_model}, the chain {chain_model}", found.event);
        }
        let (text, json) = super::verify_with_photo(&record, &source, config, base, model, load_reader).await?;
        lines.push(format!("{} {hash} (from {source}):", found.event));
        lines.extend(text.lines().map(|line| format!("  {line}")));
        checked.push(
            json!({ "event": found.event, "treasury": found.treasury.to_string(), "source": source, "verified": json }),
        );
    }
    Ok((lines.join("\n"), json!({ "signature": signature, "decisions": checked })))
}

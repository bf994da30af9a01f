//! `reputation`: the treasury's events read back from the cluster and folded, oldest first, by the
//! program's own `sdk::reputation` (nothing is stored: any machine reading the same chain gets
//! the same table).

use std::collections::HashSet;

use anchor_lang::prelude::Pubkey;
use anchor_lang::AccountDeserialize;
use covenant::sdk::reputation::{Reputation, Standing};
use covenant::sdk::TreasuryAddresses;
use covenant::state::Treasury;
use futures::StreamExt;
use serde_json::{json, Value};
use solana_client::nonblocking::rpc_client::RpcClient;
use solana_client::rpc_client::GetConfirmedSignaturesForAddress2Config;
use solana_commitment_config::CommitmentConfig;

/// Transactions fetched at once.
const CONCURRENT_READS: usize = 8;
/// Signatures per `getSignaturesForAddress` page (the RPC's maximum).
const PAGE: usize = 1_000;

/// The newest `limit` transactions naming `treasury`, and those naming each of its bounties (a
/// challenge or an appeal names only the bounty), folded in chain order. Returns the fold and how
/// many transactions were read.
pub async fn read(
    client: &RpcClient,
    treasury: &TreasuryAddresses,
    limit: usize,
) -> anyhow::Result<(Reputation, usize)> {
    let url = client.url();
    let account = client
        .get_account_with_commitment(&treasury.treasury, CommitmentConfig::confirmed())
        .await
        .map_err(|error| anyhow::anyhow!("cannot read treasury {} from {url}: {error}", treasury.treasury))?
        .value
        .ok_or_else(|| anyhow::anyhow!("no treasury {} on {url}", treasury.treasury))?;
    let state = Treasury::try_deserialize(&mut account.data.as_slice())
        .map_err(|_| anyhow::anyhow!("{} on {url} is not a Covenant treasury", treasury.treasury))?;
    // Oldest first; the treasury's own order is kept within a slot (a ruling after its approval),
    // the bounties' extra transactions (disputes opened, claims submitted) come after it.
    let mut signatures = signatures_of(client, &treasury.treasury, limit).await?;
    let mut seen: HashSet<String> = signatures.iter().map(|(_, signature)| signature.clone()).collect();
    for id in 0..state.next_bounty_id {
        for found in signatures_of(client, &treasury.bounty(id), limit).await? {
            if seen.insert(found.1.clone()) {
                signatures.push(found);
            }
        }
    }
    signatures.sort_by_key(|(slot, _)| *slot);
    let mut reputation = Reputation::default();
    let mut payloads = futures::stream::iter(signatures.iter())
        .map(|(_, signature)| crate::records::chain::event_payloads(client, signature))
        .buffered(CONCURRENT_READS);
    while let Some(events) = payloads.next().await {
        for payload in events?.unwrap_or_default() {
            if let Some(event) = payload.strip_prefix(anchor_lang::event::EVENT_IX_TAG_LE) {
                reputation.apply(event);
            }
        }
    }
    Ok((reputation, signatures.len()))
}

/// The newest `limit` successful transactions naming `address`, oldest first, with their slots.
async fn signatures_of(client: &RpcClient, address: &Pubkey, limit: usize) -> anyhow::Result<Vec<(u64, String)>> {
    let url = client.url();
    let (mut found, mut before) = (Vec::new(), None);
    while found.len() < limit {
        let asked = PAGE.min(limit - found.len());
        let config = GetConfirmedSignaturesForAddress2Config {
            before,
            until: None,
            limit: Some(asked),
            commitment: Some(CommitmentConfig::confirmed()),
        };
        let page = client
            .get_signatures_for_address_with_config(address, config)
            .await
            .map_err(|error| anyhow::anyhow!("cannot list {address}'s transactions on {url}: {error}"))?;
        let Some(last) = page.last() else { break };
        before = Some(last.signature.parse().map_err(|_| anyhow::anyhow!("{url} listed a malformed signature"))?);
        let full = page.len() == asked;
        found.extend(page.into_iter().filter(|entry| entry.err.is_none()).map(|entry| (entry.slot, entry.signature)));
        if !full {
            break;
        }
    }
    found.reverse();
    Ok(found)
}

/// The table (or one account's line) as text, and as JSON.
pub fn report(reputation: &Reputation, read: usize, treasury: &Pubkey, account: Option<&Pubkey>) -> (String, Value) {
    let agent = reputation.agents.get(&treasury.to_string()).cloned().unwrap_or_default();
    let mut lines = vec![format!(
        "agent {treasury}: {} decisions on chain; disputed {}: upheld {}, overturned {}, lapsed {} ({read} transactions read)",
        agent.decisions, agent.disputes_opened, agent.decisions_upheld, agent.decisions_overturned, agent.disputes_lapsed
    )];
    let accounts: Vec<(&String, &Standing)> = match account {
        Some(account) => reputation.accounts.get_key_value(&account.to_string()).into_iter().collect(),
        None => reputation.accounts.iter().collect(),
    };
    if accounts.is_empty() {
        lines.push(account.map_or("no claimant, payee or disputer yet".into(), |a| format!("{a}: no record")));
    } else {
        lines.push(format!(
            "{:<44}  {:>4}  {:>8}  {:>6}  {:>7}  {:>10}  {:>6}  {:>8}",
            "account", "paid", "rejected", "caught", "appeals", "challenges", "lapsed", "payments"
        ));
    }
    for (key, standing) in &accounts {
        lines.push(format!(
            "{key:<44}  {:>4}  {:>8}  {:>6}  {:>7}  {:>10}  {:>6}  {:>8}",
            standing.claims_paid,
            standing.claims_rejected,
            standing.approvals_overturned,
            format!("{}/{}", standing.appeals_won, standing.appeals_lost),
            format!("{}/{}", standing.challenges_won, standing.challenges_lost),
            standing.disputes_lapsed,
            standing.payments
        ));
    }
    if !accounts.is_empty() {
        lines.push("caught: approvals overturned on challenge; appeals and challenges: won/lost".into());
    }
    let accounts: serde_json::Map<String, Value> =
        accounts.into_iter().map(|(key, standing)| (key.clone(), json!(standing))).collect();
    let json = json!({
        "treasury": treasury.to_string(),
        "transactions_read": read,
        "agent": agent,
        "accounts": accounts,
    });
    (lines.join("\n"), json)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_report_names_the_agent_and_each_accounts_counts_or_says_there_is_none() {
        let (treasury, fan) = (Pubkey::new_unique(), Pubkey::new_unique());
        let mut reputation = Reputation::default();
        reputation.agents.entry(treasury.to_string()).or_default().decisions_overturned = 1;
        let standing = reputation.accounts.entry(fan.to_string()).or_default();
        (standing.claims_rejected, standing.approvals_overturned, standing.appeals_lost) = (1, 1, 2);
        let (text, json) = report(&reputation, 7, &treasury, None);
        assert!(
            text.starts_with(&format!("agent {treasury}: 0 decisions on chain; disputed 0: upheld 0, overturned 1"))
        );
        assert!(text.contains("(7 transactions read)"), "{text}");
        let row = text.lines().find(|line| line.starts_with(&fan.to_string())).expect("the fan's row");
        assert_eq!(row.split_whitespace().skip(1).collect::<Vec<_>>(), ["0", "1", "1", "0/2", "0/0", "0", "0"]);
        assert_eq!(json["accounts"][fan.to_string()]["approvals_overturned"], 1);
        let stranger = Pubkey::new_unique();
        let (text, json) = report(&reputation, 7, &treasury, Some(&stranger));
        assert!(text.ends_with(&format!("{stranger}: no record")), "{text}");
        assert_eq!(json["accounts"], json!({}));
    }
}

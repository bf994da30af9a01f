//! Act: build the instructions for a guarded intent from the program crate's own builders, then
//! simulate, price, sign, journal, send and confirm, retrying what the network got wrong and never
//! what the program refused.

use anchor_lang::prelude::Pubkey;
use covenant::constants::SOL_ASSET;
use covenant::instructions::ProposeSpendArgs;
use covenant::sdk::{self, TokenMint};
use covenant::state::DecisionRecord;
use solana_compute_budget_interface::ComputeBudgetInstruction;
use solana_instruction::Instruction;
use solana_keypair::Keypair;
use solana_signer::Signer;
use solana_transaction::Transaction;

use crate::config::FeeConfig;
use crate::decide::Intent;
use crate::observe::Snapshot;

/// SPL Memo: a payment's memo (an agent's, an x402 server's) rides in the same transaction.
pub const MEMO_PROGRAM: Pubkey = Pubkey::from_str_const("MemoSq4gqABAXKb96qnH8TysNcWxMyWCqXgDLGmfcHr");

pub fn memo(text: &str) -> Instruction {
    Instruction { program_id: MEMO_PROGRAM, accounts: vec![], data: text.as_bytes().to_vec() }
}

/// Simulation cannot meter a natively built program; never ask for less than this.
const MIN_COMPUTE_UNITS: u32 = 30_000;
pub const MAX_COMPUTE_UNITS: u32 = 1_400_000;

#[derive(Debug, thiserror::Error)]
#[error("cannot build {what}: {detail}")]
pub struct BuildError {
    what: &'static str,
    detail: String,
}

fn token(snapshot: &Snapshot, asset: &Pubkey, what: &'static str) -> Result<Option<TokenMint>, BuildError> {
    if *asset == SOL_ASSET {
        return Ok(None);
    }
    snapshot
        .token_of(asset)
        .map(Some)
        .ok_or_else(|| BuildError { what, detail: format!("unknown token program for {asset}") })
}

fn create_ata(payer: &Pubkey, owner: &Pubkey, token: &TokenMint) -> Instruction {
    spl_associated_token_account_interface::instruction::create_associated_token_account_idempotent(
        payer,
        owner,
        &token.mint,
        &token.program,
    )
}

/// The Covenant instructions (plus idempotent token-account creation) for one intent; an outflow
/// of a USD-capped treasury carries its USD policy and the asset's price feed account.
pub fn instructions(
    intent: &Intent,
    snapshot: &Snapshot,
    keeper: &Pubkey,
    decision: DecisionRecord,
) -> Result<Vec<Instruction>, BuildError> {
    let mut ixs = covenant_instructions(intent, snapshot, keeper, decision)?;
    let outflow = match intent {
        Intent::Pay { asset, .. } | Intent::CreateBounty { asset, .. } | Intent::ExecutePending { asset, .. } => {
            Some(asset)
        }
        _ => None,
    };
    if let Some(asset) = outflow {
        if let Some(last) = ixs.pop() {
            ixs.push(with_dollars(last, snapshot, asset));
        }
    }
    Ok(ixs)
}

/// An outflow of `asset` as a USD-capped treasury needs it: with its USD policy and the asset's
/// price feed account after its own accounts. Unchanged for a treasury without USD caps.
pub fn with_dollars(ix: Instruction, snapshot: &Snapshot, asset: &Pubkey) -> Instruction {
    if !snapshot.treasury.usd_capped {
        return ix;
    }
    let price = snapshot.prices.get(asset).map(|source| source.address).unwrap_or_default();
    sdk::with_usd_price(ix, &snapshot.addresses, price)
}

fn covenant_instructions(
    intent: &Intent,
    snapshot: &Snapshot,
    keeper: &Pubkey,
    decision: DecisionRecord,
) -> Result<Vec<Instruction>, BuildError> {
    let t = &snapshot.addresses;
    Ok(match intent {
        Intent::Pay { recipient, asset, amount, .. } => match token(snapshot, asset, "payment")? {
            None => vec![sdk::spend_sol(t, *keeper, *recipient, *amount, decision)],
            Some(token) => vec![
                create_ata(keeper, recipient, &token),
                sdk::spend_token(t, *keeper, token, *recipient, *amount, decision),
            ],
        },
        Intent::Propose { recipient, asset, amount, pending_id, purpose, .. } => {
            let args = ProposeSpendArgs { recipient: *recipient, amount: *amount, purpose: purpose.clone(), decision };
            vec![sdk::propose_spend(t, *keeper, *asset, *pending_id, args)]
        }
        Intent::ApproveClaim { bounty, claimant, asset, .. } => {
            let token = token(snapshot, asset, "claim approval")?;
            let mut ixs: Vec<Instruction> = token.iter().map(|token| create_ata(keeper, claimant, token)).collect();
            ixs.push(sdk::approve_claim(t, *keeper, *bounty, *claimant, token, decision));
            ixs
        }
        Intent::PayClaim { bounty, claimant, asset, .. } => {
            let token = token(snapshot, asset, "claim payment")?;
            let mut ixs: Vec<Instruction> = token.iter().map(|token| create_ata(keeper, claimant, token)).collect();
            ixs.push(sdk::pay_claim(t, *keeper, *bounty, *claimant, token));
            ixs
        }
        Intent::RejectClaim { bounty, claimant, reason_code } => {
            vec![sdk::reject_claim(t, *keeper, *bounty, *claimant, *reason_code, decision)]
        }
        Intent::ReleaseGrant { grant, asset, .. } => {
            let token = token(snapshot, asset, "grant release")?;
            let mut ixs: Vec<Instruction> = token.iter().map(|token| create_ata(keeper, &t.vault, token)).collect();
            ixs.push(sdk::release_grant(t, *keeper, *grant, token));
            ixs
        }
        Intent::Airdrop { mint, recipient, amount, .. } => {
            let token = TokenMint { mint: *mint, program: anchor_spl::token_2022::ID };
            vec![
                create_ata(keeper, recipient, &token),
                sdk::mint_meme(t, *keeper, *mint, *recipient, *amount, decision),
            ]
        }
        Intent::CreateBounty { asset, reward, max_claims, deadline, description, bounty_id, claim_code } => {
            let token = token(snapshot, asset, "bounty")?;
            let args = covenant::instructions::CreateBountyArgs {
                reward: *reward,
                max_claims: *max_claims,
                deadline: *deadline,
                description: description.clone(),
                decision,
                claim_code: *claim_code,
                disputes: Default::default(),
            };
            vec![sdk::create_bounty(t, *keeper, token, *bounty_id, args)]
        }
        Intent::ExecutePending { pending_id, recipient, asset, .. } => match token(snapshot, asset, "execution")? {
            None => vec![sdk::execute_pending_sol(t, *keeper, *pending_id, *recipient)],
            Some(token) => vec![
                create_ata(keeper, recipient, &token),
                sdk::execute_pending_token(t, *keeper, *pending_id, token, *recipient),
            ],
        },
    })
}

/// The priority fee: the configured percentile of recent fees, within floor and cap.
pub fn priority_fee(recent: &[u64], fees: &FeeConfig) -> u64 {
    let mut sorted = recent.to_vec();
    sorted.sort_unstable();
    let picked = if sorted.is_empty() {
        0
    } else {
        let index = (sorted.len() - 1) * usize::from(fees.percentile.min(100)) / 100;
        sorted[index]
    };
    picked.clamp(fees.floor_micro_lamports, fees.cap_micro_lamports)
}

/// Compute units to ask for: 1.2 × what simulation used, within the runtime's bounds.
pub fn compute_limit(simulated: Option<u64>) -> u32 {
    let padded = simulated.unwrap_or(0).saturating_mul(6) / 5;
    u32::try_from(padded).unwrap_or(MAX_COMPUTE_UNITS).clamp(MIN_COMPUTE_UNITS, MAX_COMPUTE_UNITS)
}

/// Accounts per `getRecentPrioritizationFees` call: the RPC's limit.
const FEE_LOOKUP_ACCOUNTS: usize = 128;

/// The priority fee for `ixs`: the configured percentile of recent fees paid on their writable
/// accounts, within floor and cap (the floor when the cluster cannot say).
pub async fn priority_fee_for(chain: &dyn crate::chain::Chain, ixs: &[Instruction], fees: &FeeConfig) -> u64 {
    priority_fee_for_all(chain, [ixs], fees).await
}

/// One fee for several transactions sent together: looked up once over all their writable
/// accounts (in calls of up to 128), so each pays what its wave's busiest account asks, within
/// floor and cap.
pub async fn priority_fee_for_all<'a>(
    chain: &dyn crate::chain::Chain,
    txs: impl IntoIterator<Item = &'a [Instruction]>,
    fees: &FeeConfig,
) -> u64 {
    let mut seen = std::collections::HashSet::new();
    let writable: Vec<Pubkey> = txs
        .into_iter()
        .flat_map(|ixs| ixs.iter().flat_map(|ix| ix.accounts.iter()))
        .filter(|meta| meta.is_writable && seen.insert(meta.pubkey))
        .map(|meta| meta.pubkey)
        .collect();
    if writable.is_empty() {
        return priority_fee(&[], fees);
    }
    let lookups =
        futures::future::join_all(writable.chunks(FEE_LOOKUP_ACCOUNTS).map(|chunk| chain.recent_priority_fees(chunk)))
            .await;
    lookups
        .into_iter()
        .map(|recent| priority_fee(&recent.unwrap_or_default(), fees))
        .max()
        .unwrap_or(fees.floor_micro_lamports)
}

/// A signed transaction: compute budget first, the keeper pays.
pub fn sign(ixs: &[Instruction], units: u32, fee: u64, keeper: &Keypair, blockhash: solana_hash::Hash) -> Transaction {
    let mut tx = unsigned(ixs, units, fee, &keeper.pubkey(), blockhash);
    tx.sign(&[keeper], blockhash);
    tx
}

/// The same transaction with placeholder signatures: enough for a simulation that skips
/// signature checks (both `BankChain` and `RpcChain` simulate that way).
pub fn unsigned(
    ixs: &[Instruction],
    units: u32,
    fee: u64,
    keeper: &Pubkey,
    blockhash: solana_hash::Hash,
) -> Transaction {
    let mut all = vec![
        ComputeBudgetInstruction::set_compute_unit_limit(units),
        ComputeBudgetInstruction::set_compute_unit_price(fee),
    ];
    all.extend_from_slice(ixs);
    let message = solana_message::Message::new_with_blockhash(&all, Some(keeper), &blockhash);
    Transaction::new_unsigned(message)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_simulation_probe_is_the_sent_message_without_a_signature() {
        let keeper = Keypair::new();
        let recipient = Pubkey::new_unique();
        let ixs = [solana_system_interface::instruction::transfer(&keeper.pubkey(), &recipient, 5)];
        let blockhash = solana_hash::Hash::new_from_array([9; 32]);
        let probe = unsigned(&ixs, 1_400_000, 7, &keeper.pubkey(), blockhash);
        let signed = sign(&ixs, 1_400_000, 7, &keeper, blockhash);
        assert_eq!(probe.message, signed.message);
        assert_eq!(probe.signatures, [solana_signature::Signature::default()]);
        assert!(signed.verify().is_ok() && probe.verify().is_err());
    }
}

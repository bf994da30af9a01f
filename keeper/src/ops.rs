//! Operator and donor actions a user would otherwise script: create the treasury from the config,
//! pause, donate, fund a grant, approve or cancel a pending spend. Built from `covenant::sdk`.

use anchor_lang::prelude::Pubkey;
use covenant::constants::SOL_ASSET;
use covenant::instructions::{AddPayeeArgs, CreateGrantArgs, CreateTreasuryArgs};
use covenant::policy::{PayeeBudget, ReleaseSchedule};
use covenant::sdk::{self, TokenMint, TreasuryAddresses};
use solana_instruction::Instruction;
use solana_keypair::Keypair;
use solana_signature::Signature;
use solana_signer::Signer;
use solana_transaction::Transaction;

use crate::chain::{Chain, ChainError};
use crate::config::KeeperConfig;

/// Signs with `payer` (fee payer) and `signers`, sends and confirms.
pub async fn submit(
    chain: &dyn Chain,
    ixs: &[Instruction],
    payer: &Keypair,
    signers: &[&Keypair],
) -> Result<Signature, ChainError> {
    let blockhash = chain.latest_blockhash().await?;
    let mut all: Vec<&Keypair> = vec![payer];
    all.extend(signers.iter().copied().filter(|signer| signer.pubkey() != payer.pubkey()));
    let tx = Transaction::new_signed_with_payer(ixs, Some(&payer.pubkey()), &all, blockhash);
    chain.send_and_confirm(&tx).await
}

/// One step of `init`: what it creates and the instructions, skipped when `account` exists (a
/// step with no account, such as setting the config timelock, always runs: it is idempotent).
pub struct InitStep {
    pub what: String,
    pub account: Option<Pubkey>,
    pub instructions: Vec<Instruction>,
}

/// The treasury, its policies and payees as the config describes them. The treasury is created
/// with no config timelock so that its own policies and payees apply at once; the last step then
/// raises the timelock to the configured one (raising is a tightening, so it too applies at once),
/// and from then on every loosening change waits in the queue.
pub async fn init_steps(
    chain: &dyn Chain,
    config: &KeeperConfig,
    operator: Pubkey,
    keeper: Pubkey,
) -> Result<Vec<InitStep>, String> {
    let t = TreasuryAddresses::new(operator, config.treasury.id);
    let guardian = config.treasury.guardian;
    let mut steps = vec![InitStep {
        what: format!("treasury {} (id {})", t.treasury, config.treasury.id),
        account: Some(t.treasury),
        instructions: vec![sdk::create_treasury(
            operator,
            CreateTreasuryArgs { treasury_id: config.treasury.id, keeper, guardian, config_timelock_seconds: 0 },
        )],
    }];
    for policy in &config.policies {
        let asset = policy.asset;
        let limits = config.limits(policy);
        let instruction = if asset == SOL_ASSET {
            sdk::create_sol_policy(&t, limits)
        } else {
            let mint = chain.accounts(&[asset]).await.map_err(|error| error.to_string())?;
            let owner = mint.into_iter().next().flatten().map(|account| account.owner);
            let program = owner.ok_or_else(|| format!("policy asset {asset}: no such mint on this cluster"))?;
            sdk::create_token_policy(&t, asset, program, limits)
        };
        steps.push(InitStep {
            what: format!("{} spend policy", crate::decide::asset_name(&asset)),
            account: Some(t.policy(&asset)),
            instructions: vec![instruction],
        });
    }
    for payee in &config.payees {
        let recipient = payee.recipient;
        let budget = payee.budget.map(|amount| PayeeBudget { asset: payee.budget_asset.unwrap_or(SOL_ASSET), amount });
        let args = AddPayeeArgs {
            recipient,
            label: payee.label.clone(),
            category: payee.category.clone(),
            budget,
            expires_at: payee.expires_at,
        };
        steps.push(InitStep {
            what: format!("payee {} ({})", payee.label, payee.category),
            account: Some(t.payee(&recipient)),
            instructions: vec![sdk::add_payee(&t, args)],
        });
    }
    if let Some(uri) = &config.treasury.records_uri {
        let records = sdk::records_address(&t.treasury);
        let current = chain.accounts(&[records]).await.map_err(|error| error.to_string())?.into_iter().next().flatten();
        let said = current.and_then(|account| {
            use anchor_lang::AccountDeserialize;
            covenant::state::RecordsLocation::try_deserialize(&mut account.data.as_slice()).ok()
        });
        if said.is_none_or(|location| location.uri != *uri) {
            steps.push(InitStep {
                what: format!("records location {uri}"),
                account: None,
                instructions: vec![sdk::set_records_uri(&t, uri.clone())],
            });
        }
    }
    let timelock = config.treasury.config_timelock_seconds;
    if timelock > 0 {
        steps.push(InitStep {
            what: format!("config timelock of {timelock} s"),
            account: None,
            instructions: vec![sdk::set_config_timelock(&t, timelock)],
        });
    }
    Ok(steps)
}

pub fn donate(t: &TreasuryAddresses, donor: Pubkey, lamports: u64, memo: String) -> Vec<Instruction> {
    vec![sdk::donate_sol(t, donor, lamports, memo, true)]
}

/// A SOL grant: `schedule` as parsed from the command line.
pub fn grant(
    t: &TreasuryAddresses,
    donor: Pubkey,
    grant_id: u64,
    amount: u64,
    schedule: ReleaseSchedule,
    expires_at: i64,
    token: Option<TokenMint>,
) -> Vec<Instruction> {
    let args = CreateGrantArgs { grant_id, amount, schedule, payees: Vec::new(), per_tx_cap: None, expires_at };
    sdk::create_grant(t, donor, token, args)
}

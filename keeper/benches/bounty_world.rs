//! What the bench binaries start from: a funded treasury on the bank with one open SOL bounty, and
//! claimants who fund themselves from a crowd wallet and claim it.

#![allow(dead_code)] // each bench binary uses part of it

use std::sync::Arc;

use anchor_lang::prelude::Pubkey;
use covenant::instructions::CreateBountyArgs;
use covenant::sdk::{self, TreasuryAddresses};
use covenant::state::DecisionRecord;
use covenant_keeper::chain::{BankChain, Chain};
use covenant_keeper::config::KeeperConfig;
use covenant_keeper::ops;
use solana_keypair::Keypair;
use solana_signer::Signer;

const SOL: u64 = 1_000_000_000;

pub struct BountyWorld {
    pub chain: Arc<BankChain>,
    pub config: KeeperConfig,
    pub keeper: Keypair,
    pub crowd: Keypair,
    pub t: TreasuryAddresses,
}

/// Treasury 1 of a fresh operator, created by `init` from `config(operator)`, 100 SOL in its
/// vault, and bounty 0 paying 0.01 SOL to each of `max_claims`.
pub async fn open(config: impl FnOnce(Pubkey) -> KeeperConfig, max_claims: u32) -> BountyWorld {
    let (operator, keeper, crowd) = (Keypair::new(), Keypair::new(), Keypair::new());
    let chain = Arc::new(
        BankChain::start(&[(operator.pubkey(), 1_000 * SOL), (keeper.pubkey(), 10 * SOL), (crowd.pubkey(), 100 * SOL)])
            .await,
    );
    let config = config(operator.pubkey());
    for step in ops::init_steps(chain.as_ref(), &config, operator.pubkey(), keeper.pubkey()).await.expect("steps") {
        ops::submit(chain.as_ref(), &step.instructions, &operator, &[]).await.expect("init");
    }
    let t = TreasuryAddresses::new(operator.pubkey(), 1);
    ops::submit(chain.as_ref(), &ops::donate(&t, operator.pubkey(), 100 * SOL, String::new()), &operator, &[])
        .await
        .expect("funding");
    let now = chain.clock().await.expect("clock").unix_timestamp;
    let args = CreateBountyArgs {
        reward: SOL / 100,
        max_claims,
        deadline: now + 86_400,
        description: "poster".into(),
        decision: DecisionRecord::default(),
        claim_code: false,
        disputes: Default::default(),
    };
    ops::submit(chain.as_ref(), &[sdk::create_bounty(&t, operator.pubkey(), None, 0, args)], &operator, &[])
        .await
        .expect("bounty");
    BountyWorld { chain, config, keeper, crowd, t }
}

impl BountyWorld {
    /// A new wallet, funded by the crowd, claims bounty 0 with this proof.
    pub async fn claim(&self, uri: String, hash: [u8; 32]) {
        let claimant = Keypair::new();
        let fund = solana_system_interface::instruction::transfer(&self.crowd.pubkey(), &claimant.pubkey(), SOL / 100);
        ops::submit(self.chain.as_ref(), &[fund], &self.crowd, &[]).await.expect("fund");
        let ix = sdk::submit_claim(self.t.bounty(0), claimant.pubkey(), uri, hash);
        ops::submit(self.chain.as_ref(), &[ix], &claimant, &[]).await.expect("claim");
    }
}

//! The agent's meme token through the keeper: the operator launches it, the keeper airdrops from
//! `[[airdrop]]` within the mint's period cap (clamping the last recipient, refusing past the cap),
//! and each recipient is served once.

mod common;

use anchor_lang::prelude::Pubkey;
use common::World;
use covenant::sdk;
use covenant::state::MemeToken;
use covenant_keeper::chain::Chain;
use covenant_keeper::config::AirdropConfig;
use spl_token_2022_interface::extension::StateWithExtensions;
use spl_token_2022_interface::state::{Account as TokenAccount, Mint};

const PERIOD_CAP: u64 = 1_000_000;

async fn token_amount(world: &World, account: Pubkey) -> u64 {
    let Some(account) = world.chain.accounts(&[account]).await.expect("read").remove(0) else { return 0 };
    StateWithExtensions::<TokenAccount>::unpack(&account.data).expect("a token account").base.amount
}

async fn supply(world: &World, mint: Pubkey) -> u64 {
    let account = world.chain.accounts(&[mint]).await.expect("read").remove(0).expect("mint exists");
    StateWithExtensions::<Mint>::unpack(&account.data).expect("a mint").base.supply
}

#[tokio::test]
async fn the_keeper_airdrops_the_launched_meme_token_within_its_period_cap() {
    let mut world = World::new("", 0).await;
    let mint = world.launch_meme(100_000, PERIOD_CAP).await;

    // 400k each to four fans against a 1M daily cap: two in full, the third clamped to 200k, the
    // fourth refused.
    let fans: Vec<Pubkey> = (0..4).map(|_| Pubkey::new_unique()).collect();
    world.config.airdrops.push(AirdropConfig {
        name: "launch".into(),
        mint,
        recipients: fans.to_vec(),
        amount: 400_000,
    });
    let mut keeper = world.keeper();
    let report = keeper.tick().await.expect("tick");
    assert_eq!(report.landed.len(), 3, "{report:?}");
    assert_eq!(report.clamped, vec![format!("airdrop:launch:{}", fans[2])], "{report:?}");
    assert_eq!(report.refused.len(), 1, "{report:?}");
    assert_eq!(report.refused[0].0, format!("airdrop:launch:{}", fans[3]));
    assert_eq!(report.refused[0].1, "MintPeriodCapExceeded");

    let mut got = Vec::new();
    for fan in &fans {
        got.push(token_amount(&world, sdk::meme_token_account(fan, &mint)).await);
    }
    assert_eq!(got, vec![400_000, 400_000, 200_000, 0]);
    let meme: MemeToken = world.account(sdk::meme_address(&mint)).await;
    assert_eq!(meme.window.spent, PERIOD_CAP, "the keeper filled the period exactly");
    assert_eq!(meme.total_minted, 100_000 + PERIOD_CAP);
    assert_eq!(supply(&world, mint).await, meme.total_minted, "the mint agrees with the record");

    // Served recipients are never paid twice, even after the window reopens; the refused fan is
    // served once there is room again.
    world.chain.warp_seconds(86_400).await.expect("warp");
    drop(keeper);
    let next = world.keeper().tick().await.expect("tick");
    assert_eq!(next.landed, vec![format!("airdrop:launch:{}", fans[3])], "{next:?}");
    assert_eq!(token_amount(&world, sdk::meme_token_account(&fans[3], &mint)).await, 400_000);
    assert_eq!(token_amount(&world, sdk::meme_token_account(&fans[2], &mint)).await, 200_000);
}

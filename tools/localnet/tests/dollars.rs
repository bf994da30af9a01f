//! Dollars and swaps on a real validator, through the keeper binary over JSON-RPC: a treasury with
//! USD caps counts a SOL payment at the Pyth price genesis published, refuses the next one by the
//! program's name, and swaps wrapped SOL for USDC through SPL Token Swap under the same caps.
//! Runs against `COVENANT_LOCALNET_URL` when set (scripts/with-localnet starts it with the prices).

mod common;

use std::sync::Arc;

use anchor_lang::prelude::Pubkey;
use anchor_lang::AccountDeserialize;
use common::{keeper, keeper_refuses, Cluster};
use covenant::constants::SOL_ASSET;
use covenant::policy::{PriceFeed, UsdLimits};
use covenant::sdk::{self, TreasuryAddresses, PYTH_SOL_USD_FEED, PYTH_USDC_USD_FEED};
use covenant::state::UsdPolicy;
use covenant_keeper::chain::{Chain, RpcChain, RpcSettings};
use covenant_keeper::ops;
use covenant_keeper::setup::write_keypair;
use solana_client::nonblocking::rpc_client::RpcClient;
use solana_commitment_config::CommitmentConfig;
use solana_instruction::Instruction;
use solana_keypair::Keypair;
use solana_signer::Signer;

const SOL: u64 = 1_000_000_000;
const USDC: u64 = 1_000_000;
const TREASURY_ID: u64 = 2;
const TOKEN: Pubkey = spl_token_interface::ID;

async fn submit(chain: &dyn Chain, ixs: &[Instruction], payer: &Keypair, signers: &[&Keypair]) {
    ops::submit(chain, ixs, payer, signers).await.expect("setup transaction lands");
}

/// A classic SPL Token mint whose authority is `authority`.
async fn mint(chain: &dyn Chain, payer: &Keypair, decimals: u8, authority: &Pubkey) -> Pubkey {
    let mint = Keypair::new();
    let rent = chain.minimum_balance(82).await.expect("rent");
    let ixs = [
        solana_system_interface::instruction::create_account(&payer.pubkey(), &mint.pubkey(), rent, 82, &TOKEN),
        spl_token_interface::instruction::initialize_mint2(&TOKEN, &mint.pubkey(), authority, None, decimals)
            .expect("builds"),
    ];
    submit(chain, &ixs, payer, &[&mint]).await;
    mint.pubkey()
}

/// `owner`'s associated account of `mint`, holding `amount` more (minted by `payer`, the authority).
async fn holding(chain: &dyn Chain, payer: &Keypair, owner: &Pubkey, mint: &Pubkey, amount: u64) -> Pubkey {
    let account = spl_associated_token_account_interface::address::get_associated_token_address_with_program_id(
        owner, mint, &TOKEN,
    );
    let mut ixs =
        vec![spl_associated_token_account_interface::instruction::create_associated_token_account_idempotent(
            &payer.pubkey(),
            owner,
            mint,
            &TOKEN,
        )];
    if amount > 0 {
        ixs.push(
            spl_token_interface::instruction::mint_to(&TOKEN, mint, &account, &payer.pubkey(), &[], amount)
                .expect("builds"),
        );
    }
    submit(chain, &ixs, payer, &[]).await;
    account
}

async fn token_balance(rpc: &RpcClient, account: Pubkey) -> u64 {
    let data = rpc.get_account(&account).await.expect("token account").data;
    u64::from_le_bytes(data[64..72].try_into().expect("amount"))
}

/// A constant-product SPL Token Swap pool of (a, b) with 0.30% fees.
async fn open_pool(
    chain: &dyn Chain,
    payer: &Keypair,
    (a, amount_a): (Pubkey, u64),
    (b, amount_b): (Pubkey, u64),
) -> Pubkey {
    use spl_token_swap::curve::base::{CurveType, SwapCurve};
    use spl_token_swap::curve::constant_product::ConstantProductCurve;
    use spl_token_swap::curve::fees::Fees;
    let swap = Keypair::new();
    let authority = Pubkey::find_program_address(&[&swap.pubkey().to_bytes()], &spl_token_swap::ID).0;
    let token_a = holding(chain, payer, &authority, &a, amount_a).await;
    let token_b = holding(chain, payer, &authority, &b, amount_b).await;
    let pool_mint = mint(chain, payer, 2, &authority).await;
    let fee_account = holding(chain, payer, &payer.pubkey(), &pool_mint, 0).await;
    let destination = holding(chain, payer, &Keypair::new().pubkey(), &pool_mint, 0).await;
    let space = spl_token_swap::state::SwapVersion::LATEST_LEN;
    let rent = chain.minimum_balance(space).await.expect("rent");
    let create = solana_system_interface::instruction::create_account(
        &payer.pubkey(),
        &swap.pubkey(),
        rent,
        space as u64,
        &spl_token_swap::ID,
    );
    let fees = Fees {
        trade_fee_numerator: 25,
        trade_fee_denominator: 10_000,
        owner_trade_fee_numerator: 5,
        owner_trade_fee_denominator: 10_000,
        owner_withdraw_fee_numerator: 0,
        owner_withdraw_fee_denominator: 0,
        host_fee_numerator: 0,
        host_fee_denominator: 0,
    };
    let curve = SwapCurve { curve_type: CurveType::ConstantProduct, calculator: Arc::new(ConstantProductCurve) };
    let initialize = spl_token_swap::instruction::initialize(
        &spl_token_swap::ID,
        &TOKEN,
        &swap.pubkey(),
        &authority,
        &token_a,
        &token_b,
        &pool_mint,
        &fee_account,
        &destination,
        fees,
        curve,
    )
    .expect("builds");
    submit(chain, &[create, initialize], payer, &[&swap]).await;
    swap.pubkey()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_usd_capped_treasury_pays_and_swaps_at_pyth_prices_over_json_rpc() {
    let cluster = Cluster::from_env();
    if let Cluster::Spawned(localnet) = &cluster {
        let listed =
            |program: &str| localnet.banner.iter().any(|line| line.starts_with("program") && line.ends_with(program));
        assert!(listed(" spl-token-swap"), "{:#?}", localnet.banner);
        assert_eq!(
            localnet.banner.iter().filter(|line| line.starts_with("price")).count(),
            2,
            "{:#?}",
            localnet.banner
        );
    }
    let (rpc_url, faucet) = (cluster.rpc_url().to_string(), cluster.faucet());
    let settings = RpcSettings::new(&rpc_url, std::time::Duration::from_secs(30), CommitmentConfig::confirmed());
    let chain: Arc<dyn Chain> = Arc::new(RpcChain::new(&settings));
    let rpc = RpcClient::new_with_commitment(rpc_url.clone(), CommitmentConfig::confirmed());

    let (operator, keeper_key, gpu) = (Keypair::new(), Keypair::new(), Keypair::new().pubkey());
    let funding: Vec<_> = [(operator.pubkey(), 10 * SOL), (keeper_key.pubkey(), 2 * SOL)]
        .into_iter()
        .map(|(to, amount)| solana_system_interface::instruction::transfer(&faucet.pubkey(), &to, amount))
        .collect();
    submit(chain.as_ref(), &funding, faucet, &[]).await;
    let (wsol, usdc) = (
        mint(chain.as_ref(), &operator, 9, &operator.pubkey()).await,
        mint(chain.as_ref(), &operator, 6, &operator.pubkey()).await,
    );

    // The keeper's config: SOL and both tokens under policies far looser than the USD caps, and the
    // GPU provider as a payee.
    let dir = tempfile::tempdir().expect("temp dir");
    write_keypair(&operator, &dir.path().join("operator.json")).expect("operator key");
    write_keypair(&keeper_key, &dir.path().join("keeper.json")).expect("keeper key");
    let config = format!(
        r#"
[cluster]
url = "{rpc_url}"
timeout_seconds = 30
[keys]
keeper = "keeper.json"
operator = "operator.json"
[treasury]
id = {TREASURY_ID}
[[policy]]
asset = "SOL"
per_tx_max = 2_000_000_000
period_seconds = 86_400
period_cap = 5_000_000_000
[[policy]]
asset = "{wsol}"
per_tx_max = 2_000_000_000
period_seconds = 86_400
period_cap = 5_000_000_000
[[policy]]
asset = "{usdc}"
per_tx_max = 500_000_000
period_seconds = 86_400
period_cap = 1_000_000_000
[[payee]]
recipient = "{gpu}"
label = "GPU inference"
category = "inference"
"#
    );
    std::fs::write(dir.path().join("keeper.toml"), config).expect("config written");
    keeper(dir.path(), &["init"]);
    let t = TreasuryAddresses::new(operator.pubkey(), TREASURY_ID);

    // The operator's dollar rules: the feeds genesis published (an hour's freshness: the localnet
    // published them when it started), $100 a payment and $150 a day, and SPL Token Swap at 1%.
    let feed = |feed_id| PriceFeed { feed_id, max_age_seconds: 3_600, max_conf_bps: 200, max_ema_deviation_bps: 500 };
    let caps = UsdLimits { per_tx_max: 100 * USDC, period_seconds: 86_400, period_cap: 150 * USDC };
    let rules = [
        sdk::set_price_feed(&t, SOL_ASSET, Some(feed(PYTH_SOL_USD_FEED))),
        sdk::set_price_feed(&t, wsol, Some(feed(PYTH_SOL_USD_FEED))),
        sdk::set_price_feed(&t, usdc, Some(feed(PYTH_USDC_USD_FEED))),
        sdk::set_usd_limits(&t, Some(caps)),
        sdk::set_swap_venue(&t, spl_token_swap::ID, Some(100)),
    ];
    submit(chain.as_ref(), &rules, &operator, &[]).await;
    submit(
        chain.as_ref(),
        &[solana_system_interface::instruction::transfer(&faucet.pubkey(), &t.vault, 5 * SOL)],
        faucet,
        &[],
    )
    .await;
    let vault_wsol = holding(chain.as_ref(), &operator, &t.vault, &wsol, 10 * SOL).await;
    let vault_usdc = holding(chain.as_ref(), &operator, &t.vault, &usdc, 1_000 * USDC).await;

    // Half a SOL to the GPU provider: $75.075 at $150 ± $0.15, within both caps.
    keeper(dir.path(), &["request-payment", "--to", &gpu.to_string(), "--amount", "0.5", "--purpose", "GPU hours"]);
    assert_eq!(rpc.get_balance(&gpu).await.expect("balance"), SOL / 2);
    let read_usd = || async {
        let account = rpc.get_account(&t.usd_policy()).await.expect("usd policy");
        UsdPolicy::try_deserialize(&mut account.data.as_slice()).expect("decodes")
    };
    assert_eq!(read_usd().await.window.spent, 75_075_000);

    // 0.6 SOL more ($90.09) would pass $150 today: refused by the program's name, nothing sent.
    let refused = keeper_refuses(
        dir.path(),
        &["request-payment", "--to", &gpu.to_string(), "--amount", "0.6", "--purpose", "GPU hours"],
    );
    assert!(refused.contains("ExceedsUsdPeriodCap"), "{refused}");
    assert_eq!(rpc.get_balance(&gpu).await.expect("balance"), SOL / 2);

    // 0.3 wrapped SOL for USDC through a pool at $150: $45.045 of the $74.925 left, and the pool
    // pays at least 44.55 USDC (the oracle value less 1%).
    let pool = open_pool(chain.as_ref(), &operator, (wsol, 1_000 * SOL), (usdc, 150_000 * USDC)).await;
    let args = [
        "swap",
        "--sell",
        &wsol.to_string(),
        "--buy",
        &usdc.to_string(),
        "--amount",
        "0.3",
        "--pool",
        &pool.to_string(),
    ];
    let swapped = keeper(dir.path(), &args);
    assert!(swapped.contains("swapped"), "{swapped}");
    assert!(token_balance(&rpc, vault_usdc).await >= 1_000 * USDC + 44_550_000, "{swapped}");
    assert!(token_balance(&rpc, vault_wsol).await >= 10 * SOL - 3 * SOL / 10);
    assert_eq!(read_usd().await.window.spent, 75_075_000 + 45_045_000, "{swapped}");
}

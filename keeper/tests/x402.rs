//! The keeper as an x402 client, on the in-process bank: a stand-in resource server (tiny_http)
//! answers 402 with version-2 payment requirements, records the payment the keeper sends and
//! answers with a settlement; the test then plays the facilitator's part (its fee-payer signature,
//! the send) on the real runtime. Every refusal the guard owes is tried, and none reaches the server.
//! The reference facilitator itself is `tools/x402` (`scripts/test-x402`).

mod common;

use std::sync::{Arc, Mutex};

use anchor_lang::prelude::Pubkey;
use base64::Engine as _;
use common::World;
use covenant_keeper::chain::Chain;
use covenant_keeper::config::{KeeperConfig, X402Config};
use covenant_keeper::journal::Journal;
use covenant_keeper::ops;
use covenant_keeper::x402::client::{Request, X402Client, X402Error};
use covenant_keeper::x402::{encode_json, network_id};
use serde_json::{json, Value};
use solana_keypair::Keypair;
use solana_signer::Signer;
use solana_transaction::Transaction;
use spl_token_2022_interface::extension::StateWithExtensions;
use spl_token_2022_interface::state::Account as TokenAccount;

const PRICE: u64 = 10_000;
const BUDGET: u64 = 25_000;
const NETWORK: &str = "solana:localbank0000000000000000000000";

struct Paywall {
    url: String,
    /// PAYMENT-SIGNATURE payloads received, decoded.
    payments: Arc<Mutex<Vec<Value>>>,
    requests: Arc<Mutex<usize>>,
}

/// A resource server that asks `accepts` for `/infer` and, given a payment, answers `settle_as`.
fn paywall(accepts: Value, settle_as: Value) -> Paywall {
    let server = tiny_http::Server::http("127.0.0.1:0").expect("binds");
    let url = format!("http://{}/infer", server.server_addr().to_ip().expect("ip address"));
    let payments = Arc::new(Mutex::new(Vec::new()));
    let requests = Arc::new(Mutex::new(0));
    let (seen, counted) = (payments.clone(), requests.clone());
    std::thread::spawn(move || {
        for request in server.incoming_requests() {
            *counted.lock().expect("lock") += 1;
            let payment = request.headers().iter().find(|header| header.field.equiv("PAYMENT-SIGNATURE"));
            let header = |name: &str, value: String| tiny_http::Header::from_bytes(name, value).expect("header");
            let response = match payment {
                None => {
                    let required = json!({ "x402Version": 2, "error": "Payment required", "resource": { "url": "/infer" }, "accepts": accepts });
                    tiny_http::Response::from_string("{}")
                        .with_status_code(402)
                        .with_header(header("PAYMENT-REQUIRED", encode_json(&required)))
                }
                Some(payment) => {
                    let bytes =
                        base64::engine::general_purpose::STANDARD.decode(payment.value.as_str()).expect("base64");
                    seen.lock().expect("lock").push(serde_json::from_slice(&bytes).expect("json"));
                    tiny_http::Response::from_string("{\"answer\":\"a poster\"}")
                        .with_header(header("PAYMENT-RESPONSE", encode_json(&settle_as)))
                }
            };
            let _ = request.respond(response);
        }
    });
    Paywall { url, payments, requests }
}

struct Shop {
    world: World,
    mint: Pubkey,
    provider: Pubkey,
    fee_payer: Keypair,
}

fn token_account(mint: &Pubkey, owner: &Pubkey) -> Pubkey {
    spl_associated_token_account_interface::address::get_associated_token_address_with_program_id(
        owner,
        mint,
        &spl_token_2022_interface::ID,
    )
}

/// A treasury with a Token-2022 policy (co-sign above 40,000), 1,000,000 units in its vault and an
/// "inference" payee (`category`) with a 25,000 budget, whose token account exists when `provider_ata`.
async fn shop(category: &str, provider_ata: bool) -> Shop {
    let world = World::new("", 0).await;
    let chain = world.chain.as_ref();
    let (mint, provider, fee_payer) = (Keypair::new(), Keypair::new().pubkey(), Keypair::new());
    let token = spl_token_2022_interface::ID;
    let rent = chain.minimum_balance(82).await.expect("rent");
    let mut ixs = vec![
        solana_system_interface::instruction::create_account(
            &world.operator.pubkey(),
            &mint.pubkey(),
            rent,
            82,
            &token,
        ),
        spl_token_2022_interface::instruction::initialize_mint2(
            &token,
            &mint.pubkey(),
            &world.operator.pubkey(),
            None,
            6,
        )
        .expect("builds"),
    ];
    ops::submit(chain, &ixs, &world.operator, &[&mint]).await.expect("mint");
    let text = format!(
        "[keys]\nkeeper = \"keeper.json\"\n[treasury]\noperator = \"{}\"\nid = 7\n\
         [[policy]]\nasset = \"{}\"\nper_tx_max = 50_000\nperiod_seconds = 86_400\nperiod_cap = 100_000\ncosign_threshold = 40_000\ntimelock_seconds = 60\nallowlist_required = true\n\
         [[payee]]\nrecipient = \"{provider}\"\nlabel = \"inference API\"\ncategory = \"{category}\"\nbudget = {BUDGET}\nbudget_asset = \"{}\"\n",
        world.operator.pubkey(),
        mint.pubkey(),
        mint.pubkey()
    );
    let config = KeeperConfig::parse(&text).expect("config");
    // `init` over the world's treasury: only what is missing (the token policy and the payee).
    for step in ops::init_steps(chain, &config, world.operator.pubkey(), world.keeper.pubkey()).await.expect("steps") {
        let exists = match step.account {
            Some(account) => chain.accounts(&[account]).await.expect("read")[0].is_some(),
            None => false,
        };
        if !exists {
            ops::submit(chain, &step.instructions, &world.operator, &[]).await.expect("init step");
        }
    }
    let create = |owner: &Pubkey| {
        spl_associated_token_account_interface::instruction::create_associated_token_account_idempotent(
            &world.operator.pubkey(),
            owner,
            &mint.pubkey(),
            &token,
        )
    };
    ixs = vec![create(&world.t.vault)];
    if provider_ata {
        ixs.push(create(&provider));
    }
    ixs.push(
        spl_token_2022_interface::instruction::mint_to(
            &token,
            &mint.pubkey(),
            &token_account(&mint.pubkey(), &world.t.vault),
            &world.operator.pubkey(),
            &[],
            1_000_000,
        )
        .expect("builds"),
    );
    ops::submit(chain, &ixs, &world.operator, &[]).await.expect("token accounts");
    Shop { world, mint: mint.pubkey(), provider, fee_payer }
}

impl Shop {
    fn offer(&self, amount: u64) -> Value {
        json!([{
            "scheme": "exact", "network": NETWORK, "amount": amount.to_string(), "asset": self.mint.to_string(),
            "payTo": self.provider.to_string(), "maxTimeoutSeconds": 60,
            "extra": { "feePayer": self.fee_payer.pubkey().to_string() },
        }])
    }

    async fn fetch(&self, paywall: &Paywall, settings: &X402Config, unguarded: bool) -> Result<Value, X402Error> {
        let mut journal = Journal::open(&self.world.dir.path().join("x402.jsonl")).expect("journal");
        let mut client = X402Client {
            http: reqwest::Client::new(),
            chain: self.world.chain.as_ref(),
            keeper: &self.world.keeper,
            treasury: self.world.t,
            settings,
            network: NETWORK.into(),
            journal: &mut journal,
            unguarded,
            schedule: None,
        };
        let request = Request {
            method: reqwest::Method::POST,
            url: paywall.url.clone(),
            headers: vec![],
            body: b"{\"prompt\":\"p\"}".to_vec(),
        };
        let fetched = client.fetch(&request).await?;
        assert_eq!(fetched.status, 200);
        Ok(serde_json::to_value(fetched.paid).expect("json"))
    }

    /// The facilitator's part: sign the recorded payment as the fee payer and send it.
    async fn settle(&self, payment: &Value) -> Result<(), String> {
        let wire = payment["payload"]["transaction"].as_str().expect("transaction");
        let bytes = base64::engine::general_purpose::STANDARD.decode(wire).expect("base64");
        let mut tx: Transaction = bincode::deserialize(&bytes).expect("a transaction");
        assert_eq!(tx.message.account_keys[0], self.fee_payer.pubkey(), "the facilitator pays the fee");
        assert!(tx.verify_with_results().iter().skip(1).all(|ok| *ok), "the keeper's signature is in place");
        let blockhash = tx.message.recent_blockhash;
        tx.try_partial_sign(&[&self.fee_payer], blockhash).map_err(|error| error.to_string())?;
        self.world.chain.send_and_confirm(&tx).await.map(|_| ()).map_err(|error| error.to_string())
    }

    async fn balance(&self, owner: &Pubkey) -> u64 {
        let account = self.world.chain.accounts(&[token_account(&self.mint, owner)]).await.expect("read").remove(0);
        account.map_or(0, |account| {
            StateWithExtensions::<TokenAccount>::unpack(&account.data).expect("token account").base.amount
        })
    }
}

fn settled() -> Value {
    json!({ "success": true, "transaction": "sig", "network": NETWORK, "payer": "vault" })
}

#[tokio::test]
async fn a_paid_call_is_a_spend_token_from_the_vault_signed_by_the_keeper_and_named_on_chain() {
    let shop = shop("inference", true).await;
    shop.world
        .chain
        .send_and_confirm(&Transaction::new_signed_with_payer(
            &[solana_system_interface::instruction::transfer(
                &shop.world.operator.pubkey(),
                &shop.fee_payer.pubkey(),
                1_000_000_000,
            )],
            Some(&shop.world.operator.pubkey()),
            &[&shop.world.operator],
            shop.world.chain.latest_blockhash().await.expect("blockhash"),
        ))
        .await
        .expect("fee payer funded");
    let paywall = paywall(shop.offer(PRICE), settled());
    let paid = shop.fetch(&paywall, &X402Config::default(), false).await.expect("paid");
    assert_eq!(paid["amount"], PRICE);
    let payments = paywall.payments.lock().expect("lock").clone();
    assert_eq!(payments.len(), 1);
    assert_eq!(payments[0]["accepted"], shop.offer(PRICE)[0], "the offer is echoed as sent");
    shop.settle(&payments[0]).await.expect("the payment lands");
    assert_eq!(shop.balance(&shop.provider).await, PRICE);
    assert_eq!(shop.balance(&shop.world.t.vault).await, 1_000_000 - PRICE);

    // The decision line names the call and the offer; its hash is the one the keeper signed.
    let log = std::fs::read_to_string(shop.world.dir.path().join("x402.jsonl")).expect("log");
    let line: Value =
        serde_json::from_str(log.lines().find(|line| line.contains("\"kind\":\"x402\"")).expect("line")).expect("json");
    assert_eq!(line["input"]["request"]["method"], "POST");
    assert_eq!(line["input"]["request"]["url"], paywall.url);
    assert_eq!(line["decision_hash"], paid["decision_hash"]);
    let recomputed = covenant_keeper::keeper::decision_hash(&line["input"]);
    assert_eq!(hex::encode(recomputed), line["decision_hash"].as_str().expect("hex"));
    let payee: covenant::state::Payee = shop.world.account(shop.world.t.payee(&shop.provider)).await;
    assert_eq!(payee.terms.spent, PRICE, "the payee's budget counted it");
}

#[tokio::test]
async fn a_paid_call_of_a_usd_capped_treasury_counts_in_dollars_and_stops_at_the_cap() {
    let shop = shop("inference", true).await;
    let (chain, t, operator) = (shop.world.chain.as_ref(), shop.world.t, &shop.world.operator);
    fund_fee_payer(&shop).await;
    // The token at $0.50 (exponent -8); at most $0.004 a day: two calls of 3,000 base units
    // (0.003 tokens, $0.0015015 each at price + confidence) fit, a third does not.
    let feed_id = [0x42; 32];
    let feed =
        covenant::policy::PriceFeed { feed_id, max_age_seconds: 30, max_conf_bps: 200, max_ema_deviation_bps: 500 };
    let caps = covenant::policy::UsdLimits { per_tx_max: 2_000, period_seconds: 86_400, period_cap: 4_000 };
    let rules =
        [covenant::sdk::set_price_feed(&t, shop.mint, Some(feed)), covenant::sdk::set_usd_limits(&t, Some(caps))];
    ops::submit(chain, &rules, operator, &[]).await.expect("dollar rules");
    shop.world.publish_price(feed_id, 50_000_000, 0).await;
    for _ in 0..2 {
        let paywall = paywall(shop.offer(3_000), settled());
        shop.fetch(&paywall, &X402Config::default(), false).await.expect("paid");
        let payment = paywall.payments.lock().expect("lock")[0].clone();
        shop.settle(&payment).await.expect("the payment lands with its dollar accounts");
    }
    assert_eq!(shop.balance(&shop.provider).await, 6_000);
    let usd: covenant::state::UsdPolicy = shop.world.account(t.usd_policy()).await;
    assert_eq!(usd.window.spent, 3_004, "1,502 micro-USD each, rounded up");
    let third = paywall(shop.offer(3_000), settled());
    match shop.fetch(&third, &X402Config::default(), false).await {
        Err(X402Error::Refused { code, .. }) => assert_eq!(code, "ExceedsUsdPeriodCap"),
        other => panic!("expected the USD cap, got {other:?}"),
    }
    assert!(third.payments.lock().expect("lock").is_empty(), "nothing signed");
}

async fn fund_fee_payer(shop: &Shop) {
    let world = &shop.world;
    let ix = solana_system_interface::instruction::transfer(
        &world.operator.pubkey(),
        &shop.fee_payer.pubkey(),
        1_000_000_000,
    );
    ops::submit(world.chain.as_ref(), &[ix], &world.operator, &[]).await.expect("fee payer funded");
}

#[tokio::test]
async fn the_guard_refuses_before_signing_and_nothing_reaches_the_server() {
    let shop = shop("inference", true).await;
    let refused = |result: Result<Value, X402Error>| match result {
        Err(X402Error::Refused { code, .. }) => code,
        other => panic!("expected a refusal, got {other:?}"),
    };
    let defaults = X402Config::default();
    // Above the payee's remaining budget (25,000).
    let over_budget = paywall(shop.offer(30_000), settled());
    assert_eq!(refused(shop.fetch(&over_budget, &defaults, false).await), "PayeeBudgetExceeded");
    // Above the co-sign threshold: a paid call cannot wait out a timelock.
    let cosign = paywall(shop.offer(45_000), settled());
    assert_eq!(refused(shop.fetch(&cosign, &defaults, false).await), "CosignRequired");
    // Only payees of the configured category.
    let dev = X402Config { category: "dev".into(), ..X402Config::default() };
    let in_budget = paywall(shop.offer(PRICE), settled());
    assert_eq!(refused(shop.fetch(&in_budget, &dev, false).await), "PayeeNotInCategory");
    // The keeper as fee payer: the server could send the payment on its own.
    let mut own_fee = shop.offer(PRICE);
    own_fee[0]["extra"]["feePayer"] = json!(shop.world.keeper.pubkey().to_string());
    let own_fee = paywall(own_fee, settled());
    assert_eq!(refused(shop.fetch(&own_fee, &defaults, false).await), "FeePayerNotFacilitator");
    // Paused.
    ops::submit(
        shop.world.chain.as_ref(),
        &[covenant::sdk::pause(&shop.world.t, shop.world.operator.pubkey())],
        &shop.world.operator,
        &[],
    )
    .await
    .expect("paused");
    assert_eq!(refused(shop.fetch(&in_budget, &defaults, false).await), "TreasuryPaused");
    for (paywall, asked) in [(&over_budget, 1), (&cosign, 1), (&own_fee, 1), (&in_budget, 2)] {
        assert!(paywall.payments.lock().expect("lock").is_empty(), "nothing was signed or sent");
        assert_eq!(*paywall.requests.lock().expect("lock"), asked, "one unpaid request per call, never a paid one");
    }
}

#[tokio::test]
async fn offers_the_treasury_cannot_pay_are_named_and_a_failed_settlement_is_an_error() {
    let shop = shop("inference", false).await;
    let defaults = X402Config::default();
    // The provider has no token account: the payment could not create one.
    let paywall_ = paywall(shop.offer(PRICE), settled());
    assert!(
        matches!(shop.fetch(&paywall_, &defaults, false).await, Err(X402Error::Refused { code, .. }) if code == "NoRecipientTokenAccount")
    );
    // Another network, another token, above the per-call maximum: no option, each named.
    let mut other = shop.offer(PRICE);
    other[0]["network"] = json!("solana:5eykt4UsFv8P8NJdTREpY1vzqKqZKvdp");
    other.as_array_mut().expect("array").push(json!({ "scheme": "exact", "network": NETWORK, "amount": "1", "asset": Pubkey::new_unique().to_string(), "payTo": shop.provider.to_string(), "maxTimeoutSeconds": 60, "extra": { "feePayer": shop.fee_payer.pubkey().to_string() } }));
    let capped = X402Config { max_per_call: Some(PRICE - 1), ..X402Config::default() };
    let mut both = other.clone();
    both.as_array_mut().expect("array").push(shop.offer(PRICE)[0].clone());
    match shop.fetch(&paywall(both, settled()), &capped, false).await {
        Err(X402Error::NoOption(why)) => {
            for reason in ["not this cluster", "no spend policy", "above the per-call maximum"] {
                assert!(why.contains(reason), "{why} names {reason}");
            }
        }
        other => panic!("expected no option, got {other:?}"),
    }
    // Forced past the guard, the server's facilitator reports a failure: an error, not a payment.
    let failing = paywall(
        shop.offer(PRICE),
        json!({ "success": false, "errorReason": "invalid_exact_svm_smart_wallet_simulation_failed", "transaction": "", "network": NETWORK }),
    );
    match shop.fetch(&failing, &defaults, true).await {
        Err(X402Error::NotSettled { reason, .. }) => {
            assert_eq!(reason, "invalid_exact_svm_smart_wallet_simulation_failed")
        }
        other => panic!("expected a failed settlement, got {other:?}"),
    }
    assert_eq!(failing.payments.lock().expect("lock").len(), 1, "the unguarded payment was sent");
    assert_eq!(network_id("4uhcVJyU9pJkvQyS88uRDiswHXSCkY3zAAAAAAAA"), "solana:4uhcVJyU9pJkvQyS88uRDiswHXSCkY3z");
}

use anchor_lang::prelude::Pubkey;
use serde_json::json;

use super::*;

const NETWORK: &str = "solana:EtWTRABZaYq6iMfeYKouRu166VU2xqa1";

fn requirement(scheme: &str, network: &str, asset: &Pubkey, amount: &str) -> Value {
    json!({
        "scheme": scheme, "network": network, "amount": amount, "asset": asset.to_string(),
        "payTo": Pubkey::new_from_array([7; 32]).to_string(), "maxTimeoutSeconds": 300,
        "extra": { "feePayer": Pubkey::new_from_array([8; 32]).to_string(), "features": { "smartWalletSupported": true } },
    })
}

fn header(accepts: Vec<Value>) -> String {
    encode_json(
        &json!({ "x402Version": 2, "error": "Payment required", "resource": { "url": "http://x/infer" }, "accepts": accepts }),
    )
}

#[test]
fn a_402_is_read_with_its_options_and_the_unreadable_ones_named() {
    let usdc = Pubkey::new_unique();
    let evm = json!({ "scheme": "exact", "network": "eip155:8453", "amount": "1", "asset": "0xabc", "payTo": "0xdef", "maxTimeoutSeconds": 60 });
    let required = parse_required(&header(vec![evm, requirement("exact", NETWORK, &usdc, "10000")])).expect("parses");
    assert_eq!(required.offers.len(), 1);
    let offer = &required.offers[0];
    assert_eq!((offer.amount, offer.asset, offer.fee_payer), (10_000, usdc, Pubkey::new_from_array([8; 32])));
    assert_eq!(required.unreadable, ["option 0: network eip155:8453 is not Solana"]);
    assert_eq!(required.error.as_deref(), Some("Payment required"));
}

#[test]
fn other_versions_and_broken_headers_are_refused_by_name() {
    let v1 = encode_json(&json!({ "x402Version": 1, "accepts": [] }));
    assert!(matches!(parse_required(&v1), Err(ProtocolError::Version(1))));
    assert!(matches!(parse_required("not base64!"), Err(ProtocolError::Header(_))));
    assert!(matches!(
        parse_required(&encode_json(&json!({ "x402Version": 2, "accepts": [] }))),
        Err(ProtocolError::NoOffers)
    ));
    let negative = requirement("exact", NETWORK, &Pubkey::new_unique(), "-5");
    let required = parse_required(&header(vec![negative])).expect("parses");
    assert!(required.offers.is_empty() && required.unreadable[0].contains("whole number"));
}

#[test]
fn the_offer_chosen_is_exact_on_this_network_in_a_policy_token_within_the_maximum() {
    let (usdc, other) = (Pubkey::new_unique(), Pubkey::new_unique());
    let required = parse_required(&header(vec![
        requirement("upto", NETWORK, &usdc, "1"),
        requirement("exact", "solana:5eykt4UsFv8P8NJdTREpY1vzqKqZKvdp", &usdc, "1"),
        requirement("exact", NETWORK, &other, "1"),
        requirement("exact", NETWORK, &usdc, "20000"),
        requirement("exact", NETWORK, &usdc, "10000"),
    ]))
    .expect("parses");
    let chosen = choose(&required, NETWORK, Some(15_000), |asset| *asset == usdc).expect("one fits");
    assert_eq!(chosen.amount, 10_000);
    let none = choose(&required, NETWORK, Some(5_000), |asset| *asset == usdc).expect_err("none fits");
    for why in ["only the exact scheme", "not this cluster", "no spend policy", "above the per-call maximum"] {
        assert!(none.contains(why), "{none} names {why}");
    }
}

#[test]
fn the_decision_names_the_call_and_the_terms_by_hash() {
    let usdc = Pubkey::new_unique();
    let required = parse_required(&header(vec![requirement("exact", NETWORK, &usdc, "10000")])).expect("parses");
    let offer = &required.offers[0];
    let call = Call::new("post", "http://x/infer", b"{\"prompt\":\"a poster\"}");
    let input = decision_input(&call, offer, &json!({ "verdict": "pass" }));
    assert_eq!(input["request"]["method"], "POST");
    assert_eq!(input["request_sha256"], hex::encode(call.hash()));
    assert_eq!(input["requirements_sha256"], hex::encode(sha256_json(&offer.raw)));
    // Another body, another call; the same call, the same hash.
    assert_ne!(Call::new("POST", "http://x/infer", b"{}").hash(), call.hash());
    assert_eq!(Call::new("POST", "http://x/infer", b"{\"prompt\":\"a poster\"}").hash(), call.hash());
    let other_terms = decision_input(
        &call,
        &parse_required(&header(vec![requirement("exact", NETWORK, &usdc, "10001")])).expect("parses").offers[0],
        &json!({}),
    );
    assert_ne!(sha256_json(&other_terms), sha256_json(&input));
}

#[test]
fn the_payment_echoes_the_offer_and_carries_the_transaction() {
    let usdc = Pubkey::new_unique();
    let required = parse_required(&header(vec![requirement("exact", NETWORK, &usdc, "10000")])).expect("parses");
    let payload = payment_payload(&required, &required.offers[0], "AQID".into());
    assert_eq!(payload["x402Version"], 2);
    assert_eq!(payload["accepted"], required.offers[0].raw);
    assert_eq!(payload["payload"]["transaction"], "AQID");
    assert_eq!(payload["resource"]["url"], "http://x/infer");
}

#[test]
fn settlements_and_network_ids_read_as_the_reference_writes_them() {
    let ok = encode_json(&json!({ "success": true, "transaction": "5sig", "network": NETWORK, "payer": "vault" }));
    let settlement = parse_settlement(&ok).expect("parses");
    assert!(settlement.success && settlement.transaction == "5sig");
    let failed = encode_json(
        &json!({ "success": false, "errorReason": "invalid_exact_svm_transaction_failed", "transaction": "", "network": NETWORK }),
    );
    assert_eq!(
        parse_settlement(&failed).expect("parses").error_reason.as_deref(),
        Some("invalid_exact_svm_transaction_failed")
    );
    assert_eq!(network_id("EtWTRABZaYq6iMfeYKouRu166VU2xqa1cgFFKdVmvRRg"), NETWORK);
}

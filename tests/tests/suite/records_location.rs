//! Where a treasury's decision records live, said on chain by its operator: set, moved, pre-funded,
//! and refused to anyone else or for a URI a client could not fetch.

use anchor_lang::error::ErrorCode;
use covenant::errors::CovenantError;
use covenant::events::RecordsUriSet;
use covenant::sdk;
use covenant::state::RecordsLocation;
use covenant_tests::{assert_anchor_error, assert_program_error, swap_account, Harness};
use solana_signer::Signer;

const DUST: u64 = 1_000_000;

#[tokio::test]
async fn the_operator_sets_and_moves_the_records_uri_and_a_prefunded_account_does_not_block_it() {
    let mut h = Harness::new().await;
    let records = sdk::records_address(&h.treasury.treasury);
    h.bank.transfer(records, DUST).await;
    let operator = h.roles.operator.pubkey();
    let before = h.bank.lamports(operator).await;
    let set = h.as_operator(sdk::set_records_uri(&h.treasury, "https://agent.example/records".into())).await;
    let event = set.expect("set").one::<RecordsUriSet>();
    assert_eq!((event.treasury, event.uri.as_str()), (h.treasury.treasury, "https://agent.example/records"));
    let rent = h.bank.rent_of(records).await;
    assert_eq!(h.bank.lamports(records).await, rent);
    assert_eq!(before - h.bank.lamports(operator).await, rent - DUST, "pre-funding counts towards the rent");
    let moved =
        sdk::set_records_uri(&h.treasury, "ipfs://bafybeigdyrzt5sfp7udm7hu76uh7y26nf3efuylqabf3oclgtqy55fbzdi".into());
    h.as_operator(moved).await.expect("moved");
    let location: RecordsLocation = h.bank.account(records).await;
    assert!(location.uri.starts_with("ipfs://bafy"));
    assert_eq!(h.bank.lamports(records).await, rent, "rewriting costs nothing more");
}

#[tokio::test]
async fn nobody_but_the_operator_sets_it_and_only_to_a_fetchable_base_uri() {
    let mut h = Harness::new().await;
    let (keeper, operator) = (h.roles.keeper.pubkey(), h.roles.operator.pubkey());
    let mut by_keeper = sdk::set_records_uri(&h.treasury, "https://thief.example".into());
    swap_account(&mut by_keeper, operator, keeper);
    assert_program_error(h.as_keeper(by_keeper).await, CovenantError::NotOperator);
    let mut unsigned = sdk::set_records_uri(&h.treasury, "https://agent.example".into());
    unsigned.accounts[0].is_signer = false;
    assert_anchor_error(h.bank.send(&[unsigned], &[]).await, ErrorCode::AccountNotSigner);
    let long = format!("https://{}", "a".repeat(200));
    for bad in
        ["", "ftp://agent.example", "https://", "https://agent.example/", "https://a b", "javascript:alert(1)", &long]
    {
        let ix = sdk::set_records_uri(&h.treasury, bad.into());
        assert_program_error(h.as_operator(ix).await, CovenantError::InvalidRecordsUri);
    }
    assert!(!h.bank.exists(sdk::records_address(&h.treasury.treasury)).await);
}

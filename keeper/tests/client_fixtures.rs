//! The TypeScript client (app/client) decodes events from bytes the program's own types wrote:
//! `app/client/test/fixtures/events.json` holds what `emit_cpi!` puts in its inner instruction
//! (Anchor's event tag, the discriminator, the Borsh data; base64 here) for a few events with options, enums
//! and vectors. This test fails when the program's events change and the fixture did not; run it
//! with `COVENANT_WRITE_FIXTURES=1` to rewrite it, then `npm test` in app/client.

use anchor_lang::prelude::Pubkey;
use anchor_lang::Event;
use base64::Engine;
use covenant::events::{GrantCreated, Spent};
use covenant::policy::{ReleaseSchedule, Tranche};
use covenant::state::{DecisionRecord, Treasury};

fn key(byte: u8) -> Pubkey {
    Pubkey::new_from_array([byte; 32])
}

/// What `emit_cpi!` sends as the self-CPI's instruction data.
fn cpi_data(event: &impl Event) -> String {
    let mut data = anchor_lang::event::EVENT_IX_TAG_LE.to_vec();
    data.extend(event.data());
    base64::engine::general_purpose::STANDARD.encode(data)
}

#[test]
fn the_client_fixtures_are_what_the_program_emits() {
    let spent = Spent {
        treasury: key(1),
        keeper: key(2),
        asset: Pubkey::default(),
        recipient: key(3),
        amount: 1_500_000_000,
        category: Some("inference".into()),
        window_start: 1_796_000_000,
        window_spent: 2_000_000_000,
        vault_balance: 7_000_000_000,
        decision: DecisionRecord { model_hash: [4; 32], decision_hash: [5; 32] },
        pending_id: None,
    };
    let grant = GrantCreated {
        treasury: key(1),
        grant: key(6),
        donor: key(7),
        grant_id: 9,
        asset: key(8),
        amount: 50_000_000_000,
        schedule: ReleaseSchedule::Tranches {
            tranches: vec![Tranche { at: 1_796_000_000, bps: 4_000 }, Tranche { at: 1_797_000_000, bps: 10_000 }],
        },
        payees: vec![key(3)],
        per_tx_cap: Some(10_000_000_000),
        expires_at: 1_800_000_000,
    };
    let fixture = serde_json::json!({
        "program": covenant::ID.to_string(),
        // The program's own vault seeds, for the client's generated `findVaultPda`.
        "vault_of_treasury_1": Pubkey::find_program_address(&[Treasury::VAULT_SEED, key(1).as_ref()], &covenant::ID).0.to_string(),
        "events": [
            {"name": "Spent", "data": cpi_data(&spent)},
            {"name": "GrantCreated", "data": cpi_data(&grant)},
        ],
    });
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../app/client/test/fixtures/events.json");
    let text = serde_json::to_string_pretty(&fixture).expect("json") + "\n";
    if std::env::var_os("COVENANT_WRITE_FIXTURES").is_some() {
        std::fs::create_dir_all(path.parent().expect("parent")).expect("fixtures dir");
        std::fs::write(&path, &text).expect("writes the fixture");
    }
    let on_disk = std::fs::read_to_string(&path).unwrap_or_default();
    assert_eq!(on_disk, text, "{} is stale: run this test with COVENANT_WRITE_FIXTURES=1", path.display());
}

//! The guard and the program agree: over a seeded random stream of payments and clock steps,
//! everything the guard passes lands, and everything it refuses the program refuses too.

mod common;

use anchor_lang::prelude::Pubkey;
use common::{World, HOUR, SOL};
use covenant::constants::SOL_ASSET;
use covenant_keeper::act;
use covenant_keeper::decide::Intent;
use covenant_keeper::guard::{Guard, Verdict};
use covenant_keeper::ops;
use solana_signer::Signer;

const PAYEE: &str = r#"
[[payee]]
recipient = "RECIPIENT"
label = "image api"
category = "dev"
budget = 3_000_000_000
"#;

#[tokio::test]
async fn whatever_the_guard_passes_lands_and_whatever_it_refuses_the_program_refuses() {
    let budgeted = Pubkey::new_unique();
    let plain = Pubkey::new_unique();
    // `plain` is a scheduled-payment recipient, so the keeper reads its balance (the rent rule).
    let config = PAYEE.replace("RECIPIENT", &budgeted.to_string()) + &common::payment("plain", &plain, SOL, false);
    let world = World::new(&config, 9 * SOL).await;
    let keeper = world.keeper();
    let amounts = [1_000, SOL / 3, SOL, 14 * SOL / 10, 16 * SOL / 10, 25 * SOL / 10];
    let steps = [0, 0, HOUR, 12 * HOUR, 24 * HOUR];
    let mut seed = 0x2545_f491_4f6c_dd1du64;
    let mut next = |bound: usize| {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        (seed % bound as u64) as usize
    };
    let (mut passed, mut refused) = (0, 0);
    for round in 0..48 {
        world.chain.warp_seconds(steps[next(steps.len())]).await.unwrap();
        let recipient = if next(2) == 0 { budgeted } else { plain };
        let amount = amounts[next(amounts.len())];
        let intent = Intent::Pay {
            schedule: format!("round-{round}"),
            recipient,
            asset: SOL_ASSET,
            amount,
            partial: false,
            purpose: "agreement test".into(),
        };
        let snapshot = keeper.observe().await.expect("observe");
        let verdict = Guard::new(&snapshot).check(&intent);
        // Send what the guard would send; for a refusal, force the plain spend it refused.
        let sent = verdict.intent().cloned().unwrap_or_else(|| intent.clone());
        let ixs = act::instructions(&sent, &snapshot, &world.keeper.pubkey(), Default::default()).unwrap();
        let result = ops::submit(world.chain.as_ref(), &ixs, &world.keeper, &[]).await;
        match &verdict {
            Verdict::Pass { .. } => {
                passed += 1;
                assert!(result.is_ok(), "round {round}: guard passed {sent:?} but the program said {result:?}");
            }
            Verdict::Refused { code, .. } => {
                refused += 1;
                assert!(result.is_err(), "round {round}: guard refused ({code}) but the program accepted {sent:?}");
            }
            Verdict::Clamped { .. } => panic!("nothing is partial here"),
        }
    }
    assert!(passed >= 10 && refused >= 10, "both sides exercised: {passed} passed, {refused} refused");
}

//! Rule 2 under random sequences: seeded runs of spends (single and batched), too-large amounts
//! and clock jumps, checked step by step against a reference model that knows each window only
//! from the policy's anchor.

use std::collections::HashMap;

use covenant::errors::CovenantError;
use covenant::policy::PolicyLimits;
use covenant_tests::{limits, Harness, Rng, TxFailure};
use solana_instruction_error::InstructionError;
use solana_keypair::Keypair;
use solana_signer::Signer;
use solana_transaction_error::TransactionError;

const PER_TX_MAX: u64 = 5_000_000;
const CAP: u64 = 12_000_000;
const PERIOD: u32 = 3_600;

fn refusal_code(failure: &TxFailure) -> Option<u32> {
    match failure.error {
        TransactionError::InstructionError(_, InstructionError::Custom(code)) => Some(code),
        _ => None,
    }
}

async fn run(seed: u64) {
    let limits = PolicyLimits { period_seconds: PERIOD, ..limits(PER_TX_MAX, CAP) };
    let mut h = Harness::with_sol_policy(limits, 1_000_000_000).await;
    let anchor = h.sol_policy().await.window.start;
    let recipient = Keypair::new().pubkey();
    let mut rng = Rng(seed);
    let mut used: HashMap<i64, u64> = HashMap::new();
    let mut paid = 0u64;
    let mut nonce = 0u64;

    for _ in 0..60 {
        if rng.below(4) == 0 {
            h.bank.warp_seconds(rng.below(2 * u64::from(PERIOD)) as i64).await;
            continue;
        }
        let batch = 1 + rng.below(3) as usize;
        let amounts: Vec<u64> = (0..batch).map(|_| rng.below(PER_TX_MAX + PER_TX_MAX / 2)).collect();
        let ixs: Vec<_> = amounts
            .iter()
            .map(|amount| {
                nonce += 1;
                h.spend_sol_ix(recipient, *amount, nonce)
            })
            .collect();

        let window = (h.bank.now().await - anchor).div_euclid(i64::from(PERIOD));
        let mut expected_used = used.get(&window).copied().unwrap_or(0);
        let mut expected_ok = true;
        for amount in &amounts {
            let fits = *amount > 0 && *amount <= PER_TX_MAX && expected_used + amount <= CAP;
            if !fits {
                expected_ok = false;
                break;
            }
            expected_used += amount;
        }

        let result = h.bank.send(&ixs, &[&h.roles.keeper]).await;
        match &result {
            Ok(_) => {
                assert!(expected_ok, "seed {seed}: chain accepted {amounts:?} in window {window}");
                used.insert(window, expected_used);
                paid += amounts.iter().sum::<u64>();
            }
            Err(failure) => {
                assert!(!expected_ok, "seed {seed}: chain refused {amounts:?}: {failure:?}");
                let known =
                    [CovenantError::ZeroAmount, CovenantError::ExceedsPerTxMax, CovenantError::ExceedsPeriodCap]
                        .map(u32::from);
                assert!(refusal_code(failure).is_some_and(|code| known.contains(&code)), "{failure:?}");
            }
        }
        assert!(used.values().all(|total| *total <= CAP));
        assert_eq!(h.bank.lamports(recipient).await, paid, "seed {seed}");
    }
    assert!(paid > 0, "seed {seed} exercised no successful spend");
}

#[tokio::test]
async fn random_spend_sequences_match_the_reference_model() {
    for seed in [0x9E37_79B9_7F4A_7C15, 42, 7_777_777] {
        run(seed).await;
    }
}

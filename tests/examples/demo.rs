//! The program-level demo: an agent treasury's life on an in-process Solana bank (the real
//! runtime, SPL Token and Token-2022; no validator, no wallet). Every step is checked, so the demo
//! exits non-zero if the chain ever behaves differently from what it prints.
//!
//! Run: `cargo run -p covenant-tests --example demo`

use std::fs::File;
use std::io::Write;
use std::os::fd::FromRawFd;
use std::sync::{Mutex, OnceLock};

use anchor_lang::prelude::Pubkey;
use covenant::events::{DonationReceived, Spent};
use covenant::instructions::AddPayeeArgs;
use covenant::policy::{window_resets_at, PayeeBudget, PolicyLimits};
use covenant::sdk;
use covenant_tests::bank::SOL;
use covenant_tests::fixture::DAY;
use covenant_tests::idl::describe;
use covenant_tests::{Events, Harness, TxFailure};
use solana_keypair::Keypair;
use solana_signer::Signer;

const STEPS: usize = 9;

/// The story's own output. Natively, the program's `msg!` lines print to stdout (on chain they go
/// to the transaction log), so the demo keeps a handle on the real stdout and silences fd 1.
static STORY: OnceLock<Mutex<File>> = OnceLock::new();

macro_rules! say {
    ($($arg:tt)*) => {{
        let mut out = STORY.get().expect("story output set up").lock().unwrap_or_else(|e| e.into_inner());
        let _ = writeln!(out, $($arg)*);
    }};
}

fn silence_program_logs() {
    // SAFETY: plain fd duplication on fds this process owns; nothing else holds fd 1 across it.
    let story = unsafe {
        let saved = libc::dup(1);
        let null = libc::open(c"/dev/null".as_ptr(), libc::O_WRONLY);
        if saved < 0 || null < 0 || libc::dup2(null, 1) < 0 {
            eprintln!("demo: cannot redirect program logs");
            std::process::exit(1);
        }
        libc::close(null);
        File::from_raw_fd(saved)
    };
    let _ = STORY.set(Mutex::new(story));
}

fn sol(lamports: u64) -> String {
    format!("{}.{:03} SOL", lamports / SOL, lamports % SOL / 1_000_000)
}

fn step(n: usize, what: &str) {
    say!("\n[{n}/{STEPS}] {what}");
}

fn accepted(result: Result<Events, TxFailure>, what: &str) -> Events {
    match result {
        Ok(events) => {
            say!("      ✓ {what}");
            events
        }
        Err(failure) => {
            eprintln!("demo: '{what}' was refused ({}), which the story does not expect", describe(&failure.error));
            std::process::exit(1);
        }
    }
}

fn refused(result: Result<Events, TxFailure>, what: &str, expected: &str) {
    match result {
        Err(failure) if describe(&failure.error) == expected => {
            say!("      ✗ {what}: refused by the program ({expected})")
        }
        Err(failure) => {
            eprintln!("demo: '{what}' failed with {} instead of {expected}", describe(&failure.error));
            std::process::exit(1);
        }
        Ok(_) => {
            eprintln!("demo: '{what}' went through; the program should have refused it");
            std::process::exit(1);
        }
    }
}

#[tokio::main(flavor = "current_thread")]
async fn main() {
    // program-test's logger defaults to debug for the runtime; the story is the output here.
    if std::env::var_os("RUST_LOG").is_none() {
        std::env::set_var("RUST_LOG", "error");
    }
    silence_program_logs();
    say!("Covenant: on-chain spend policies for an autonomous agent, on an in-process Solana bank.");

    step(1, "The operator creates the agent's treasury (keeper = the agent's hot key, plus a guardian)");
    let mut h = Harness::new().await;
    say!("      treasury {}\n      vault    {}  (donors send here)", h.treasury.treasury, h.treasury.vault);

    step(2, "The operator sets the SOL policy");
    let limits = PolicyLimits {
        per_tx_max: SOL / 2,
        period_seconds: DAY,
        period_cap: SOL,
        cosign_threshold: Some(2 * SOL / 5),
        timelock_seconds: 3_600,
        allowlist_required: true,
    };
    accepted(
        h.as_operator(sdk::create_sol_policy(&h.treasury, limits)).await,
        "≤ 0.5 SOL per spend, ≤ 1 SOL per day, co-sign above 0.4 SOL, allowlisted payees only",
    );

    step(3, "The operator allowlists the developer who builds the agent's image API");
    let developer = Keypair::new().pubkey();
    let payee = AddPayeeArgs {
        recipient: developer,
        label: "image API developer".into(),
        category: "dev".into(),
        budget: Some(PayeeBudget { asset: Pubkey::default(), amount: SOL }),
        expires_at: None,
    };
    accepted(h.as_operator(sdk::add_payee(&h.treasury, payee)).await, "developer: category 'dev', budget 1 SOL");

    step(4, "A donor sends a no-strings grant of 5 SOL");
    let ix = sdk::donate_sol(&h.treasury, h.roles.donor.pubkey(), 5 * SOL, "no strings".into(), true);
    let events = accepted(h.as_donor(ix).await, "donation recorded");
    say!("      vault: {}", sol(events.one::<DonationReceived>().vault_balance));

    step(5, "The agent pays its developer");
    let events = accepted(h.as_keeper(h.spend_sol_ix(developer, 2 * SOL / 5, 1)).await, "0.4 SOL to the developer");
    let spent = events.one::<Spent>();
    say!(
        "      window used {} of {}; decision record on chain: model {:02x?}…",
        sol(spent.window_spent),
        sol(SOL),
        &spent.decision.model_hash[..4]
    );

    step(6, "A runaway model tries to overspend; the chain refuses every attempt");
    let stranger = Keypair::new().pubkey();
    refused(
        h.as_keeper(h.spend_sol_ix(stranger, SOL / 10, 2)).await,
        "0.1 SOL to an unknown wallet",
        "PayeeNotAllowlisted",
    );
    refused(h.as_keeper(h.spend_sol_ix(developer, SOL / 2, 3)).await, "0.5 SOL in one go", "CosignRequired");
    accepted(h.as_keeper(h.spend_sol_ix(developer, 2 * SOL / 5, 4)).await, "another 0.4 SOL to the developer");
    refused(h.as_keeper(h.spend_sol_ix(developer, 3 * SOL / 10, 5)).await, "0.3 SOL more today", "ExceedsPeriodCap");

    step(7, "The guardian pauses the treasury; nothing leaves, gifts still arrive");
    accepted(h.as_guardian(sdk::pause(&h.treasury, h.roles.guardian.pubkey())).await, "paused by the guardian");
    refused(h.as_keeper(h.spend_sol_ix(developer, SOL / 10, 6)).await, "0.1 SOL while paused", "TreasuryPaused");
    let ix = sdk::donate_sol(&h.treasury, h.roles.donor.pubkey(), SOL, "keep going".into(), true);
    accepted(h.as_donor(ix).await, "1 SOL donation while paused");

    step(8, "Next day the operator unpauses; the window has reset");
    let policy = h.sol_policy().await;
    let now = h.bank.now().await;
    let reset = window_resets_at(policy.window, DAY, now).unwrap_or(now);
    h.bank.warp_seconds(reset - now).await;
    accepted(h.as_operator(sdk::unpause(&h.treasury)).await, "unpaused by the operator");
    refused(
        h.as_keeper(h.spend_sol_ix(developer, 3 * SOL / 10, 7)).await,
        "0.3 SOL to the developer",
        "PayeeBudgetExceeded",
    );
    accepted(h.as_keeper(h.spend_sol_ix(developer, SOL / 5, 8)).await, "the last 0.2 SOL of the developer's budget");

    step(9, "Report, read back from the chain");
    let policy = h.sol_policy().await;
    let payee = h.payee(developer).await;
    let treasury = h.treasury_state().await;
    let vault = h.vault_spendable().await;
    say!("      {:<28} {:>14}", "received (recorded)", sol(policy.total_received));
    say!("      {:<28} {:>14}", "spent", sol(policy.total_spent));
    say!("      {:<28} {:>14}", "vault balance", sol(vault));
    say!("      {:<28} {:>14}", "developer paid", sol(payee.terms.spent));
    say!("      {:<28} {:>14}", "donations", treasury.donation_count);
    let consistent = policy.total_received == 6 * SOL && policy.total_spent == SOL && vault == 5 * SOL;
    if !consistent {
        eprintln!("demo: the chain's figures do not add up");
        std::process::exit(1);
    }
    say!("\nEvery refusal above came from the program itself: the keeper's key alone can never exceed the policy.");
}

//! The keeper under a bounty that takes disputes: it approves, pays each approval once its
//! challenge window has passed, holds one that is under dispute, and pays it once a ruling leaves
//! it approved.

mod common;

use common::{World, HOUR, SOL};
use covenant::sdk;
use covenant::state::{Claim, DisputeState, DisputeTerms};
use covenant_keeper::ops;
use solana_keypair::Keypair;
use solana_signer::Signer;

const REWARD: u64 = SOL / 10;
const BOND: u64 = SOL / 20;

#[tokio::test]
async fn approvals_pay_after_the_window_and_a_disputed_one_waits_for_its_ruling() {
    let world = World::new("", 10 * SOL).await;
    let arbiter = Keypair::new();
    let terms = DisputeTerms { challenge_window: HOUR, bond: BOND, arbiter: Some(arbiter.pubkey()) };
    let bounty = world.open_bounty_on(0, REWARD, 5, false, terms).await;
    let (kept, challenged) = (world.claim(bounty, true).await, world.claim(bounty, true).await);
    let before = [world.lamports(kept.pubkey()).await, world.lamports(challenged.pubkey()).await];
    let mut keeper = world.keeper();
    let report = keeper.tick().await.expect("tick");
    for fan in [&kept, &challenged] {
        let claim: Claim = world.account(sdk::claim_address(&bounty, &fan.pubkey())).await;
        assert_eq!((claim.status, claim.paid), (covenant::policy::ClaimStatus::Approved, false), "{report:?}");
    }
    assert_eq!(world.lamports(kept.pubkey()).await, before[0], "approved, not yet paid");

    // The donor thinks the second photo is fake and challenges it.
    let challenge = sdk::dispute_claim(world.donor.pubkey(), bounty, challenged.pubkey(), BOND);
    ops::submit(world.chain.as_ref(), &[challenge], &world.donor, &[]).await.expect("challenged");
    keeper.tick().await.expect("tick inside the window");
    let shown = covenant_keeper::status::render(&keeper.observe().await.expect("snapshot"), &[]);
    assert!(
        shown.lines().any(|line| line.contains("Approved") && line.contains("Open")),
        "status shows the dispute:\n{shown}"
    );
    assert_eq!(world.lamports(kept.pubkey()).await, before[0], "nothing pays inside the window");

    world.chain.warp_seconds(HOUR).await.expect("warp");
    let report = keeper.tick().await.expect("tick after the window");
    assert_eq!(world.lamports(kept.pubkey()).await, before[0] + REWARD, "the undisputed one is paid: {report:?}");
    assert_eq!(world.lamports(challenged.pubkey()).await, before[1], "the disputed one is held: {report:?}");

    let fund = solana_system_interface::instruction::transfer(&world.donor.pubkey(), &arbiter.pubkey(), SOL);
    ops::submit(world.chain.as_ref(), &[fund], &world.donor, &[]).await.expect("arbiter funded");
    let rule = sdk::rule_dispute(&world.t, arbiter.pubkey(), bounty, challenged.pubkey(), world.donor.pubkey(), false);
    ops::submit(world.chain.as_ref(), &[rule], &arbiter, &[]).await.expect("upheld");
    keeper.tick().await.expect("tick after the ruling");
    assert_eq!(world.lamports(challenged.pubkey()).await, before[1] + BOND + REWARD, "bond and reward");
    let claim: Claim = world.account(sdk::claim_address(&bounty, &challenged.pubkey())).await;
    assert_eq!((claim.paid, claim.dispute), (true, DisputeState::Upheld));
    keeper.tick().await.expect("another tick");
    assert_eq!(world.lamports(challenged.pubkey()).await, before[1] + BOND + REWARD, "paid once");
}

//! Reputation derived from events: a treasury's story (a payment, an honest claim, a fake photo
//! caught on challenge, a rejection overturned on appeal, an appeal lost) folded from the events
//! the program emitted, in order, gives each account's record and the agent's.

use anchor_lang::prelude::Pubkey;
use covenant::sdk;
use covenant::sdk::reputation::{AgentStanding, Reputation, Standing};
use covenant_tests::bank::SOL;
use covenant_tests::decision;
use covenant_tests::events::Events;
use solana_signer::Signer;

use crate::disputes::{Disputed, BOND, REWARD, WINDOW};

fn fold(reputation: &mut Reputation, events: &Events) {
    for payload in events.payloads() {
        reputation.apply(payload);
    }
}

fn sol(amount: u64) -> std::collections::BTreeMap<String, u64> {
    [("SOL".to_string(), amount)].into()
}

#[tokio::test]
async fn each_accounts_record_and_the_agents_are_folded_from_the_events_alone() {
    let mut d = Disputed::open(4).await;
    let mut reputation = Reputation::default();
    let (honest, faker, wronged, sore_loser) =
        (d.claimant().await, d.claimant().await, d.claimant().await, d.claimant().await);
    let (stranger, guardian) = (d.stranger(), d.guardian());
    let keeper = d.h.roles.keeper.pubkey();

    let spent = d.h.as_keeper(sdk::spend_sol(&d.h.treasury, keeper, stranger, SOL, decision(5))).await.expect("paid");
    fold(&mut reputation, &spent);
    for (fan, approve) in [(&honest, true), (&faker, true), (&wronged, false), (&sore_loser, false)] {
        let ix = if approve { d.approve(fan) } else { d.reject(fan) };
        fold(&mut reputation, &d.h.as_keeper(ix).await.expect("judged"));
    }
    // The fake photo is challenged and the approval overturned; one rejection is overturned on
    // appeal and paid; the other appeal is upheld.
    fold(&mut reputation, &d.h.as_stranger(d.dispute(stranger, &faker, BOND)).await.expect("challenged"));
    fold(&mut reputation, &d.h.as_guardian(d.rule(guardian, &faker, stranger, true)).await.expect("overturned"));
    for (fan, overturn) in [(&wronged, true), (&sore_loser, false)] {
        let appeal = d.h.bank.send(&[d.dispute(fan.pubkey(), fan, BOND)], &[fan]).await.expect("appealed");
        fold(&mut reputation, &appeal);
        fold(&mut reputation, &d.h.as_guardian(d.rule(guardian, fan, fan.pubkey(), overturn)).await.expect("ruled"));
    }
    fold(&mut reputation, &d.h.as_stranger(d.pay(&wronged)).await.expect("paid on appeal"));
    d.h.bank.warp_seconds(WINDOW).await;
    fold(&mut reputation, &d.h.as_stranger(d.pay(&honest)).await.expect("paid after the window"));

    let record = |account: Pubkey| reputation.accounts.get(&account.to_string()).cloned().unwrap_or_default();
    assert_eq!(record(honest.pubkey()), Standing { claims_paid: 1, rewards: sol(REWARD), ..Standing::default() });
    assert_eq!(
        record(faker.pubkey()),
        Standing { claims_rejected: 1, approvals_overturned: 1, ..Standing::default() },
        "caught: rejected, never paid"
    );
    assert_eq!(
        record(wronged.pubkey()),
        Standing { claims_paid: 1, rewards: sol(REWARD), appeals_won: 1, ..Standing::default() },
        "the overturned rejection no longer counts against it"
    );
    assert_eq!(record(sore_loser.pubkey()), Standing { claims_rejected: 1, appeals_lost: 1, ..Standing::default() });
    assert_eq!(
        record(stranger),
        Standing { challenges_won: 1, payments: 1, paid_to: sol(SOL), ..Standing::default() },
        "a payee and a challenger at once"
    );
    assert_eq!(
        reputation.agents.get(&d.h.treasury.treasury.to_string()).cloned().unwrap_or_default(),
        AgentStanding {
            decisions: 5,
            disputes_opened: 3,
            decisions_upheld: 1,
            decisions_overturned: 2,
            disputes_lapsed: 0
        }
    );
    // What is not an event of the program changes nothing.
    let before = reputation.clone();
    reputation.apply(&[1, 2, 3]);
    reputation.apply(&[0; 40]);
    assert_eq!(reputation, before);
}

#[tokio::test]
async fn a_lapsed_dispute_counts_for_no_side() {
    let mut d = Disputed::open(1).await;
    let mut reputation = Reputation::default();
    let fan = d.claimant().await;
    let stranger = d.stranger();
    fold(&mut reputation, &d.h.as_keeper(d.approve(&fan)).await.expect("approved"));
    fold(&mut reputation, &d.h.as_stranger(d.dispute(stranger, &fan, BOND)).await.expect("challenged"));
    d.h.bank.warp_seconds(covenant::constants::DISPUTE_RULING_SECONDS).await;
    fold(&mut reputation, &d.h.as_stranger(d.lapse(&fan, stranger)).await.expect("lapsed"));
    fold(&mut reputation, &d.h.as_stranger(d.pay(&fan)).await.expect("the decision stands"));
    let record = |account: Pubkey| reputation.accounts.get(&account.to_string()).cloned().unwrap_or_default();
    assert_eq!(record(stranger), Standing { disputes_lapsed: 1, ..Standing::default() });
    assert_eq!(record(fan.pubkey()), Standing { claims_paid: 1, rewards: sol(REWARD), ..Standing::default() });
    let agent = reputation.agents.get(&d.h.treasury.treasury.to_string()).cloned().unwrap_or_default();
    assert_eq!((agent.disputes_opened, agent.disputes_lapsed, agent.decisions_overturned), (1, 1, 0));
}

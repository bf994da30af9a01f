//! Disputes: the terms, who may dispute when, what each ruling does, and a model of a bounty run
//! through random decisions, disputes and rulings that never pays more than it holds.

use anchor_lang::prelude::Pubkey;
use proptest::prelude::*;

use super::super::*;
use crate::errors::CovenantError;
use crate::state::{DisputeKind, DisputeState};

const WINDOW: i64 = 3_600;

#[test]
fn dispute_terms_need_a_window_a_bond_and_an_arbiter_who_is_not_the_keeper() {
    let (keeper, guardian, named) = (Pubkey::new_unique(), Pubkey::new_unique(), Pubkey::new_unique());
    assert_eq!(dispute_arbiter(0, 0, None, Some(guardian), &keeper), Ok(Pubkey::default()));
    assert_eq!(dispute_arbiter(WINDOW, 5, None, Some(guardian), &keeper), Ok(guardian));
    assert_eq!(dispute_arbiter(WINDOW, 5, Some(named), Some(guardian), &keeper), Ok(named));
    let refused = [
        dispute_arbiter(0, 5, None, Some(guardian), &keeper),
        dispute_arbiter(0, 0, Some(named), Some(guardian), &keeper),
        dispute_arbiter(WINDOW, 0, None, Some(guardian), &keeper),
        dispute_arbiter(WINDOW, 5, None, None, &keeper),
        dispute_arbiter(WINDOW, 5, Some(keeper), Some(guardian), &keeper),
        dispute_arbiter(WINDOW, 5, Some(Pubkey::default()), None, &keeper),
        dispute_arbiter(-1, 5, None, Some(guardian), &keeper),
        dispute_arbiter(crate::constants::MAX_CHALLENGE_WINDOW_SECONDS + 1, 5, None, Some(guardian), &keeper),
    ];
    for terms in refused {
        assert_eq!(terms, Err(CovenantError::InvalidDisputeTerms));
    }
}

#[test]
fn an_unpaid_approval_is_challenged_and_a_rejection_appealed_within_the_window_once() {
    use ClaimStatus::*;
    let open = |status, paid, dispute, now| check_disputable(status, paid, dispute, 100, WINDOW, now);
    assert_eq!(open(Approved, false, DisputeState::None, 100), Ok(DisputeKind::Challenge));
    assert_eq!(open(Rejected, false, DisputeState::None, 100 + WINDOW - 1), Ok(DisputeKind::Appeal));
    assert_eq!(open(Approved, false, DisputeState::None, 100 + WINDOW), Err(CovenantError::ChallengeWindowClosed));
    assert_eq!(open(Pending, false, DisputeState::None, 100), Err(CovenantError::NothingToDispute));
    assert_eq!(open(Approved, true, DisputeState::None, 100), Err(CovenantError::NothingToDispute));
    for done in [DisputeState::Open, DisputeState::Upheld, DisputeState::Overturned, DisputeState::Lapsed] {
        assert_eq!(open(Rejected, false, done, 100), Err(CovenantError::DisputeAlreadyOpened));
    }
    let no_window = check_disputable(Approved, false, DisputeState::None, 100, 0, 100);
    assert_eq!(no_window, Err(CovenantError::DisputesNotEnabled));
    assert_eq!(
        check_disputable(Approved, false, DisputeState::None, i64::MAX, WINDOW, 0),
        Err(CovenantError::ChallengeWindowClosed)
    );
}

#[test]
fn each_ruling_moves_the_bond_to_the_winner_and_a_lapse_lets_the_decision_stand() {
    use {BondTo::*, ClaimStatus::*, DisputeKind::*};
    let table = [
        (Challenge, Some(false), Approved, Claimant, DisputeState::Upheld),
        (Challenge, Some(true), Rejected, Disputer, DisputeState::Overturned),
        (Challenge, None, Approved, Disputer, DisputeState::Lapsed),
        (Appeal, Some(false), Rejected, Vault, DisputeState::Upheld),
        (Appeal, Some(true), Approved, Disputer, DisputeState::Overturned),
        (Appeal, None, Rejected, Disputer, DisputeState::Lapsed),
    ];
    for (kind, overturn, status, bond_to, outcome) in table {
        assert_eq!(settle_dispute(kind, overturn), Settlement { status, bond_to, outcome }, "{kind:?} {overturn:?}");
    }
}

#[test]
fn a_claim_pays_once_after_its_window_and_never_while_disputed() {
    use ClaimStatus::*;
    assert_eq!(check_payable(Approved, false, DisputeState::None, 100, 100), Ok(()));
    assert_eq!(check_payable(Approved, false, DisputeState::Upheld, 100, 200), Ok(()));
    let refused = [
        check_payable(Approved, false, DisputeState::None, 100, 99),
        check_payable(Approved, true, DisputeState::None, 100, 100),
        check_payable(Approved, false, DisputeState::Open, 100, 200),
        check_payable(Rejected, false, DisputeState::Overturned, 100, 200),
        check_payable(Pending, false, DisputeState::None, 0, 200),
    ];
    for payable in refused {
        assert_eq!(payable, Err(CovenantError::ClaimNotPayable));
    }
    assert_eq!(check_bounty_settled(0, 0, 100, 100), Ok(()));
    assert_eq!(check_bounty_settled(1, 0, 0, 100), Err(CovenantError::BountyUnsettled));
    assert_eq!(check_bounty_settled(0, 1, 0, 100), Err(CovenantError::BountyUnsettled));
    assert_eq!(check_bounty_settled(0, 0, 101, 100), Err(CovenantError::BountyUnsettled));
}

/// A bounty's books as the handlers keep them.
#[derive(Default)]
struct Books {
    paid: u64,
    approved: u32,
    owed: u32,
    appeals: u32,
}

#[derive(Clone, Copy, Debug)]
enum Step {
    Approve(usize),
    Reject(usize),
    Dispute(usize),
    Rule(usize, Option<bool>),
    Pay(usize),
}

fn step() -> impl Strategy<Value = Step> {
    let claim = 0usize..8;
    prop_oneof![
        claim.clone().prop_map(Step::Approve),
        claim.clone().prop_map(Step::Reject),
        claim.clone().prop_map(Step::Dispute),
        (claim.clone(), prop::option::of(any::<bool>())).prop_map(|(c, o)| Step::Rule(c, o)),
        claim.prop_map(Step::Pay),
    ]
}

proptest! {
    /// Whatever the keeper, disputers and arbiter do, in any order: every reward paid was approved
    /// and stands, nothing is paid twice, the escrow is never overdrawn, and a ruling that approves
    /// a claim can always pay it.
    #[test]
    fn disputes_never_pay_twice_or_more_than_the_escrow_holds(
        reward in 1u64..1_000,
        max_claims in 1u32..6,
        steps in prop::collection::vec(step(), 0..120),
    ) {
        let funded = bounty_funding(reward, max_claims, 1, 0).unwrap();
        let mut claims = [(ClaimStatus::Pending, false, DisputeState::None, None::<DisputeKind>); 8];
        let mut b = Books::default();
        let free = |b: &Books| (funded - b.paid).saturating_sub(reward * u64::from(b.owed + b.appeals));
        for step in steps {
            match step {
                Step::Approve(c) => {
                    if check_approval(claims[c].0, b.approved + b.appeals, max_claims, free(&b), reward).is_ok() {
                        claims[c].0 = ClaimStatus::Approved;
                        b.approved += 1;
                        b.owed += 1;
                    }
                }
                Step::Reject(c) if claims[c].0 == ClaimStatus::Pending => claims[c].0 = ClaimStatus::Rejected,
                Step::Reject(_) => {}
                Step::Dispute(c) => {
                    let (status, paid, dispute, _) = claims[c];
                    let Ok(kind) = check_disputable(status, paid, dispute, 0, WINDOW, 0) else { continue };
                    if kind == DisputeKind::Appeal {
                        if check_approval(ClaimStatus::Pending, b.approved + b.appeals, max_claims, free(&b), reward).is_err() {
                            continue;
                        }
                        b.appeals += 1;
                    }
                    claims[c].2 = DisputeState::Open;
                    claims[c].3 = Some(kind);
                }
                Step::Rule(c, overturn) => {
                    let (Some(kind), DisputeState::Open) = (claims[c].3, claims[c].2) else { continue };
                    let settled = settle_dispute(kind, overturn);
                    if kind == DisputeKind::Appeal {
                        b.appeals -= 1;
                    }
                    match (claims[c].0 == ClaimStatus::Approved, settled.status == ClaimStatus::Approved) {
                        (true, false) => { b.approved -= 1; b.owed -= 1; }
                        (false, true) => { b.approved += 1; b.owed += 1; }
                        _ => {}
                    }
                    claims[c].0 = settled.status;
                    claims[c].2 = settled.outcome;
                }
                Step::Pay(c) => {
                    let (status, paid, dispute, _) = claims[c];
                    if check_payable(status, paid, dispute, 0, 0).is_ok() {
                        prop_assert!(funded - b.paid >= reward, "an owed reward is always in the escrow");
                        b.paid += reward;
                        b.owed -= 1;
                        claims[c].1 = true;
                    }
                }
            }
            prop_assert!(b.approved + b.appeals <= max_claims);
            prop_assert!(b.paid + reward * u64::from(b.owed + b.appeals) <= funded);
        }
        let paid_claims = claims.iter().filter(|claim| claim.1).count() as u64;
        prop_assert_eq!(paid_claims * reward, b.paid);
        prop_assert!(claims.iter().filter(|claim| claim.1).all(|claim| claim.0 == ClaimStatus::Approved));
    }
}

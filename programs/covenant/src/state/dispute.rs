use anchor_lang::prelude::*;

/// Which decision a dispute contests: an approval (challenged by anyone) or a rejection (appealed
/// by its claimant).
#[derive(AnchorSerialize, AnchorDeserialize, Clone, Copy, Debug, PartialEq, Eq, InitSpace)]
pub enum DisputeKind {
    Challenge,
    Appeal,
}

/// Where a claim stands with disputes. A claim is disputed at most once.
#[derive(AnchorSerialize, AnchorDeserialize, Clone, Copy, Debug, Default, PartialEq, Eq, InitSpace)]
pub enum DisputeState {
    #[default]
    None,
    Open,
    /// The arbiter confirmed the keeper's decision: the disputer's bond went to the other side.
    Upheld,
    /// The arbiter reversed it: the disputer got the bond back and the claim's money moved.
    Overturned,
    /// Nobody ruled by the deadline: the decision stands and the bond went back to the disputer.
    Lapsed,
}

/// One open dispute over one claim: the PDA (claim) holds the disputer's bond above its rent until
/// the arbiter rules or the ruling deadline passes, then closes (rent to the disputer).
#[account]
#[derive(InitSpace, Debug)]
pub struct Dispute {
    pub bounty: Pubkey,
    pub claim: Pubkey,
    pub kind: DisputeKind,
    /// Who posted the bond (for an appeal, the claimant) and paid the rent.
    pub disputer: Pubkey,
    pub bond: u64,
    pub opened_at: i64,
    /// After this, anyone may apply the default (`lapse_dispute`).
    pub ruling_deadline: i64,
    pub bump: u8,
}

impl Dispute {
    pub const SEED: &'static [u8] = b"dispute";

    pub fn find_address(claim: &Pubkey) -> (Pubkey, u8) {
        Pubkey::find_program_address(&[Self::SEED, claim.as_ref()], &crate::ID)
    }
}

/// A bounty's dispute terms, set when it is created and never changed.
#[derive(AnchorSerialize, AnchorDeserialize, Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct DisputeTerms {
    /// Seconds an approval waits before it pays, and a rejection stays appealable (0: no disputes).
    pub challenge_window: i64,
    /// Lamports a challenger or appellant posts.
    pub bond: u64,
    /// Who rules; `None` names the treasury's guardian.
    pub arbiter: Option<Pubkey>,
}

use anchor_lang::prelude::*;

use crate::constants::MAX_RECORDS_URI_LEN;

/// Where a treasury's keeper publishes its decision records (`<uri>/decisions/<decision hash>`):
/// clients find them from the chain alone. The PDA (treasury) has one per treasury; the operator
/// sets it and pays its rent.
#[account]
#[derive(InitSpace, Debug)]
pub struct RecordsLocation {
    pub treasury: Pubkey,
    #[max_len(MAX_RECORDS_URI_LEN)]
    pub uri: String,
    pub updated_at: i64,
    pub bump: u8,
}

impl RecordsLocation {
    pub const SEED: &'static [u8] = b"records";

    pub fn find_address(treasury: &Pubkey) -> (Pubkey, u8) {
        Pubkey::find_program_address(&[Self::SEED, treasury.as_ref()], &crate::ID)
    }

    /// A base URL that a browser or the keeper can fetch from: http(s) or IPFS, no trailing slash.
    pub fn uri_is_valid(uri: &str) -> bool {
        let schemes = ["https://", "http://", "ipfs://"];
        (1..=MAX_RECORDS_URI_LEN).contains(&uri.len())
            && schemes.iter().any(|scheme| uri.len() > scheme.len() && uri.starts_with(scheme))
            && !uri.ends_with('/')
            && uri.chars().all(|c| c.is_ascii_graphic())
    }
}

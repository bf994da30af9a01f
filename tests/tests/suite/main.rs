//! Covenant's integration suites, one module per feature, in one test binary (one link, one
//! runtime build) against the real Solana runtime.

mod accounts;
mod bounties;
mod config_timelock;
mod coverage;
mod disputes;
mod disputes_more;
mod donations;
mod escrow_dust;
mod grants;
mod key_sequences;
mod markers;
mod meme;
mod meme_sizes;
mod pause;
mod payees;
mod pending;
mod policies;
mod prefund;
mod proof_records;
mod records_location;
mod reputation;
mod rotation;
mod sequences;
mod spend_sol;
mod stale_requests;
mod swaps;
mod token_bounties;
mod token_grants;
mod tokens;
mod treasury;
mod usd_caps;
mod worst_case;

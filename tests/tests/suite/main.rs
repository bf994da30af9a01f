//! Covenant's integration suites, one module per feature, in one test binary (one link, one
//! runtime build) against the real Solana runtime.

mod accounts;
mod bounties;
mod coverage;
mod donations;
mod grants;
mod meme;
mod pause;
mod payees;
mod pending;
mod policies;
mod sequences;
mod spend_sol;
mod token_bounties;
mod token_grants;
mod tokens;
mod treasury;

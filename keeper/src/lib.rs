//! Covenant's agent keeper: observe the chain → decide with a model → guard every proposal with
//! the program's own policy functions → act (idempotently) → report.

pub mod act;
pub mod agent;
pub mod app;
pub mod chain;
pub mod cli;
pub mod cluster;
pub mod commands;
pub mod config;
pub mod context;
pub mod decide;
pub mod dollars;
pub mod errors;
pub mod exactly_once;
pub mod files;
pub mod fleet;
pub mod guard;
pub mod journal;
pub mod keeper;
pub mod mcp;
pub mod metrics;
pub mod model;
pub mod observe;
pub mod ops;
pub mod output;
pub mod proofs;
pub mod records;
pub mod reputation;
pub mod requests;
pub mod setup;
pub mod signers;
pub mod sim;
pub mod status;
pub mod swaps;
pub mod units;
pub mod x402;

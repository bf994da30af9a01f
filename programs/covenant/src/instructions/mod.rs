//! Instructions grouped by who signs them.

pub mod bounty;
pub(crate) mod config_gate;
pub mod crank;
pub(crate) mod create;
pub mod donor;
pub(crate) mod escrow;
pub mod grant;
pub mod guardian;
pub mod keeper;
pub mod market;
pub mod meme;
pub mod operator;
pub(crate) mod rent;
pub(crate) mod usd_gate;
pub mod vault;

pub use bounty::*;
pub use crank::*;
pub use donor::*;
pub use grant::*;
pub use guardian::*;
pub use keeper::*;
pub use market::*;
pub use meme::*;
pub use operator::*;

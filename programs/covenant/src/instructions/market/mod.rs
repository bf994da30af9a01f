//! Dollars and swaps: the operator's USD caps, price feeds and swap venues, and the keeper's swap.

mod set_usd_rules;
mod swap;

pub use set_usd_rules::*;
pub use swap::*;

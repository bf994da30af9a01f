//! The spend-policy math as pure functions: the program enforces with them and the keeper imports
//! the very same functions to check a proposal before it signs anything.
//!
//! Everything here is checked arithmetic returning `CovenantError`, with no account access, so it is
//! unit- and property-tested in isolation.

mod bounty;
mod config;
mod dispute;
mod grant;
mod limits;
mod marker;
mod mint;
mod payee;
mod pending;
mod price;
mod window;

#[cfg(test)]
mod tests;

pub use bounty::*;
pub use config::*;
pub use dispute::*;
pub use grant::*;
pub use limits::*;
pub use marker::*;
pub use mint::*;
pub use payee::*;
pub use pending::*;
pub use price::*;
pub use window::*;

use crate::errors::CovenantError;

pub type PolicyResult<T> = core::result::Result<T, CovenantError>;

//! The parts of `spl-math` 0.1.0 the curves use (Apache-2.0, solana-program-library), carried here
//! so the port depends on no crate built on an older Solana SDK.
#![allow(missing_docs)]

pub mod approximations;
pub mod checked_ceil_div;
pub mod precise_number;
pub mod uint;

mod bounty;
mod config_change;
mod dispute;
mod grant;
mod marker;
mod meme;
mod payee;
mod pending;
mod policy;
mod records;
mod treasury;
mod usd_policy;

pub use bounty::*;
pub use config_change::*;
pub use dispute::*;
pub use grant::*;
pub use marker::*;
pub use meme::*;
pub use payee::*;
pub use pending::*;
pub use policy::*;
pub use records::*;
pub use treasury::*;
pub use usd_policy::*;

use anchor_lang::prelude::*;

/// What a keeper action carries so a donor can audit which model decided it: the hash of the model
/// file and a hash over the inputs and outputs of that decision (both computed by the keeper).
#[derive(AnchorSerialize, AnchorDeserialize, Clone, Copy, Debug, Default, PartialEq, Eq, InitSpace)]
pub struct DecisionRecord {
    pub model_hash: [u8; 32],
    pub decision_hash: [u8; 32],
}

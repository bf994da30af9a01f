mod cancel_pending;
mod pause;

pub use cancel_pending::*;
pub use pause::*;

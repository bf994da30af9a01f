mod cancel_config_change;
mod cancel_pending;
mod pause;

pub use cancel_config_change::*;
pub use cancel_pending::*;
pub use pause::*;

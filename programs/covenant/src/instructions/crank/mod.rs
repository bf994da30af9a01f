mod close_pending;

pub use close_pending::*;

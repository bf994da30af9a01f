mod pause;

pub use pause::*;

use anchor_lang::prelude::*;

/// The asset key under which native SOL policies are stored (mints use their own address).
pub const SOL_ASSET: Pubkey = Pubkey::new_from_array([0; 32]);

pub const MAX_LABEL_LEN: usize = 32;
pub const MAX_CATEGORY_LEN: usize = 16;
pub const MAX_MEMO_LEN: usize = 64;

/// A window longer than a leap year is almost certainly a unit mistake (ms for s).
pub const MAX_PERIOD_SECONDS: u32 = 366 * 24 * 60 * 60;
/// Timelocks beyond 30 days would strand funds behind a pending spend nobody can run.
pub const MAX_TIMELOCK_SECONDS: u32 = 30 * 24 * 60 * 60;
pub const MAX_PURPOSE_LEN: usize = 64;
/// How long a matured pending spend stays executable before it expires.
pub const PENDING_GRACE_SECONDS: i64 = 7 * 24 * 60 * 60;

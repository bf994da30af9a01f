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
/// The longest a loosening config change can be made to wait (as for pending spends).
pub const MAX_CONFIG_TIMELOCK_SECONDS: u32 = 30 * 24 * 60 * 60;
pub const MAX_PURPOSE_LEN: usize = 64;
/// How long a matured pending spend stays executable before it expires.
pub const PENDING_GRACE_SECONDS: i64 = 7 * 24 * 60 * 60;
/// How long a matured queued config change stays executable before it expires: a spare request
/// cannot wait months for the moment it helps a thief.
pub const CONFIG_CHANGE_GRACE_SECONDS: i64 = 7 * 24 * 60 * 60;
/// What a guardian override (an unpause or guardian change the guardian cannot cancel) waits on top
/// of the config timelock: slower than any change the guardian can veto, and a week for the
/// operator to see and cancel a thief's. It bounds how long a guardian alone can freeze a treasury.
pub const GUARDIAN_OVERRIDE_DELAY_SECONDS: i64 = 7 * 24 * 60 * 60;

/// Token-metadata limits for a launched meme token (kept small: the mint pays rent for every byte).
pub const MAX_TOKEN_NAME_LEN: usize = 32;
pub const MAX_TOKEN_SYMBOL_LEN: usize = 10;
pub const MAX_TOKEN_URI_LEN: usize = 200;
/// More decimals than SOL's nine leave too little room in a u64 supply for a useful cap.
pub const MAX_TOKEN_DECIMALS: u8 = 9;
/// Bounties: how many claims one bounty may pay, how long it may run, and its text fields.
pub const MAX_BOUNTY_CLAIMS: u32 = 10_000;
pub const MAX_BOUNTY_DURATION_SECONDS: i64 = 366 * 24 * 60 * 60;
pub const MAX_BOUNTY_DESCRIPTION_LEN: usize = 96;
pub const MAX_PROOF_URI_LEN: usize = 128;
/// After a bounty's deadline the keeper still reviews claims submitted in time; only the operator
/// may close it during this window, anyone (a crank) after it.
pub const BOUNTY_REVIEW_SECONDS: i64 = 3 * 24 * 60 * 60;

/// Named recipients of an initial allocation: each costs two accounts (64 bytes); with 6 the launch
/// transaction is 1,179 bytes of the 1,232 allowed (measured by a test).
pub const MAX_INITIAL_RECIPIENTS: usize = 6;

/// Grants: tranche count, named payees, and the unit tranche shares are given in.
pub const MAX_TRANCHES: usize = 8;
pub const MAX_GRANT_PAYEES: usize = 4;
pub const BPS_DENOMINATOR: u64 = 10_000;

/// Disputes: the longest challenge window a bounty may set (its approvals wait this long before
/// they pay), and how long the arbiter has to rule before the default applies (see `Dispute`).
pub const MAX_CHALLENGE_WINDOW_SECONDS: i64 = 30 * 24 * 60 * 60;
pub const DISPUTE_RULING_SECONDS: i64 = 7 * 24 * 60 * 60;
/// The base URI of a treasury's published decision records.
pub const MAX_RECORDS_URI_LEN: usize = 200;

/// Prices: the loosest terms a feed may be pinned with (an hour old, 10% uncertain, 20% off its
/// EMA), and the defaults clients use when the operator names none (30 s, 10 s for a stablecoin;
/// 2% confidence; 5% from the EMA).
pub const MAX_PRICE_AGE_SECONDS: u32 = 3_600;
pub const MAX_PRICE_CONF_BPS: u16 = 1_000;
pub const MAX_PRICE_EMA_DEVIATION_BPS: u16 = 2_000;
pub const DEFAULT_PRICE_MAX_AGE_SECONDS: u32 = 30;
pub const DEFAULT_STABLECOIN_MAX_AGE_SECONDS: u32 = 10;
pub const DEFAULT_PRICE_MAX_CONF_BPS: u16 = 200;
pub const DEFAULT_PRICE_MAX_EMA_DEVIATION_BPS: u16 = 500;
/// How many assets a treasury can price, and how many swap programs it can allowlist.
pub const MAX_PRICE_FEEDS: usize = 8;
pub const MAX_SWAP_VENUES: usize = 4;
/// The most slippage from the oracle price a swap venue may be allowed (10%).
pub const MAX_SWAP_SLIPPAGE_BPS: u16 = 1_000;
/// A swap program receives at most this many accounts (the vault's two token accounts among them).
pub const MAX_SWAP_ACCOUNTS: usize = 24;

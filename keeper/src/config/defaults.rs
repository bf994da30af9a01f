//! Defaults of the keeper config's optional settings.

use super::*;
pub fn timeout_seconds() -> u64 {
    30
}
pub fn sol() -> Pubkey {
    SOL_ASSET
}
pub fn purpose() -> String {
    "scheduled payment".into()
}
pub fn device() -> Device {
    Device::Auto
}
pub fn approve_threshold() -> f32 {
    0.5
}
pub fn reject_threshold() -> f32 {
    0.2
}
pub fn fee_cap() -> u64 {
    1_000_000
}
pub fn fee_percentile() -> u8 {
    75
}
pub fn tick_seconds() -> u64 {
    30
}
pub fn max_actions() -> usize {
    16
}
pub fn attempts() -> u32 {
    4
}
/// About one slot: resending sooner than a slot rarely finds anything changed.
pub fn retry_base_ms() -> u64 {
    400
}
pub fn retry_max_ms() -> u64 {
    8_000
}
pub fn max_in_flight() -> usize {
    32
}
pub fn metrics_treasury_labels() -> usize {
    1_000
}
pub fn max_bytes() -> u64 {
    8 << 20
}
pub fn max_pixels() -> u64 {
    40_000_000
}
pub fn fetch_timeout_seconds() -> u64 {
    10
}
pub fn concurrency() -> usize {
    8
}
pub fn max_per_tick() -> usize {
    64
}
pub fn max_regions_per_tick() -> usize {
    1_024
}
pub fn unreachable_after_seconds() -> i64 {
    86_400
}
pub fn det_side() -> u32 {
    960
}
pub fn decision_log() -> PathBuf {
    PathBuf::from("keeper-decisions.jsonl")
}

// Measured on real photos (BENCHMARKS.md, "One photo pays once"): re-encoded, resized, mirrored
// and quarter-turned copies within 5, crops within 23, turns of 3° within 19; no two different
// shots closer than 20, and renders of one poster by the demo's renderer 25 or more apart.
pub fn copy_distance() -> u32 {
    18
}

pub fn new_distance() -> u32 {
    28
}

pub fn copies_horizon_days() -> u32 {
    90
}

//! Resident memory of the bench process, from /proc/self/status (Linux).

#![allow(dead_code)] // each bench binary uses part of it

/// Starts a new peak: Linux resets VmHWM to the current RSS on "5" in clear_refs.
pub fn reset_peak_rss() {
    let _ = std::fs::write("/proc/self/clear_refs", "5");
}

/// Resident memory now (`VmRSS:`) or at its peak since the last reset (`VmHWM:`), in MiB.
pub fn rss_mib(field: &str) -> f64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    let kib: f64 = status
        .lines()
        .find(|line| line.starts_with(field))
        .and_then(|line| line.split_whitespace().nth(1))
        .and_then(|value| value.parse().ok())
        .unwrap_or(0.0);
    kib / 1024.0
}

pub fn peak_rss_mib() -> f64 {
    rss_mib("VmHWM:")
}

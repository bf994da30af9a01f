//! Exactly-once on chain for the actions the program's own state does not make idempotent: a
//! scheduled payment (or the pending spend it becomes above the co-sign threshold) and an airdrop.
//! Each carries `mark_action` in its transaction, so whichever keeper lands it first, any other
//! (a standby, a restart with a lost journal, an overlapping shard) fails whole; and a keeper reads
//! the markers when it observes, so it does not even try what is already done.
//!
//! Claims, grant releases and pending-spend executions need nothing more: the claim's status, the
//! grant's released total and the pending spend's status already refuse a second time.
//!
//! Marks bind one keeper tenure (`ActionMarker`). A mark ahead of its schedule (a period marked
//! before it started) is never the keeper's own doing: it is an alarm that the keeper key is in
//! someone else's hands. Under the current key the chain then refuses the due work until the
//! operator rotates the key; once rotated, only what the old key's marks could honestly claim
//! counts as done. A one-off (an airdrop) has no schedule to judge a mark by, so an earlier
//! tenure's mark of one never counts: the journal is what keeps a keeper from airdropping twice.

use std::collections::BTreeMap;

use anchor_lang::prelude::Pubkey;
use covenant::sdk::{self, TreasuryAddresses};
use covenant::state::ActionMarker;
use sha2::{Digest, Sha256};
use solana_instruction::Instruction;

/// The marker key and sequence for an action key: `pay:<schedule>:<period>` is marked under its
/// schedule with sequence period + 1 (one account per schedule, moving forward each period);
/// `airdrop:<name>:<recipient>` under itself with sequence 1. Other actions need no marker.
pub fn marker_of(key: &str) -> Option<([u8; 32], u64)> {
    if let Some(rest) = key.strip_prefix("pay:") {
        let (schedule, period) = rest.rsplit_once(':')?;
        let period: u64 = period.parse().ok()?;
        return Some((schedule_key(schedule), period.checked_add(1)?));
    }
    if key.starts_with("airdrop:") || key.starts_with("request:") {
        return Some((hash(&format!("covenant:{key}")), 1));
    }
    None
}

fn hash(name: &str) -> [u8; 32] {
    Sha256::digest(name.as_bytes()).into()
}

/// What a marker account says, as the keeper reads it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct MarkerView {
    pub last: u64,
    pub tenure: u64,
    pub marked_at: i64,
}

impl MarkerView {
    pub fn of(marker: &ActionMarker) -> Self {
        Self { last: marker.last, tenure: marker.tenure, marked_at: marker.marked_at }
    }
}

/// A payment schedule as its marks count: period `p` (sequence `p + 1`) starts at `start + p·every`.
#[derive(Clone, Copy, Debug)]
pub struct Schedule {
    pub start: i64,
    pub every: u32,
}

impl Schedule {
    /// The highest sequence that was due at `at` (0 before the first period starts).
    pub fn due_at(&self, at: i64) -> u64 {
        if at < self.start || self.every == 0 {
            return 0;
        }
        u64::try_from((at - self.start) / i64::from(self.every)).map_or(u64::MAX, |period| period.saturating_add(1))
    }

    /// Whether `marker` claims more than the schedule had made due when it was marked.
    pub fn is_ahead(&self, marker: &MarkerView) -> bool {
        marker.last > self.due_at(marker.marked_at)
    }
}

/// Where an action stands on chain.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Progress {
    /// Not marked done: the keeper may do it.
    Due,
    /// Done (by this keeper or another of its tenure, or honestly by a rotated-out key).
    Done,
    /// Marked ahead of its schedule under the current key: the chain refuses it until the
    /// operator rotates the keeper key. An alarm, never work done.
    Blocked,
}

/// Where `key` stands, given the treasury's markers and current keeper `tenure`; `schedule` is the
/// payment schedule for a `pay:` key.
pub fn progress(
    key: &str,
    markers: &BTreeMap<[u8; 32], MarkerView>,
    tenure: u64,
    schedule: Option<Schedule>,
) -> Progress {
    let Some((marker_key, sequence)) = marker_of(key) else { return Progress::Due };
    let Some(marker) = markers.get(&marker_key) else { return Progress::Due };
    let ahead = schedule.is_some_and(|schedule| schedule.is_ahead(marker));
    if marker.tenure == tenure {
        return match (sequence <= marker.last, ahead) {
            (false, _) => Progress::Due,
            (true, false) => Progress::Done,
            (true, true) => Progress::Blocked,
        };
    }
    // A rotated-out key's mark: only what its schedule had made due when it was marked counts.
    let honest = match schedule {
        Some(schedule) => marker.last.min(schedule.due_at(marker.marked_at)),
        None => 0,
    };
    if sequence <= honest {
        Progress::Done
    } else {
        Progress::Due
    }
}

/// A schedule's marker that claims periods that had not started when it was marked.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct MarkerAlarm {
    pub schedule: String,
    /// The sequence marked (period + 1) and the most that was due then.
    pub marked: u64,
    pub due_then: u64,
    pub marked_at: i64,
    /// Marked under the current keeper key (which must be rotated) or a rotated-out one (ignored).
    pub current_key: bool,
}

impl MarkerAlarm {
    pub fn line(&self) -> String {
        let whose = if self.current_key {
            "by the current keeper key: the chain refuses this schedule's payments until the operator rotates the key"
        } else {
            "by a rotated-out keeper key: its mark is ignored"
        };
        let marked = if self.marked == u64::MAX { "u64::MAX".to_string() } else { self.marked.to_string() };
        format!(
            "payment \"{}\" was marked done up to sequence {marked} at {} when only {} was due, {whose}",
            self.schedule, self.marked_at, self.due_then
        )
    }
}

/// Every configured schedule whose marker is ahead of it.
pub fn alarms<'a>(
    schedules: impl IntoIterator<Item = (&'a str, Schedule)>,
    markers: &BTreeMap<[u8; 32], MarkerView>,
    tenure: u64,
) -> Vec<MarkerAlarm> {
    schedules
        .into_iter()
        .filter_map(|(name, schedule)| {
            let marker = markers.get(&schedule_key(name))?;
            schedule.is_ahead(marker).then(|| MarkerAlarm {
                schedule: name.to_string(),
                marked: marker.last,
                due_then: schedule.due_at(marker.marked_at),
                marked_at: marker.marked_at,
                current_key: marker.tenure == tenure,
            })
        })
        .collect()
}

fn schedule_key(name: &str) -> [u8; 32] {
    hash(&format!("covenant:pay:{name}"))
}

/// `ixs` with the action's marker in front, when it needs one.
pub fn marked(key: &str, t: &TreasuryAddresses, keeper: &Pubkey, mut ixs: Vec<Instruction>) -> Vec<Instruction> {
    if let Some((marker, sequence)) = marker_of(key) {
        ixs.insert(0, sdk::mark_action(t, *keeper, marker, sequence));
    }
    ixs
}

/// Whether the program refused `key`'s transaction because the action was already done, by
/// another keeper racing this one: its marker, or for the actions the program's state makes
/// idempotent, the claim no longer pending, the grant with nothing left due, the pending spend no
/// longer active.
pub fn done_elsewhere(key: &str, error: &solana_transaction_error::TransactionError) -> bool {
    use covenant::errors::CovenantError;
    let solana_transaction_error::TransactionError::InstructionError(
        _,
        solana_instruction_error::InstructionError::Custom(code),
    ) = error
    else {
        return false;
    };
    let done = match key.split(':').next() {
        Some("pay" | "airdrop" | "request") => CovenantError::ActionAlreadyMarked,
        Some("claim") => CovenantError::ClaimNotPending,
        Some("release") => CovenantError::NothingDue,
        Some("execute") => CovenantError::PendingSpendNotActive,
        _ => return false,
    };
    *code == u32::from(done)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn payments_share_a_marker_per_schedule_and_airdrops_have_one_each() {
        let (first, one) = marker_of("pay:inference:0").unwrap();
        let (same, eight) = marker_of("pay:inference:7").unwrap();
        assert_eq!((first, one, eight), (same, 1, 8));
        assert_ne!(marker_of("pay:rent:7").unwrap().0, first, "another schedule");
        // A schedule name may contain colons: the period is after the last one.
        assert_eq!(marker_of("pay:a:b:3").unwrap(), (hash("covenant:pay:a:b"), 4));
        let (fan, seq) = marker_of("airdrop:launch:Fan1").unwrap();
        assert_eq!(seq, 1);
        assert_ne!(fan, marker_of("airdrop:launch:Fan2").unwrap().0);
        for unmarked in ["claim:x", "release:g:5", "execute:3", "pay:nope", "pay:x:-1"] {
            assert_eq!(marker_of(unmarked), None, "{unmarked}");
        }
        let view = MarkerView { last: 8, tenure: 0, marked_at: 7 * 3_600 };
        let markers = BTreeMap::from([(first, view)]);
        let hourly = Some(Schedule { start: 0, every: 3_600 });
        assert_eq!(progress("pay:inference:7", &markers, 0, hourly), Progress::Done);
        assert_eq!(progress("pay:inference:3", &markers, 0, hourly), Progress::Done);
        assert_eq!(progress("pay:inference:8", &markers, 0, hourly), Progress::Due);
        assert_eq!(progress("claim:x", &markers, 0, None), Progress::Due);
    }

    #[test]
    fn a_mark_ahead_of_its_schedule_is_an_alarm_and_binds_no_rotated_keeper() {
        let hourly = Schedule { start: 1_000, every: 3_600 };
        let (key, _) = marker_of("pay:inference:0").unwrap();
        // Marked at period 2's start, claiming every period there will ever be.
        let stolen = MarkerView { last: u64::MAX, tenure: 0, marked_at: 1_000 + 2 * 3_600 };
        let markers = BTreeMap::from([(key, stolen)]);
        assert_eq!(hourly.due_at(stolen.marked_at), 3);
        assert!(hourly.is_ahead(&stolen));
        // Under the key that marked it: refused on chain, so blocked (not done, not tried).
        assert_eq!(progress("pay:inference:5", &markers, 0, Some(hourly)), Progress::Blocked);
        // After a rotation: what was due when it was marked counts, nothing beyond.
        assert_eq!(progress("pay:inference:2", &markers, 1, Some(hourly)), Progress::Done);
        assert_eq!(progress("pay:inference:3", &markers, 1, Some(hourly)), Progress::Due);
        let raised = alarms([("inference", hourly)], &markers, 0);
        assert_eq!(raised.len(), 1);
        assert!(raised[0].current_key && raised[0].line().contains("rotates the key"), "{}", raised[0].line());
        assert!(!alarms([("inference", hourly)], &markers, 1)[0].current_key);
        // An honest mark raises nothing.
        let honest = MarkerView { last: 3, tenure: 0, marked_at: 1_000 + 2 * 3_600 };
        assert!(alarms([("inference", hourly)], &BTreeMap::from([(key, honest)]), 0).is_empty());
        // A one-off marked by a rotated-out key never counts.
        let (fan, _) = marker_of("airdrop:launch:Fan1").unwrap();
        let premarked = BTreeMap::from([(fan, MarkerView { last: 1, tenure: 0, marked_at: 5 })]);
        assert_eq!(progress("airdrop:launch:Fan1", &premarked, 0, None), Progress::Done);
        assert_eq!(progress("airdrop:launch:Fan1", &premarked, 1, None), Progress::Due);
    }
}

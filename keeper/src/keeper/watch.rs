//! What a tick reports besides its actions: queued config changes (how a stolen operator key
//! shows) and markers ahead of their schedule (how a stolen keeper key shows), each logged once,
//! both exported as gauges.

use std::collections::BTreeSet;

use anchor_lang::prelude::Pubkey;

use super::Keeper;
use crate::observe::Snapshot;

/// What was already reported: (treasury, request id) and (treasury, schedule, marked, marked at).
#[derive(Default)]
pub(super) struct Seen {
    config_changes: BTreeSet<(Pubkey, u64)>,
    marker_alarms: BTreeSet<(Pubkey, String, u64, i64)>,
}

impl Keeper {
    pub(super) fn watch(&mut self, snapshots: &[Snapshot]) {
        let queued: usize = snapshots.iter().map(|snapshot| snapshot.config_changes.len()).sum();
        self.metrics.set_gauge("covenant_keeper_config_changes_queued", queued as f64);
        let mut alarms = 0usize;
        for snapshot in snapshots {
            let treasury = snapshot.addresses.treasury;
            for (_, request) in &snapshot.config_changes {
                if self.seen.config_changes.insert((treasury, request.id)) {
                    // Loud on purpose: a loosening change nobody expected is how a stolen operator key shows.
                    tracing::warn!(
                        %treasury,
                        id = request.id,
                        executable_at = request.executable_at,
                        guardian_override = request.overrides_guardian,
                        change = %crate::status::describe_change(&request.change),
                        "queued config change: cancel it if nobody meant it (a guardian override: the operator's key only)"
                    );
                }
            }
            for alarm in crate::status::marker_alarms(snapshot, &self.config) {
                alarms += 1;
                let seen = (treasury, alarm.schedule.clone(), alarm.marked, alarm.marked_at);
                if self.seen.marker_alarms.insert(seen) {
                    tracing::error!(%treasury, schedule = %alarm.schedule, current_key = alarm.current_key, "{}", alarm.line());
                }
            }
        }
        self.metrics.set_gauge("covenant_keeper_marker_alarms", alarms as f64);
    }
}

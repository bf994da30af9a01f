//! `[[x402.call]]`: the loop's own paid calls. Each is due once per period; a period with an
//! `x402` decision line in the journal (signed, settled or refused) is never called again, so a
//! restart cannot pay twice for one period.

use std::collections::{HashMap, HashSet};

use crate::config::PaidCall;

pub struct PaidCalls {
    calls: Vec<PaidCall>,
    /// (call name, period) already decided.
    done: HashSet<(String, i64)>,
}

/// What one due call came to, for the loop's log.
#[derive(Debug, serde::Serialize)]
pub struct CallReport {
    pub name: String,
    pub period: i64,
    pub outcome: String,
}

impl PaidCalls {
    /// The calls and what the journal's lines say was already decided.
    pub fn new(calls: Vec<PaidCall>, decisions: &[serde_json::Value]) -> Self {
        let done = decisions
            .iter()
            .filter(|line| line["kind"] == "x402")
            .filter_map(|line| Some((line["schedule"].as_str()?.to_string(), line["period"].as_i64()?)))
            .collect();
        Self { calls, done }
    }

    pub fn is_empty(&self) -> bool {
        self.calls.is_empty()
    }

    /// The calls due at `now` and not decided yet, each with its period; marked decided.
    pub fn due(&mut self, now: i64) -> Vec<(PaidCall, i64)> {
        let mut due = Vec::new();
        let mut seen = HashMap::new();
        for call in &self.calls {
            let period = now.div_euclid(i64::from(call.every_seconds.max(1)));
            if seen.insert(call.name.clone(), period).is_none() && self.done.insert((call.name.clone(), period)) {
                due.push((call.clone(), period));
            }
        }
        due
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn call(name: &str, every_seconds: u32) -> PaidCall {
        PaidCall { name: name.into(), url: "http://x".into(), method: "GET".into(), body: String::new(), every_seconds }
    }

    #[test]
    fn each_period_is_due_once_and_the_journal_counts_across_restarts() {
        let journal = [serde_json::json!({ "kind": "x402", "schedule": "infer", "period": 10 })];
        let mut calls = PaidCalls::new(vec![call("infer", 60), call("daily", 86_400)], &journal);
        let due: Vec<_> = calls.due(600).into_iter().map(|(call, period)| (call.name, period)).collect();
        assert_eq!(due, [("daily".to_string(), 0)], "period 10 of infer was decided before the restart");
        assert!(calls.due(659).is_empty(), "nothing new within the period");
        let due: Vec<_> = calls.due(660).into_iter().map(|(call, period)| (call.name, period)).collect();
        assert_eq!(due, [("infer".to_string(), 11)]);
    }
}

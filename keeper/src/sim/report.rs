//! What a simulation did, in figures: per-asset flows (in by source, out by payee category,
//! refused by reason), window usage, counts, the decision log, and a balance series for the chart.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use serde::Serialize;

pub const LAMPORTS_PER_SOL: f64 = 1_000_000_000.0;

#[derive(Clone, Debug, Default, Serialize)]
pub struct AssetFlows {
    /// Into the vault, by source (`donation`, `grant release`, `funding`).
    pub inflow: BTreeMap<String, u64>,
    /// Out of the vault, by payee category (`bounty escrow` for bounty funding).
    pub outflow: BTreeMap<String, u64>,
    /// Meme tokens minted, by airdrop name (`launch` for the initial allocation).
    pub minted: BTreeMap<String, u64>,
    /// Decisions the keeper's guard refused, by reason: never signed, never sent.
    pub refused_by_guard: BTreeMap<String, u32>,
    /// What those refused decisions asked for, in total.
    pub refused_amount: u64,
    /// Transactions the program refused, by reason.
    pub refused_by_program: BTreeMap<String, u32>,
    /// Grant money donors took back at expiry (it never reached the vault).
    pub clawed_back: u64,
}

impl AssetFlows {
    pub fn total_in(&self) -> u64 {
        self.inflow.values().fold(0u64, |sum, value| sum.saturating_add(*value))
    }

    pub fn total_out(&self) -> u64 {
        self.outflow.values().fold(0u64, |sum, value| sum.saturating_add(*value))
    }

    pub fn guard_refusals(&self) -> u32 {
        self.refused_by_guard.values().sum()
    }
}

#[derive(Clone, Debug, Serialize)]
pub struct WindowUsage {
    pub asset: String,
    pub spent: u64,
    pub cap: u64,
    pub period_seconds: u32,
    /// Seconds until the window resets, at the end of the run.
    pub resets_in: i64,
    /// The program's own counters on the policy account.
    pub total_received: u64,
    pub total_spent: u64,
}

#[derive(Clone, Debug, Default, Serialize)]
pub struct Counts {
    pub decisions: u32,
    pub landed: u32,
    pub refused: u32,
    pub clamped: u32,
    pub held: u32,
    pub failed: u32,
    pub claims_approved: u32,
    pub claims_rejected: u32,
}

#[derive(Clone, Debug, Serialize)]
pub struct MemeSummary {
    pub symbol: String,
    pub mint: String,
    pub supply: u64,
    pub supply_cap: u64,
    pub decimals: u8,
}

/// One point of the chart, taken after each tick.
#[derive(Clone, Debug, Serialize)]
pub struct Sample {
    pub hour: f64,
    pub vault_lamports: u64,
    /// SOL window spent over its cap, 0..=1.
    pub window_used: f64,
}

#[derive(Clone, Debug, Serialize)]
pub struct StepMark {
    pub n: usize,
    pub hour: f64,
    pub title: String,
}

/// One line of the decision log, as the report shows it.
#[derive(Clone, Debug, Serialize)]
pub struct DecisionLine {
    pub tick: u64,
    pub key: String,
    pub outcome: String,
    pub detail: String,
    pub decision_hash: String,
}

#[derive(Clone, Debug, Serialize)]
pub struct Report {
    pub scenario: String,
    pub seed: u64,
    pub ticks: u32,
    pub hours: f64,
    pub model_version: String,
    pub model_hash: String,
    pub treasury: String,
    pub vault: String,
    pub vault_start: u64,
    pub vault_end: u64,
    pub paused: bool,
    pub flows: BTreeMap<String, AssetFlows>,
    pub windows: Vec<WindowUsage>,
    pub counts: Counts,
    pub meme: Option<MemeSummary>,
    pub samples: Vec<Sample>,
    /// The story's titled steps, where they happen (the chart marks them).
    pub steps: Vec<StepMark>,
    /// Every claim: who, what its photo showed, what was decided and why.
    pub claims: Vec<ClaimLine>,
    pub decisions: Vec<DecisionLine>,
}

#[derive(Clone, Debug, Serialize)]
pub struct ClaimLine {
    /// The claimant's scenario name.
    pub claimant: String,
    #[serde(flatten)]
    pub review: crate::keeper::ClaimReview,
}

pub use crate::units::amount;

impl Report {
    fn decimals(&self, asset: &str) -> u8 {
        match &self.meme {
            Some(meme) if meme.symbol == asset => meme.decimals,
            _ => 9,
        }
    }

    /// The final report as a table for the terminal.
    pub fn render(&self) -> String {
        let mut out = String::new();
        let _ =
            writeln!(out, "Report: {} (seed {}, {} ticks over {} h)", self.scenario, self.seed, self.ticks, self.hours);
        let _ = writeln!(
            out,
            "  model {} sha256 {}…",
            self.model_version,
            &self.model_hash[..16.min(self.model_hash.len())]
        );
        let _ = writeln!(
            out,
            "  vault {}: {} SOL at the start, {} SOL at the end{}",
            self.vault,
            amount(self.vault_start, 9),
            amount(self.vault_end, 9),
            if self.paused { " (paused)" } else { "" }
        );
        for (asset, flows) in &self.flows {
            let decimals = self.decimals(asset);
            let _ = writeln!(out, "\n  {asset}");
            for (source, value) in &flows.inflow {
                let _ = writeln!(out, "    in   {:<22} {:>16}", source, amount(*value, decimals));
            }
            for (category, value) in &flows.outflow {
                let _ = writeln!(out, "    out  {:<22} {:>16}", category, amount(*value, decimals));
            }
            for (airdrop, value) in &flows.minted {
                let _ = writeln!(out, "    mint {:<22} {:>16}", airdrop, amount(*value, decimals));
            }
            for (reason, count) in &flows.refused_by_guard {
                let _ = writeln!(out, "    refused by the guard    {reason} ×{count}");
            }
            if flows.refused_amount > 0 {
                let _ = writeln!(
                    out,
                    "      (asked for {} in all; none of it was signed)",
                    amount(flows.refused_amount, decimals)
                );
            }
            for (reason, count) in &flows.refused_by_program {
                let _ = writeln!(out, "    refused by the program  {reason} ×{count}");
            }
        }
        for window in &self.windows {
            let _ = writeln!(
                out,
                "\n  {} window: {} of {} spent, resets in {} h; policy totals: {} received, {} spent",
                window.asset,
                amount(window.spent, 9),
                amount(window.cap, 9),
                window.resets_in / 3_600,
                amount(window.total_received, 9),
                amount(window.total_spent, 9)
            );
        }
        if !self.windows.is_empty() {
            let _ = writeln!(
                out,
                "    (the policy's \"received\" counts direct donations only; grant money reaches the vault as it is\n     released, listed above as \"in grant release\", and what a grant has not yet released stays in its escrow)"
            );
        }
        if let Some(meme) = &self.meme {
            let _ = writeln!(
                out,
                "  {}: supply {} of a {} cap",
                meme.symbol,
                amount(meme.supply, meme.decimals),
                amount(meme.supply_cap, meme.decimals)
            );
        }
        if !self.claims.is_empty() {
            let _ = writeln!(out, "\n  claims: what each photo showed, and why");
            for claim in &self.claims {
                let review = &claim.review;
                let read = match (review.read.is_empty(), review.match_score) {
                    (false, _) => format!("\"{}\"", review.read),
                    (true, Some(_)) => "(no text found)".to_string(),
                    (true, None) => "(not read)".to_string(),
                };
                let score = review.match_score.map(|score| format!("match {score:.2}")).unwrap_or_default();
                let _ =
                    writeln!(out, "    {:<9} {:<7} {read} {score}: {}", claim.claimant, review.decision, review.why);
            }
        }
        let c = &self.counts;
        let _ = writeln!(
            out,
            "\n  decisions {}: {} landed, {} refused by the guard, {} clamped, {} held, {} failed; claims {} approved, {} rejected",
            c.decisions, c.landed, c.refused, c.clamped, c.held, c.failed, c.claims_approved, c.claims_rejected
        );
        out
    }
}

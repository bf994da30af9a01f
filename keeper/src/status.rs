//! `status`: the treasury as an operator wants to read it.

use std::fmt::Write;

use anchor_lang::prelude::Pubkey;
use covenant::constants::SOL_ASSET;
use covenant::policy::{ClaimStatus, ConfigChange, PayeeBudget};
use covenant::state::DisputeState;

use crate::decide::asset_name;
use crate::exactly_once::MarkerAlarm;
use crate::observe::Snapshot;

fn short(text: &str) -> String {
    if text.len() > 12 {
        format!("{}…{}", &text[..6], &text[text.len() - 4..])
    } else {
        text.to_string()
    }
}

/// One line for a queued config change, as an operator or guardian reads it.
pub fn describe_change(change: &ConfigChange) -> String {
    let amount = |budget: &Option<PayeeBudget>| budget.map_or("no budget".into(), |b| format!("budget {}", b.amount));
    let expiry = |expires_at: &Option<i64>| expires_at.map_or("no expiry".into(), |at| format!("expires {at}"));
    match change {
        ConfigChange::SetKeeper { keeper } => format!("new keeper {}", short(&keeper.to_string())),
        ConfigChange::SetGuardian { guardian: Some(guardian) } => {
            format!("replace the guardian with {}", short(&guardian.to_string()))
        }
        ConfigChange::SetGuardian { guardian: None } => "remove the guardian".into(),
        ConfigChange::SetConfigTimelock { seconds } => format!("config timelock to {seconds} s"),
        ConfigChange::Unpause => "unpause".into(),
        ConfigChange::CreatePolicy { asset, limits, .. } => format!(
            "new {} policy: per-tx {}, cap {} per {} s",
            short(&asset_name(asset)),
            limits.per_tx_max,
            limits.period_cap,
            limits.period_seconds
        ),
        ConfigChange::UpdatePolicy { asset, limits } => format!(
            "{} policy: per-tx {}, cap {} per {} s{}",
            short(&asset_name(asset)),
            limits.per_tx_max,
            limits.period_cap,
            limits.period_seconds,
            if limits.allowlist_required { "" } else { ", no allowlist" }
        ),
        ConfigChange::AddPayee { recipient, category, budget, expires_at, .. } => format!(
            "new payee {} ({category}, {}, {})",
            short(&recipient.to_string()),
            amount(budget),
            expiry(expires_at)
        ),
        ConfigChange::UpdatePayee { recipient, budget, expires_at, .. } => {
            format!("payee {}: {}, {}", short(&recipient.to_string()), amount(budget), expiry(expires_at))
        }
        ConfigChange::SetUsdLimits { limits: Some(limits) } => format!(
            "USD caps: per-tx ${}, ${} per {} s",
            crate::dollars::dollars(limits.per_tx_max),
            crate::dollars::dollars(limits.period_cap),
            limits.period_seconds
        ),
        ConfigChange::SetUsdLimits { limits: None } => "remove the USD caps".into(),
        ConfigChange::SetPriceFeed { asset, feed: Some(feed) } => format!(
            "{} priced by feed {} (max age {} s, conf {} bps, EMA {} bps)",
            short(&asset_name(asset)),
            short(&hex::encode(feed.feed_id)),
            feed.max_age_seconds,
            feed.max_conf_bps,
            feed.max_ema_deviation_bps
        ),
        ConfigChange::SetPriceFeed { asset, feed: None } => {
            format!("remove the price feed of {}", short(&asset_name(asset)))
        }
        ConfigChange::SetSwapVenue { program, max_slippage_bps: Some(bps) } => {
            format!("allow swaps through {} (slippage {bps} bps)", short(&program.to_string()))
        }
        ConfigChange::SetSwapVenue { program, max_slippage_bps: None } => {
            format!("no more swaps through {}", short(&program.to_string()))
        }
    }
}

/// `value` of `asset` for people: SOL and tokens in their own units (token UI amounts with the
/// decimals the policy or meme records), base units only where the decimals are unknown.
fn ui(snapshot: &Snapshot, asset: &Pubkey, value: u64) -> String {
    match snapshot.decimals(asset) {
        Some(decimals) => crate::units::amount(value, decimals),
        None => format!("{value} units"),
    }
}

/// A plain-text report: roles, balances and windows per asset, payees, pending spends, grants,
/// bounties and claims, meme tokens. Amounts are in SOL and token units; `--output json` has
/// them in base units.
pub fn render(snapshot: &Snapshot, alarms: &[MarkerAlarm]) -> String {
    let mut out = String::new();
    let t = &snapshot.treasury;
    let now = snapshot.now;
    let _ = writeln!(
        out,
        "treasury  {}  (id {}){}",
        snapshot.addresses.treasury,
        t.treasury_id,
        if t.paused { "  PAUSED" } else { "" }
    );
    let _ = writeln!(out, "vault     {}", snapshot.addresses.vault);
    let _ = writeln!(
        out,
        "operator  {}\nkeeper    {}\nguardian  {}",
        t.operator,
        t.keeper,
        t.guardian.map_or("none".into(), |g| g.to_string())
    );
    let _ = writeln!(out, "config timelock {} s", t.config_timelock_seconds);
    let _ = writeln!(out, "clock     {now} (slot {})\n", snapshot.slot);
    if let Some(line) = crate::dollars::status_line(snapshot) {
        let _ = writeln!(out, "{line}\n");
    }
    for alarm in alarms {
        let _ = writeln!(out, "ALARM  {}", alarm.line());
    }
    if !alarms.is_empty() {
        let _ = writeln!(out);
    }
    if !snapshot.config_changes.is_empty() {
        let _ = writeln!(
            out,
            "queued config changes (the guardian or the operator can cancel each until it runs; an override, the operator only)"
        );
        let _ = writeln!(out, "{:<4} {:<56} {:<10} {:>14}", "id", "change", "state", "executable in");
        for (_, request) in &snapshot.config_changes {
            let (state, matures_at) = snapshot.request_state(request);
            let wait = matures_at - now;
            let when = if wait > 0 { format!("{wait}s") } else { "now".into() };
            let what =
                describe_change(&request.change) + if request.overrides_guardian { " (guardian override)" } else { "" };
            let _ = writeln!(out, "{:<4} {:<56} {:<10} {:>14}", request.id, what, state.name(), when);
        }
        let _ = writeln!(out);
    }

    let _ = writeln!(
        out,
        "{:<14} {:>16} {:>14} {:>16} {:>16} {:>12}",
        "asset", "balance", "per-tx max", "window used", "window cap", "resets in"
    );
    for (asset, policy) in &snapshot.policies {
        let balance = if *asset == SOL_ASSET {
            snapshot.vault_spendable
        } else {
            snapshot.token_balances.get(asset).copied().unwrap_or(0)
        };
        let limits = &policy.limits;
        let (used, resets) = snapshot.window_now(policy).unwrap_or((0, 0));
        let _ = writeln!(
            out,
            "{:<14} {:>16} {:>14} {:>16} {:>16} {:>11}s",
            short(&asset_name(asset)),
            ui(snapshot, asset, balance),
            ui(snapshot, asset, limits.per_tx_max),
            ui(snapshot, asset, used),
            ui(snapshot, asset, limits.period_cap),
            resets
        );
    }

    if !snapshot.payees.is_empty() {
        let _ = writeln!(
            out,
            "\n{:<14} {:<12} {:<14} {:>14} {:>14} {:>6}",
            "payee", "category", "label", "spent", "budget", "paid"
        );
        for (recipient, payee) in &snapshot.payees {
            // A payee's spending is counted in its budget's asset (SOL when it has none).
            let asset = payee.terms.budget.map_or(SOL_ASSET, |budget| budget.asset);
            let budget = payee.terms.budget.map_or("-".to_string(), |budget| {
                format!("{} {}", ui(snapshot, &budget.asset, budget.amount), short(&asset_name(&budget.asset)))
            });
            let _ = writeln!(
                out,
                "{:<14} {:<12} {:<14} {:>14} {:>14} {:>6}",
                short(&recipient.to_string()),
                payee.category,
                payee.label,
                ui(snapshot, &asset, payee.terms.spent),
                budget,
                payee.paid_count
            );
        }
    }

    if !snapshot.pendings.is_empty() {
        let _ = writeln!(
            out,
            "\n{:<6} {:<10} {:>14} {:<14} {:>14}",
            "pending", "status", "amount", "recipient", "executable in"
        );
        for (_, pending) in &snapshot.pendings {
            // A rotated-out keeper's proposal, or one under a closed policy: the keeper will not run it.
            let status =
                if snapshot.pending_is_current(pending) { format!("{:?}", pending.status) } else { "Stale".into() };
            let _ = writeln!(
                out,
                "{:<7} {:<10} {:>14} {:<14} {:>13}s",
                pending.id,
                status,
                format!("{} {}", ui(snapshot, &pending.asset, pending.amount), short(&asset_name(&pending.asset))),
                short(&pending.recipient.to_string()),
                (pending.executable_at - now).max(0)
            );
        }
    }

    if !snapshot.grants.is_empty() {
        let _ = writeln!(
            out,
            "\n{:<14} {:<14} {:>12} {:>12} {:>12} {:>12}",
            "grant", "donor", "funded", "released", "available", "expires in"
        );
        for (key, grant) in &snapshot.grants {
            let available = grant.ledger.available(&grant.schedule, now).unwrap_or(0);
            let _ = writeln!(
                out,
                "{:<14} {:<14} {:>12} {:>12} {:>12} {:>11}s",
                short(&key.to_string()),
                short(&grant.donor.to_string()),
                ui(snapshot, &grant.asset, grant.ledger.funded),
                ui(snapshot, &grant.asset, grant.ledger.released),
                ui(snapshot, &grant.asset, available),
                (grant.expires_at - now).max(0)
            );
        }
    }

    if !snapshot.bounties.is_empty() {
        let _ = writeln!(
            out,
            "\n{:<8} {:>12} {:>8} {:>8} {:>8} {:>12}",
            "bounty", "reward", "claims", "paid", "open", "deadline in"
        );
        for (key, bounty) in &snapshot.bounties {
            let open = snapshot
                .claims
                .iter()
                .filter(|(_, claim)| claim.bounty == *key && claim.status == ClaimStatus::Pending)
                .count();
            let _ = writeln!(
                out,
                "{:<8} {:>12} {:>8} {:>8} {open:>8} {:>11}s",
                bounty.id,
                ui(snapshot, &bounty.asset, bounty.reward),
                bounty.submitted_count,
                bounty.approved_count,
                (bounty.deadline - now).max(0)
            );
        }
        // Claimants of a claim-code bounty find their code here (also `covenant-keeper claim-code`).
        for (key, bounty) in snapshot.bounties.iter().filter(|(_, bounty)| bounty.claim_code) {
            let _ = writeln!(
                out,
                "
bounty {} asks for claim codes: {key}",
                bounty.id
            );
            for (_, claim) in snapshot.claims.iter().filter(|(_, claim)| claim.bounty == *key) {
                let code = crate::proofs::claim_code::claim_code(key, &claim.claimant);
                let _ = writeln!(out, "  {code}  {}  {:?}", claim.claimant, claim.status);
            }
        }
    }

    // Disputes: the claims whose decision was contested, and those owed after their window.
    let contested: Vec<_> = snapshot
        .claims
        .iter()
        .filter(|(_, claim)| {
            claim.dispute != DisputeState::None || (claim.status == ClaimStatus::Approved && !claim.paid)
        })
        .collect();
    if !contested.is_empty() {
        let _ = writeln!(
            out,
            "\n{:<8} {:<14} {:<10} {:<11} {:>12}",
            "bounty", "claimant", "decision", "dispute", "payable in"
        );
        let ids: std::collections::HashMap<_, _> =
            snapshot.bounties.iter().map(|(key, bounty)| (*key, bounty.id)).collect();
        for (_, claim) in contested {
            let payable = match (claim.status, claim.paid) {
                (ClaimStatus::Approved, false) => format!("{}s", (claim.payable_at - now).max(0)),
                (ClaimStatus::Approved, true) => "paid".into(),
                _ => "-".into(),
            };
            let _ = writeln!(
                out,
                "{:<8} {:<14} {:<10} {:<11} {payable:>12}",
                ids.get(&claim.bounty).map_or("?".into(), u64::to_string),
                short(&claim.claimant.to_string()),
                format!("{:?}", claim.status),
                format!("{:?}", claim.dispute),
            );
        }
    }

    // Rejected claims by reason code (keeper/MODEL.md), so an operator sees why claims fail.
    let mut rejected: std::collections::BTreeMap<u16, usize> = Default::default();
    for (_, claim) in snapshot.claims.iter().filter(|(_, c)| c.status == ClaimStatus::Rejected) {
        *rejected.entry(claim.reason_code).or_default() += 1;
    }
    if !rejected.is_empty() {
        let _ = writeln!(out, "\nrejected claims by reason");
        for (code, count) in rejected {
            let name = crate::proofs::RejectReason::from_code(code).map_or("unknown code", |reason| reason.name());
            let _ = writeln!(out, "  {code:>3} {name:<24} {count}");
        }
    }

    for (mint, meme) in &snapshot.memes {
        let _ = writeln!(
            out,
            "\nmeme {}  minted {} of cap {}{}",
            mint,
            crate::units::amount(meme.total_minted, meme.decimals),
            crate::units::amount(meme.supply_cap, meme.decimals),
            if meme.renounced { "  (renounced)" } else { "" }
        );
    }
    out
}

/// The configured schedules whose on-chain marker is ahead of them (see `exactly_once`).
pub fn marker_alarms(snapshot: &Snapshot, config: &crate::config::KeeperConfig) -> Vec<MarkerAlarm> {
    let schedules = config.payments.iter().filter_map(|p| Some((p.name.as_str(), config.schedule(&p.name)?)));
    crate::exactly_once::alarms(schedules, &snapshot.markers, snapshot.treasury.keeper_tenure)
}

/// `status --output json`: the same facts as `render`, as data (amounts in base units, addresses in
/// base58, times in unix seconds).
pub fn json(snapshot: &Snapshot, alarms: &[MarkerAlarm]) -> serde_json::Value {
    use serde_json::json;
    let t = &snapshot.treasury;
    let policies: Vec<_> = snapshot
        .policies
        .values()
        .map(|policy| {
            let (spent, resets_in) = snapshot.window_now(policy).unwrap_or((policy.limits.period_cap, 0));
            json!({
                "asset": asset_name(&policy.asset),
                "decimals": policy.decimals,
                "per_tx_max": policy.limits.per_tx_max,
                "period_seconds": policy.limits.period_seconds,
                "period_cap": policy.limits.period_cap,
                "window_spent": spent,
                "window_left": policy.limits.period_cap.saturating_sub(spent),
                "window_resets_in": resets_in,
                "window_resets_at": snapshot.now.saturating_add(resets_in),
                "cosign_threshold": policy.limits.cosign_threshold,
                "timelock_seconds": policy.limits.timelock_seconds,
                "allowlist_required": policy.limits.allowlist_required,
                "total_received": policy.total_received,
                "total_spent": policy.total_spent,
            })
        })
        .collect();
    let payees: Vec<_> = snapshot
        .payees
        .values()
        .map(|payee| {
            json!({
                "recipient": payee.recipient.to_string(),
                "label": payee.label,
                "category": payee.category,
                "budget": payee.terms.budget.map(|budget| budget.amount),
                "budget_asset": payee.terms.budget.map(|budget| asset_name(&budget.asset)),
                "budget_left": payee.terms.budget.map(|budget| budget.amount.saturating_sub(payee.terms.spent)),
                "spent": payee.terms.spent,
                "expires_at": payee.terms.expires_at,
            })
        })
        .collect();
    let pendings: Vec<_> = snapshot
        .pendings
        .iter()
        .map(|(key, pending)| {
            json!({
                "address": key.to_string(),
                "id": pending.id,
                "recipient": pending.recipient.to_string(),
                "asset": asset_name(&pending.asset),
                "amount": pending.amount,
                "status": format!("{:?}", pending.status),
                "current": snapshot.pending_is_current(pending),
                "executable_at": pending.executable_at,
                "expires_at": pending.expires_at,
            })
        })
        .collect();
    let grants: Vec<_> = snapshot
        .grants
        .iter()
        .map(|(key, grant)| {
            json!({
                "address": key.to_string(),
                "donor": grant.donor.to_string(),
                "asset": asset_name(&grant.asset),
                "funded": grant.ledger.funded,
                "released": grant.ledger.released,
                "clawed_back": grant.ledger.clawed_back,
                "available": grant.ledger.available(&grant.schedule, snapshot.now).unwrap_or(0),
                "expires_at": grant.expires_at,
            })
        })
        .collect();
    let bounties: Vec<_> = snapshot
        .bounties
        .iter()
        .map(|(key, bounty)| {
            let claims: Vec<_> = snapshot
                .claims
                .iter()
                .filter(|(_, claim)| claim.bounty == *key)
                .map(|(address, claim)| {
                    json!({
                        "address": address.to_string(),
                        "claimant": claim.claimant.to_string(),
                        "status": format!("{:?}", claim.status),
                        "reason_code": claim.reason_code,
                        "reason": crate::proofs::RejectReason::from_code(claim.reason_code).map(|reason| reason.name()),
                        "proof_uri": claim.proof_uri,
                        "claim_code": bounty.claim_code.then(|| crate::proofs::claim_code::claim_code(key, &claim.claimant)),
                        "paid": claim.paid,
                        "payable_at": claim.payable_at,
                        "dispute": format!("{:?}", claim.dispute),
                    })
                })
                .collect();
            json!({
                "address": key.to_string(),
                "id": bounty.id,
                "reward": bounty.reward,
                "max_claims": bounty.max_claims,
                "paid": bounty.paid,
                "approved": bounty.approved_count,
                "rejected": bounty.rejected_count,
                "deadline": bounty.deadline,
                "claim_code": bounty.claim_code,
                "challenge_window": bounty.challenge_window,
                "bond": bounty.bond,
                "arbiter": bounty.takes_disputes().then(|| bounty.arbiter.to_string()),
                "owed_claims": bounty.owed_claims,
                "disputes_open": bounty.disputes_open,
                "claims": claims,
            })
        })
        .collect();
    let changes: Vec<_> = snapshot
        .config_changes
        .iter()
        .map(|(key, request)| {
            let (state, matures_at) = snapshot.request_state(request);
            json!({
                "address": key.to_string(),
                "id": request.id,
                "change": describe_change(&request.change),
                "executable_at": matures_at,
                "state": state,
                "guardian_override": request.overrides_guardian,
            })
        })
        .collect();
    json!({
        "treasury": snapshot.addresses.treasury.to_string(),
        "vault": snapshot.addresses.vault.to_string(),
        "operator": t.operator.to_string(),
        "keeper": t.keeper.to_string(),
        "guardian": t.guardian.map(|guardian| guardian.to_string()),
        "paused": t.paused,
        "config_timelock_seconds": t.config_timelock_seconds,
        "now": snapshot.now,
        "slot": snapshot.slot,
        "vault_spendable_lamports": snapshot.vault_spendable,
        "token_balances": snapshot.token_balances.iter().map(|(mint, amount)| (mint.to_string(), json!(amount))).collect::<serde_json::Map<_, _>>(),
        "policies": policies,
        "payees": payees,
        "pending_spends": pendings,
        "grants": grants,
        "bounties": bounties,
        "queued_config_changes": changes,
        "marker_alarms": alarms,
        "dollars": crate::dollars::status_json(snapshot),
        "pause_count": t.pause_count,
        "keeper_tenure": t.keeper_tenure,
        "memes": snapshot.memes.iter().map(|(mint, meme)| json!({"mint": mint.to_string(), "minted": meme.total_minted, "supply_cap": meme.supply_cap, "renounced": meme.renounced})).collect::<Vec<_>>(),
    })
}

//! The one-shot commands (`init`, `status` and the operator's, guardian's and donor's actions):
//! each loads only the keys it needs, signs with signer URIs or offline signatures, and returns
//! what it did as a line for people and a JSON object for scripts.

use std::path::Path;

use anchor_lang::prelude::Pubkey;
use anyhow::{bail, Context};
use covenant::policy::ReleaseSchedule;
use covenant::sdk::TreasuryAddresses;
use solana_instruction::Instruction;
use solana_signature::Signature;
use solana_signer::Signer;

use crate::chain::Chain;
use crate::cli::{Cli, Command};
use crate::config::KeeperConfig;
use crate::context::treasury;
use crate::output::{sol, Output};
use crate::signers::{self, SignerLoader, OFFLINE_COMPUTE_UNITS};
use crate::{ops, status};

/// What a command did: a line for people, an object for `--output json`.
#[derive(Debug)]
pub struct Done {
    pub text: String,
    pub json: serde_json::Value,
}

/// Runs a one-shot command against `chain` (never touched by `--sign-only`).
pub async fn execute(cli: &Cli, config: &KeeperConfig, chain: &dyn Chain) -> anyhow::Result<Done> {
    let base = cli.config.parent().filter(|dir| !dir.as_os_str().is_empty()).unwrap_or(Path::new("."));
    let t = treasury(config, &cli.config).with_context(|| format!("config file {}", cli.config.display()))?;
    if let Command::Status = cli.command {
        let snapshot = crate::observe::observe(chain, &t, &config.sol_wallets()).await?;
        let alarms = status::marker_alarms(&snapshot, config);
        return Ok(Done { text: status::render(&snapshot, &alarms), json: status::json(&snapshot, &alarms) });
    }
    if let Command::ClaimCode { bounty, claimant } = &cli.command {
        let claimant = crate::config::parse_pubkey(claimant).map_err(|error| anyhow::anyhow!("--claimant: {error}"))?;
        let bounty = t.bounty(*bounty);
        let code = crate::proofs::claim_code::claim_code(&bounty, &claimant);
        let json =
            serde_json::json!({"bounty": bounty.to_string(), "claimant": claimant.to_string(), "claim_code": code});
        return Ok(Done { text: format!("{code}  (bounty {bounty}, claimant {claimant})"), json });
    }
    let mut loader = SignerLoader::new(&cli.offline, base);
    let fee_payer = cli.offline.fee_payer.as_deref().map(|uri| loader.load("fee payer", uri)).transpose()?;
    let sender = Sender { cli, config, chain, fee_payer: fee_payer.as_deref() };
    let treasury = t.treasury.to_string();
    match &cli.command {
        Command::Init { operator } => {
            if cli.offline.sign_only || cli.offline.blockhash.is_some() {
                bail!("init sends several transactions and reads the cluster to skip what exists: run it online (its operator key may be usb://ledger or prompt://)");
            }
            let operator = loader.load("operator", operator_uri(operator, config)?)?;
            let keeper = keeper_pubkey(cli, config)?;
            init(&sender, &loader, &t, operator.as_ref(), keeper).await
        }
        Command::Pause { authority } => {
            let authority = loader.load("guardian", authority_uri(authority, config)?)?;
            let ix = covenant::sdk::pause(&t, authority.pubkey());
            let sent = sender.send(&loader, &[ix], authority.as_ref(), &[]).await?;
            Ok(sent.done(|signature| {
                (format!("paused ({signature})"), serde_json::json!({"action": "pause", "treasury": treasury}))
            }))
        }
        Command::Unpause { operator, guardian_override, request } => {
            let operator = loader.load("operator", operator_uri(operator, config)?)?;
            let offline = cli.offline.blockhash.is_some();
            let (ix, action) = unpause_step(chain, &t, *request, *guardian_override, offline).await?;
            let sent = sender.send(&loader, &[ix], operator.as_ref(), &[]).await?;
            Ok(sent.done(|signature| {
                (format!("{} ({signature})", action.text), serde_json::json!({"action": action.name, "treasury": treasury, "request": action.request, "executable_at": action.executable_at}))
            }))
        }
        Command::Donate { from, amount, memo } => {
            let lamports = amount.lamports();
            let donor = loader.load("donor", from)?;
            let ixs = ops::donate(&t, donor.pubkey(), lamports, memo.clone());
            let sent = sender.send(&loader, &ixs, donor.as_ref(), &[]).await?;
            let vault = t.vault;
            Ok(sent.done(|signature| {
                (
                    format!("donated {} SOL ({lamports} lamports) to {vault} ({signature})", sol(lamports)),
                    serde_json::json!({"action": "donate", "vault": vault.to_string(), "lamports": lamports, "sol": sol(lamports)}),
                )
            }))
        }
        Command::Grant { from, id, amount, vest_seconds, expires_in, start } => {
            let lamports = amount.lamports();
            let donor = loader.load("donor", from)?;
            // Both machines of an offline signature must build the same schedule: no clock then.
            let start = match (start, cli.offline.blockhash) {
                (Some(start), _) => *start,
                (None, Some(_)) => bail!("grant with --blockhash: pass the same --start UNIX_TIME on both machines, so that both build the same schedule"),
                (None, None) => chain.clock().await?.unix_timestamp,
            };
            let schedule = match vest_seconds {
                None => ReleaseSchedule::Immediate,
                Some(seconds) => ReleaseSchedule::Linear { start, end: start.saturating_add(*seconds) },
            };
            let expires_at = start.saturating_add(*expires_in);
            let ixs = ops::grant(&t, donor.pubkey(), *id, lamports, schedule, expires_at, None);
            let sent = sender.send(&loader, &ixs, donor.as_ref(), &[]).await?;
            let grant = t.grant(&donor.pubkey(), *id);
            Ok(sent.done(|signature| {
                (
                    format!("grant {grant} funded with {} SOL ({lamports} lamports) ({signature})", sol(lamports)),
                    serde_json::json!({"action": "grant", "grant": grant.to_string(), "lamports": lamports, "sol": sol(lamports), "expires_at": expires_at}),
                )
            }))
        }
        Command::ApprovePending { id, operator } => {
            let operator = loader.load("operator", operator_uri(operator, config)?)?;
            let ix = covenant::sdk::approve_pending(&t, *id);
            let sent = sender.send(&loader, &[ix], operator.as_ref(), &[]).await?;
            Ok(sent.done(|signature| {
                (
                    format!("pending spend {id} approved ({signature})"),
                    serde_json::json!({"action": "approve_pending", "id": id}),
                )
            }))
        }
        Command::CancelPending { id, authority } => {
            let authority = loader.load("guardian", authority_uri(authority, config)?)?;
            let ix = covenant::sdk::cancel_pending(&t, authority.pubkey(), *id);
            let sent = sender.send(&loader, &[ix], authority.as_ref(), &[]).await?;
            Ok(sent.done(|signature| {
                (
                    format!("pending spend {id} cancelled ({signature})"),
                    serde_json::json!({"action": "cancel_pending", "id": id}),
                )
            }))
        }
        Command::Status
        | Command::ClaimCode { .. }
        | Command::Run { .. }
        | Command::CheckModel
        | Command::Demo { .. }
        | Command::Simulate { .. }
        | Command::Mcp { .. }
        | Command::McpToken
        | Command::Fingerprint { .. }
        | Command::Verify { .. }
        | Command::Reputation { .. }
        | Command::RequestPayment(_)
        | Command::CheckPayment(_)
        | Command::Swap(_)
        | Command::Fetch { .. } => {
            bail!("not a one-shot command")
        }
    }
}

fn operator_uri<'a>(flag: &'a Option<String>, config: &'a KeeperConfig) -> anyhow::Result<&'a str> {
    flag.as_deref()
        .or(config.keys.operator.as_deref())
        .context("this command needs the operator's key: pass --operator SIGNER or set keys.operator")
}

/// `pause` and `cancel-pending`: the guardian's key unless told otherwise, else the operator's.
fn authority_uri<'a>(flag: &'a Option<String>, config: &'a KeeperConfig) -> anyhow::Result<&'a str> {
    flag.as_deref().or(config.keys.guardian.as_deref()).or(config.keys.operator.as_deref()).context(
        "this command needs the guardian's or the operator's key: pass --authority SIGNER or set keys.guardian",
    )
}

/// `treasury.keeper`, or the public key of the keeper's key file.
fn keeper_pubkey(cli: &Cli, config: &KeeperConfig) -> anyhow::Result<Pubkey> {
    if let Some(keeper) = config.treasury.keeper {
        return Ok(keeper);
    }
    Ok(crate::context::keeper_keypair(cli, config)?.pubkey())
}

async fn init(
    sender: &Sender<'_>,
    loader: &SignerLoader<'_>,
    t: &TreasuryAddresses,
    operator: &dyn Signer,
    keeper: Pubkey,
) -> anyhow::Result<Done> {
    let steps =
        ops::init_steps(sender.chain, sender.config, operator.pubkey(), keeper).await.map_err(anyhow::Error::msg)?;
    let (mut lines, mut done) = (Vec::new(), Vec::new());
    for step in steps {
        let exists = match step.account {
            Some(account) => sender.chain.accounts(&[account]).await?.into_iter().next().flatten().is_some(),
            None => false,
        };
        if exists {
            lines.push(format!("exists   {}", step.what));
            done.push(serde_json::json!({"step": step.what, "outcome": "exists"}));
            continue;
        }
        let Sent::Landed(signature) = sender.send(loader, &step.instructions, operator, &[]).await? else {
            bail!("init is never signed offline");
        };
        lines.push(format!("created  {}  ({signature})", step.what));
        done.push(serde_json::json!({"step": step.what, "outcome": "created", "signature": signature.to_string()}));
    }
    let json = serde_json::json!({"action": "init", "treasury": t.treasury.to_string(), "steps": done});
    Ok(Done { text: lines.join("\n"), json })
}

/// A transaction sent, or signed for someone else to send.
pub enum Sent {
    Landed(Signature),
    SignedOnly(Done),
}

impl Sent {
    /// The command's own line and object, with the signature; or what `--sign-only` prints.
    fn done(self, describe: impl FnOnce(&Signature) -> (String, serde_json::Value)) -> Done {
        match self {
            Sent::SignedOnly(done) => done,
            Sent::Landed(signature) => {
                let (text, mut json) = describe(&signature);
                json["signature"] = serde_json::Value::String(signature.to_string());
                Done { text, json }
            }
        }
    }
}

/// What `unpause` does this time.
struct UnpauseStep {
    name: &'static str,
    text: String,
    request: Option<u64>,
    executable_at: Option<i64>,
}

/// The next step towards lifting the pause: the direct instruction without a config timelock,
/// else the queued request for this pause once it has matured, else a new request (or, with
/// `--override`, a guardian override). Offline, only `--request` or the direct form.
async fn unpause_step(
    chain: &dyn Chain,
    t: &TreasuryAddresses,
    request: Option<u64>,
    guardian_override: bool,
    offline: bool,
) -> anyhow::Result<(Instruction, UnpauseStep)> {
    use covenant::policy::ConfigChange::Unpause;
    let execute = |id: u64| {
        let step = UnpauseStep {
            name: "unpause",
            text: format!("unpaused by request {id}"),
            request: Some(id),
            executable_at: None,
        };
        (covenant::sdk::execute_config_change(t, id, &Unpause), step)
    };
    if let Some(id) = request {
        return Ok(execute(id));
    }
    if offline {
        if guardian_override {
            bail!("unpause --override reads the treasury's next request id: queue it online (the operator key may be usb://ledger)");
        }
        let step = UnpauseStep { name: "unpause", text: "unpaused".into(), request: None, executable_at: None };
        return Ok((covenant::sdk::unpause(t), step));
    }
    let snapshot = crate::observe::observe(chain, t, &[]).await?;
    let state = &snapshot.treasury;
    if !state.paused {
        bail!("the treasury is not paused");
    }
    let next = state.next_config_change_id;
    let delay = covenant::policy::request_delay(state.config_timelock_seconds, guardian_override);
    let queued = |ix: Instruction, name: &'static str, what: &str| {
        let at = snapshot.now.saturating_add(delay);
        let text = format!("{what} queued as request {next}, executable at {at}: run `unpause --request {next}` then");
        (ix, UnpauseStep { name, text, request: Some(next), executable_at: Some(at) })
    };
    if guardian_override {
        let ix = covenant::sdk::queue_guardian_override(t, next, Unpause);
        return Ok(queued(ix, "queue_guardian_override", "a guardian override (only the operator can cancel it)"));
    }
    if state.config_timelock_seconds == 0 {
        let step = UnpauseStep { name: "unpause", text: "unpaused".into(), request: None, executable_at: None };
        return Ok((covenant::sdk::unpause(t), step));
    }
    let mut waiting = None;
    for (_, request) in snapshot.config_changes.iter().filter(|(_, request)| request.change == Unpause) {
        match snapshot.request_state(request) {
            (crate::observe::RequestState::Executable, _) => return Ok(execute(request.id)),
            (crate::observe::RequestState::Waiting, at) => waiting = Some((request.id, at)),
            _ => {}
        }
    }
    if let Some((id, at)) = waiting {
        bail!(
            "unpause request {id} for this pause is executable at {at} (now {}): run `unpause` again then",
            snapshot.now
        );
    }
    Ok(queued(covenant::sdk::queue_config_change(t, next, Unpause), "queue_unpause", "an unpause"))
}

struct Sender<'a> {
    cli: &'a Cli,
    config: &'a KeeperConfig,
    chain: &'a dyn Chain,
    /// `--fee-payer`; otherwise each transaction's own signer pays.
    fee_payer: Option<&'a dyn Signer>,
}

impl Sender<'_> {
    /// Every transaction gets a compute-unit limit and a priority fee. Online, the limit is 1.2 ×
    /// simulated and the fee the configured percentile of recent fees on its writable accounts
    /// (within floor and cap); with `--blockhash` nothing is looked up (the offline machine must
    /// build the same message): `OFFLINE_COMPUTE_UNITS` at `--with-compute-unit-price`, else the floor.
    async fn send(
        &self,
        loader: &SignerLoader<'_>,
        ixs: &[Instruction],
        authority: &dyn Signer,
        others: &[&dyn Signer],
    ) -> anyhow::Result<Sent> {
        let payer: &dyn Signer = self.fee_payer.unwrap_or(authority);
        let mut signers: Vec<&dyn Signer> = vec![authority];
        signers.extend_from_slice(others);
        let fees = &self.config.fees;
        let (blockhash, units, price) = match loader.blockhash() {
            Some(blockhash) => (
                blockhash,
                OFFLINE_COMPUTE_UNITS,
                self.cli.with_compute_unit_price.unwrap_or(fees.floor_micro_lamports),
            ),
            None => {
                let price = match self.cli.with_compute_unit_price {
                    Some(price) => price,
                    None => crate::act::priority_fee_for(self.chain, ixs, fees).await,
                };
                let blockhash = self.chain.latest_blockhash().await?;
                let probe = crate::act::unsigned(ixs, crate::act::MAX_COMPUTE_UNITS, price, &payer.pubkey(), blockhash);
                // A refused simulation still sends with the full budget, so the program's own error comes back.
                let units = match self.chain.simulate(&probe).await {
                    Ok(simulation) if simulation.error.is_none() => {
                        crate::act::compute_limit(simulation.units_consumed)
                    }
                    _ => crate::act::MAX_COMPUTE_UNITS,
                };
                (blockhash, units, price)
            }
        };
        let tx = signers::assemble(ixs, units, price, payer, &signers, loader.absent(), blockhash)?;
        if loader.sign_only() {
            let (text, json) = signers::sign_only_report(&tx, loader.absent());
            return Ok(Sent::SignedOnly(Done { text, json }));
        }
        let progress = progress(self.cli.output, &tx.signatures[0]);
        let result = self.chain.send_and_confirm(&tx).await;
        progress.finish_and_clear();
        Ok(Sent::Landed(result?))
    }
}

/// A spinner on stderr while the cluster confirms; drawn only on a terminal, never in a pipe, a
/// log file or with `--output json`.
fn progress(output: Output, signature: &Signature) -> indicatif::ProgressBar {
    if output != Output::Display {
        return indicatif::ProgressBar::hidden();
    }
    let spinner = indicatif::ProgressBar::new_spinner();
    spinner.set_message(format!("confirming {signature}"));
    spinner.enable_steady_tick(std::time::Duration::from_millis(120));
    spinner
}

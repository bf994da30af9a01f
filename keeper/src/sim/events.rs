//! Scenario events, applied on the bank by the wallets that would sign them in real life.

use anchor_lang::prelude::Pubkey;
use anchor_lang::AccountDeserialize;
use covenant::constants::SOL_ASSET;
use covenant::instructions::{AddPayeeArgs, CreateBountyArgs, LaunchMemeArgs};
use covenant::policy::{ConfigChange, MintLimits, PolicyLimits, ReleaseSchedule, Tranche};
use covenant::sdk;
use covenant::state::{Bounty, DecisionRecord, Grant, SpendPolicy, Treasury};
use solana_keypair::Keypair;
use solana_signer::Signer;

use covenant_vision::render::{encode_png, render, Photo};
use sha2::{Digest, Sha256};

use super::report::amount;
use super::scenario::Event;
use super::Sandbox;
use crate::chain::{Chain, ChainError};
use crate::errors::transaction_error_name;
use crate::keeper::describe;
use crate::ops;
use crate::proofs::claim_code::claim_code;

const HOUR: i64 = 3_600;

/// The bad photos a `claims` event cycles through.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum BadPhoto {
    NoPoster,
    OtherText,
    Altered,
}

impl BadPhoto {
    const ALL: [Self; 3] = [Self::NoPoster, Self::OtherText, Self::Altered];
}

/// The file a `claims` event's fan (`fan-<bounty>-<i>`) claimed with: `claim-<bounty>-<i>.png`.
fn claims_photo(fan: &str) -> String {
    format!("claim-{}.png", fan.trim_start_matches("fan-"))
}

/// The slogan as a poster prints it: the first word large, the rest below.
fn poster_lines(slogan: &str) -> Vec<String> {
    match slogan.trim().split_once(' ') {
        Some((first, rest)) => vec![first.to_uppercase(), rest.to_string()],
        None => vec![slogan.to_uppercase()],
    }
}

impl Sandbox {
    fn write_proof(&self, file: &str, bytes: &[u8]) -> anyhow::Result<()> {
        let path = self.proofs_dir.join(file);
        std::fs::write(&path, bytes).map_err(|error| anyhow::anyhow!("writing {}: {error}", path.display()))
    }

    /// `name` (a scenario wallet) funds itself from the crowd and submits its claim.
    async fn claim(&mut self, bounty: u64, name: &str, uri: String, hash: [u8; 32]) -> anyhow::Result<()> {
        let claimant = self.scenario.wallet(name);
        self.names.insert(claimant.pubkey(), name.to_string());
        let crowd = self.scenario.wallet("crowd");
        let fund = solana_system_interface::instruction::transfer(&crowd.pubkey(), &claimant.pubkey(), 10_000_000);
        self.submit(&[fund], &crowd, &[]).await?;
        let bounty_key = self.addresses.bounty(bounty);
        self.submit(&[sdk::submit_claim(bounty_key, claimant.pubkey(), uri, hash)], &claimant, &[]).await
    }

    async fn submit(
        &self,
        ixs: &[solana_instruction::Instruction],
        payer: &Keypair,
        signers: &[&Keypair],
    ) -> anyhow::Result<()> {
        ops::submit(self.chain.as_ref(), ixs, payer, signers).await?;
        Ok(())
    }

    async fn read<T: AccountDeserialize>(&self, key: Pubkey) -> anyhow::Result<T> {
        let account = self.chain.accounts(&[key]).await?.into_iter().next().flatten();
        let account = account.ok_or_else(|| anyhow::anyhow!("account {key} does not exist"))?;
        Ok(T::try_deserialize(&mut account.data.as_slice())?)
    }

    async fn now(&self) -> anyhow::Result<i64> {
        Ok(self.chain.clock().await?.unix_timestamp)
    }

    /// Applies one event; returns what happened, for the narration.
    pub(super) async fn apply(&mut self, event: &Event) -> anyhow::Result<Vec<String>> {
        let t = self.addresses;
        let now = self.now().await?;
        let sol = |lamports: u64| format!("{} SOL", amount(lamports, 9));
        Ok(match event {
            Event::Donation { from, amount } => {
                let donor = self.scenario.wallet(from.trim_start_matches('@'));
                self.submit(&ops::donate(&t, donor.pubkey(), *amount, "no strings attached".into()), &donor, &[])
                    .await?;
                *self.flows("SOL").inflow.entry("donation".into()).or_default() += amount;
                vec![format!("{from} donates {}, no strings attached", sol(*amount))]
            }
            Event::Grant { from, id, amount, tranches, linear_hours, expires_hours } => {
                let donor = self.scenario.wallet(from.trim_start_matches('@'));
                let schedule = match linear_hours {
                    Some(hours) => ReleaseSchedule::Linear { start: now, end: now + i64::from(*hours) * HOUR },
                    None if tranches.is_empty() => ReleaseSchedule::Immediate,
                    None => ReleaseSchedule::Tranches {
                        tranches: tranches
                            .iter()
                            .map(|(hours, bps)| Tranche { at: now + i64::from(*hours) * HOUR, bps: *bps })
                            .collect(),
                    },
                };
                let expires_at = now + i64::from(*expires_hours) * HOUR;
                self.submit(&ops::grant(&t, donor.pubkey(), *id, *amount, schedule, expires_at, None), &donor, &[])
                    .await?;
                let terms = if tranches.is_empty() {
                    String::new()
                } else {
                    let parts: Vec<String> = tranches
                        .iter()
                        .map(|(hours, bps)| format!("{}% at +{hours} h", f64::from(*bps) / 100.0))
                        .collect();
                    format!(" in tranches ({})", parts.join(", "))
                };
                vec![format!("{from} funds grant {id}: {}{terms}, expiring in {expires_hours} h", sol(*amount))]
            }
            Event::ClawBack { from, id } => {
                let donor = self.scenario.wallet(from.trim_start_matches('@'));
                let grant_key = t.grant(&donor.pubkey(), *id);
                let grant: Grant = self.read(grant_key).await?;
                let unreleased = grant.ledger.remaining().unwrap_or(0);
                self.submit(&[sdk::claw_back_grant(grant_key, donor.pubkey(), None)], &donor, &[]).await?;
                self.flows("SOL").clawed_back += unreleased;
                vec![format!(
                    "{from} claws back the {} grant {id} never released (released: {})",
                    sol(unreleased),
                    sol(grant.ledger.released)
                )]
            }
            Event::LaunchMeme { mint, symbol, decimals, supply_cap, period_cap, period_hours, vault_allocation } => {
                let mint_key = self.scenario.wallet(mint.trim_start_matches('@'));
                let args = LaunchMemeArgs {
                    name: format!("{symbol} coin"),
                    symbol: symbol.clone(),
                    uri: format!("https://example.org/{}.json", symbol.to_lowercase()),
                    decimals: *decimals,
                    supply_cap: *supply_cap,
                    limits: MintLimits {
                        period_seconds: period_hours * 3_600,
                        period_cap: *period_cap,
                        allowlist_required: false,
                    },
                    vault_allocation: *vault_allocation,
                    recipient_allocations: Vec::new(),
                };
                let ix = sdk::launch_meme(&t, mint_key.pubkey(), args, &[]);
                let operator = self.operator.insecure_clone();
                self.submit(&[ix], &operator, &[&mint_key]).await?;
                self.symbols.insert(mint_key.pubkey(), (symbol.clone(), *decimals));
                if *vault_allocation > 0 {
                    self.flows(symbol).minted.insert("launch".into(), *vault_allocation);
                }
                vec![format!(
                    "the operator launches ${symbol} ({}): supply capped at {}, the keeper may mint {} per {period_hours} h",
                    short(&mint_key.pubkey()),
                    amount(*supply_cap, *decimals),
                    amount(*period_cap, *decimals)
                )]
            }
            Event::Bounty { id, reward, max_claims, hours, description, claim_code } => {
                let args = CreateBountyArgs {
                    reward: *reward,
                    max_claims: *max_claims,
                    deadline: now + i64::from(*hours) * HOUR,
                    description: description.clone(),
                    decision: DecisionRecord::default(),
                    claim_code: *claim_code,
                    disputes: Default::default(),
                };
                let operator = self.operator.insecure_clone();
                self.submit(&[sdk::create_bounty(&t, operator.pubkey(), None, *id, args)], &operator, &[]).await?;
                let bounty: Bounty = self.read(t.bounty(*id)).await?;
                *self.flows("SOL").outflow.entry("bounty escrow".into()).or_default() += bounty.funded;
                let codes = if *claim_code { "; each photo must show the claimant's own code" } else { "" };
                vec![format!(
                    "the operator posts bounty {id}: \"{description}\", {} to each of {max_claims} (escrowed {} from the vault){codes}",
                    sol(*reward),
                    sol(bounty.funded)
                )]
            }
            Event::Claims { bounty, good, bad } => {
                let total = good + bad;
                // Seeded shuffle: claim i is bad when it falls among the `bad` smallest coins.
                let mut order: Vec<(u64, u32)> =
                    (0..total).map(|i| (self.scenario.coin(u64::from(i) + 1_000 * bounty), i)).collect();
                order.sort_unstable();
                let bad_ones: Vec<u32> = order.iter().take(*bad as usize).map(|(_, i)| *i).collect();
                let slogan = self.proof_rules.get(bounty).map(|rule| rule.text.clone()).ok_or_else(|| {
                    anyhow::anyhow!("claims on bounty {bounty}: the config has no [[bounty]] proof rule for it")
                })?;
                let mut lines = Vec::new();
                for i in 0..total {
                    let name = format!("fan-{bounty}-{i}");
                    let seed = self.scenario.coin(u64::from(i) + 7_000 * (bounty + 1));
                    let kind = bad_ones.iter().position(|bad| *bad == i).map(|n| BadPhoto::ALL[n % 3]);
                    let file = claims_photo(&name);
                    let photo = match kind {
                        None | Some(BadPhoto::Altered) => Photo::Poster(poster_lines(&slogan)),
                        Some(BadPhoto::NoPoster) => Photo::NoPoster,
                        Some(BadPhoto::OtherText) => {
                            Photo::Poster(vec!["SUMMER SALE".into(), "everything half price".into()])
                        }
                    };
                    let mut image = render(&photo, seed);
                    let bytes = encode_png(&image);
                    let hash: [u8; 32] = Sha256::digest(&bytes).into();
                    let written = match kind {
                        // The same photo with a small patch painted over after the hash went on chain.
                        Some(BadPhoto::Altered) => {
                            for (x, y) in (0..24).flat_map(|x| (0..24).map(move |y| (x, y))) {
                                image.put_pixel(x, y, covenant_vision::image::Rgb([255, 0, 0]));
                            }
                            encode_png(&image)
                        }
                        _ => bytes,
                    };
                    self.write_proof(&file, &written)?;
                    let what = match kind {
                        None => "a photo of the poster",
                        Some(BadPhoto::NoPoster) => "a photo without the poster",
                        Some(BadPhoto::OtherText) => "a poster with other text",
                        Some(BadPhoto::Altered) => "a photo of the poster, altered after its hash went on chain",
                    };
                    lines.push(format!("{name} claims with {what} ({file})"));
                    self.claim(*bounty, &name, format!("file://{file}"), hash).await?;
                }
                lines.insert(
                    0,
                    format!("{total} fans claim bounty {bounty}: {good} with a photo of the poster, {bad} not"),
                );
                lines
            }
            Event::Claim { bounty, from, image } => {
                let base = self.scenario.base.clone().unwrap_or_default();
                let path = base.join(image);
                let bytes =
                    std::fs::read(&path).map_err(|error| anyhow::anyhow!("claim image {}: {error}", path.display()))?;
                let file = path
                    .file_name()
                    .map(|name| name.to_string_lossy().to_string())
                    .unwrap_or_else(|| "claim.png".into());
                self.write_proof(&file, &bytes)?;
                let hash: [u8; 32] = Sha256::digest(&bytes).into();
                let name = from.trim_start_matches('@').to_string();
                self.claim(*bounty, &name, format!("file://{file}"), hash).await?;
                vec![format!("{name} claims bounty {bounty} with {file}")]
            }
            Event::ReusedClaim { bounty, from, of } => {
                let original = claims_photo(of.trim_start_matches('@'));
                let path = self.proofs_dir.join(&original);
                let bytes =
                    std::fs::read(&path).map_err(|error| anyhow::anyhow!("{of}'s photo {original}: {error}"))?;
                let image = covenant_vision::decode(&bytes, covenant_vision::DecodeLimits::default())?;
                let copy = covenant_vision::edits::jpeg(&image, 70);
                let name = from.trim_start_matches('@').to_string();
                let file = format!("reused-{name}.jpg");
                self.write_proof(&file, &copy)?;
                let hash: [u8; 32] = Sha256::digest(&copy).into();
                self.claim(*bounty, &name, format!("file://{file}"), hash).await?;
                vec![format!(
                    "{name} claims bounty {bounty} with {of}'s photo, re-encoded as JPEG (a new file, a new hash)"
                )]
            }
            Event::CodeClaims { bounty, honest, copier, forgetful } => {
                let slogan = self.proof_rules.get(bounty).map(|rule| rule.text.clone()).ok_or_else(|| {
                    anyhow::anyhow!("claims on bounty {bounty}: the config has no [[bounty]] proof rule for it")
                })?;
                let bounty_key = t.bounty(*bounty);
                let names = [honest, copier, forgetful].map(|name| name.trim_start_matches('@').to_string());
                let honest_code = claim_code(&bounty_key, &self.scenario.wallet(&names[0]).pubkey());
                let mut lines = Vec::new();
                for (n, name) in names.iter().enumerate() {
                    let mut poster = poster_lines(&slogan);
                    if n < 2 {
                        poster.push(honest_code.clone());
                    }
                    let seed = self.scenario.coin(9_000 + n as u64 + 100 * bounty);
                    let bytes = encode_png(&render(&Photo::Poster(poster), seed));
                    let file = format!("code-{bounty}-{name}.png");
                    self.write_proof(&file, &bytes)?;
                    let hash: [u8; 32] = Sha256::digest(&bytes).into();
                    self.claim(*bounty, name, format!("file://{file}"), hash).await?;
                    lines.push(match n {
                        0 => format!("{name} writes their code {honest_code} beside the poster and claims"),
                        1 => format!("{name} claims with a photo showing {}'s code {honest_code}", names[0]),
                        _ => format!("{name} claims with a photo of the poster and no code"),
                    });
                }
                lines
            }
            Event::ForcedSpend { recipient, amount } => {
                let recipient_key = self.scenario.address(recipient);
                let keeper = self.keeper_key.insecure_clone();
                let ix = sdk::spend_sol(&t, keeper.pubkey(), recipient_key, *amount, DecisionRecord::default());
                match ops::submit(self.chain.as_ref(), &[ix], &keeper, &[]).await {
                    Err(ChainError::Rejected { error, .. }) => {
                        let reason = describe(&error);
                        let name = transaction_error_name(&error).map_or_else(|| format!("{error:?}"), str::to_string);
                        *self.flows("SOL").refused_by_program.entry(name).or_default() += 1;
                        vec![format!(
                            "someone with the keeper key signs {} to {recipient}, skipping the guard: the program refuses it ({reason})",
                            sol(*amount)
                        )]
                    }
                    Err(error) => return Err(error.into()),
                    Ok(_) => {
                        *self.flows("SOL").outflow.entry("forced".into()).or_default() += amount;
                        vec![format!("A FORCED SPEND OF {} LANDED: the policy did not hold", sol(*amount))]
                    }
                }
            }
            Event::StolenOperatorKey { recipient } => self.stolen_operator_key(recipient).await?,
            Event::Pause {} => {
                let guardian = self.scenario.wallet("guardian");
                self.submit(&[sdk::pause(&t, guardian.pubkey())], &guardian, &[]).await?;
                vec!["the guardian pauses the treasury: nothing moves until the operator unpauses".into()]
            }
            Event::Watch {} => Vec::new(),
            Event::Unpause {} => {
                let operator = self.operator.insecure_clone();
                self.submit(&[sdk::unpause(&t)], &operator, &[]).await?;
                vec!["the operator unpauses the treasury".into()]
            }
        })
    }
}

impl Sandbox {
    /// The thief tries the direct way (refused), queues a payee for itself and a wide-open SOL
    /// policy, and the guardian, seeing them in the queue, cancels both.
    async fn stolen_operator_key(&mut self, recipient: &str) -> anyhow::Result<Vec<String>> {
        let t = self.addresses;
        let thief = self.scenario.address(recipient);
        let operator = self.operator.insecure_clone();
        let payee = AddPayeeArgs {
            recipient: thief,
            label: "totally legit".into(),
            category: "developers".into(),
            budget: None,
            expires_at: None,
        };
        let add_thief = payee.to_change();
        let mut lines = Vec::new();
        match ops::submit(self.chain.as_ref(), &[sdk::add_payee(&t, payee)], &operator, &[]).await {
            Err(ChainError::Rejected { error, .. }) => {
                let name = transaction_error_name(&error).map_or_else(|| format!("{error:?}"), str::to_string);
                *self.flows("SOL").refused_by_program.entry(name).or_default() += 1;
                lines.push(format!(
                    "someone with the operator key adds {recipient} as a payee: the program refuses to apply it at once ({})",
                    describe(&error)
                ));
            }
            Err(error) => return Err(error.into()),
            Ok(_) => {
                lines.push(format!("A STOLEN OPERATOR KEY ADDED {recipient} AT ONCE: the config timelock did not hold"))
            }
        }
        let treasury: Treasury = self.read(t.treasury).await?;
        let policy: SpendPolicy = self.read(t.policy(&SOL_ASSET)).await?;
        let wide_open = PolicyLimits {
            per_tx_max: policy.limits.per_tx_max.saturating_mul(50),
            period_cap: policy.limits.period_cap.saturating_mul(50),
            cosign_threshold: None,
            allowlist_required: false,
            ..policy.limits
        };
        let changes = [add_thief, ConfigChange::UpdatePolicy { asset: SOL_ASSET, limits: wide_open }];
        let first_id = treasury.next_config_change_id;
        for (offset, change) in changes.iter().enumerate() {
            let queue = sdk::queue_config_change(&t, first_id + offset as u64, change.clone());
            self.submit(&[queue], &operator, &[]).await?;
        }
        let hours = f64::from(treasury.config_timelock_seconds) / 3_600.0;
        lines.push(format!(
            "so it queues them instead: \"{}\" and \"{}\", in public, executable in {hours} h",
            crate::status::describe_change(&changes[0]),
            crate::status::describe_change(&changes[1])
        ));
        let guardian = self.scenario.wallet("guardian");
        for offset in 0..changes.len() as u64 {
            self.submit(&[sdk::cancel_config_change(&t, guardian.pubkey(), first_id + offset)], &guardian, &[]).await?;
        }
        lines.push("the guardian sees them in the queue and cancels both: nothing changed".into());
        Ok(lines)
    }
}

pub(super) fn short(key: &Pubkey) -> String {
    let text = key.to_string();
    format!("{}…", &text[..6])
}

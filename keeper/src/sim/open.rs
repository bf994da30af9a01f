//! A scenario's treasury as it stands before the keeper's first tick, on a fresh bank: what the
//! sandbox plays from, and what `mcp --simulate` serves to agents.

use super::*;

/// A fresh bank for `scenario`: its wallets funded, the clock at the sandbox's epoch.
pub(super) async fn start_bank(scenario: &Scenario) -> anyhow::Result<Arc<BankChain>> {
    let (operator, keeper_key) = (scenario.wallet("operator"), scenario.wallet("keeper"));
    let mut funded = vec![
        (operator.pubkey(), 1_000 * SOL + scenario.vault_lamports),
        (keeper_key.pubkey(), 10 * SOL),
        (scenario.address("guardian"), SOL),
        (scenario.address("crowd"), 100 * SOL),
    ];
    let donors: BTreeSet<&str> = scenario
        .events
        .iter()
        .filter_map(|event| match &event.event {
            Event::Donation { from, .. } | Event::Grant { from, .. } => Some(from.as_str()),
            _ => None,
        })
        .collect();
    funded.extend(donors.iter().map(|donor| (scenario.address(donor), 1_000 * SOL)));
    let chain = Arc::new(BankChain::start(&funded).await);
    let genesis = chain.clock().await?.unix_timestamp;
    chain.warp_seconds(SIM_EPOCH - genesis).await?;
    Ok(chain)
}

/// A scenario's treasury, created and funded on a fresh bank, with the events of its first tick
/// played (a pause, a donation, a bounty...): what `mcp --simulate` serves to agents.
pub struct OpenTreasury {
    pub chain: Arc<BankChain>,
    pub config: KeeperConfig,
    pub addresses: TreasuryAddresses,
    pub keeper: solana_keypair::Keypair,
    /// Every `@name` of the scenario with its address, so an agent can be told whom it may pay.
    pub wallets: Vec<(String, Pubkey)>,
}

/// `vault_at_least`: virtual funds for the vault when the scenario gives it less (its donations are
/// events that are not played here).
pub async fn open_treasury(
    scenario: &Scenario,
    decision_log: &Path,
    proofs_dir: &Path,
    vault_at_least: u64,
) -> anyhow::Result<OpenTreasury> {
    let config = scenario.keeper_config(decision_log, proofs_dir)?;
    let (operator, keeper) = (scenario.wallet("operator"), scenario.wallet("keeper"));
    let chain = start_bank(scenario).await?;
    for step in ops::init_steps(chain.as_ref(), &config, operator.pubkey(), keeper.pubkey())
        .await
        .map_err(anyhow::Error::msg)?
    {
        ops::submit(chain.as_ref(), &step.instructions, &operator, &[]).await?;
    }
    let addresses = TreasuryAddresses::new(operator.pubkey(), config.treasury.id);
    let funding = scenario.vault_lamports.max(vault_at_least).min(900 * SOL);
    if funding > 0 {
        let ixs = ops::donate(&addresses, operator.pubkey(), funding, "operator funding".into());
        ops::submit(chain.as_ref(), &ixs, &operator, &[]).await?;
    }
    let mut sandbox = Sandbox::new(scenario, chain.clone(), addresses, &config, proofs_dir.to_path_buf());
    std::fs::create_dir_all(proofs_dir)?;
    for event in scenario.events.iter().filter(|event| event.tick == 1) {
        sandbox.apply(&event.event).await?;
    }
    let wallets = scenario.wallet_names().into_iter().map(|(key, name)| (name, key)).collect();
    Ok(OpenTreasury { chain, config, addresses, keeper, wallets })
}

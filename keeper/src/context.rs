//! What a command runs with, resolved from the command line and the config: the cluster, the
//! keeper's key, the treasury's addresses, the models. Both doors (the CLI's commands and the MCP
//! server) and the loop start from here.

use std::path::Path;
use std::sync::Arc;

use anyhow::{bail, Context};
use covenant::sdk::TreasuryAddresses;
use solana_keypair::Keypair;
use solana_signer::Signer;

use crate::cli::Cli;
use crate::config::{parse_pubkey, KeeperConfig};
use crate::model::Model;
use crate::setup;

/// The config file with the cluster and commitment resolved from flag, file, Solana CLI config.
pub struct Settings {
    pub config: KeeperConfig,
    pub url: String,
    pub commitment: solana_commitment_config::CommitmentConfig,
}

pub fn settings(cli: &Cli) -> anyhow::Result<Settings> {
    let mut config = KeeperConfig::load(&cli.config)?;
    let solana = crate::cluster::SolanaCliConfig::load();
    let url = crate::cluster::first(&[
        ("--url", cli.url.as_deref()),
        ("cluster.url", config.cluster.url.as_deref()),
        ("the Solana CLI config's json_rpc_url", solana.json_rpc_url.as_deref()),
    ]);
    let url = match url {
        Some((from, text)) => crate::cluster::resolve_url(text).map_err(|error| anyhow::anyhow!("{from}: {error}"))?,
        None => crate::cluster::DEFAULT_URL.to_string(),
    };
    let commitment = crate::cluster::first(&[
        ("--commitment", cli.commitment.as_deref()),
        ("cluster.commitment", config.cluster.commitment.as_deref()),
        ("the Solana CLI config's commitment", solana.commitment.as_deref()),
    ]);
    let commitment = match commitment {
        Some((from, text)) => {
            crate::cluster::resolve_commitment(text).map_err(|error| anyhow::anyhow!("{from}: {error}"))?
        }
        None => solana_commitment_config::CommitmentConfig::confirmed(),
    };
    config.run.decision_log = setup::relative_to(&cli.config, &config.run.decision_log);
    Ok(Settings { config, url, commitment })
}

/// The keeper's hot key: `keys.keeper`, else the Solana CLI config's keypair.
pub fn keeper_keypair(cli: &Cli, config: &KeeperConfig) -> anyhow::Result<Keypair> {
    let path = match (&config.keys.keeper, crate::cluster::SolanaCliConfig::load().keypair_path) {
        (Some(path), _) => setup::relative_to(&cli.config, path),
        (None, Some(path)) => path,
        (None, None) => bail!(
            "config file {}: set keys.keeper, or a keypair in the Solana CLI config (solana config set --keypair FILE)",
            cli.config.display()
        ),
    };
    Ok(setup::read_keypair(&path)?)
}

pub fn load_model(cli: &Cli, config: &KeeperConfig) -> anyhow::Result<Arc<dyn Model>> {
    let model =
        cli.model.clone().or_else(|| config.model.path.as_ref().map(|path| setup::relative_to(&cli.config, path)));
    let library = cli.ort_lib.clone().unwrap_or_else(setup::default_ort_library);
    let device = cli.device.unwrap_or(config.model.device);
    Ok(setup::load_model(model.as_deref(), &library, device)?)
}

/// The decision model's file as `load_model` reads it (the built-in default when none is named).
pub fn model_bytes(cli: &Cli, config: &KeeperConfig) -> anyhow::Result<Vec<u8>> {
    let model =
        cli.model.clone().or_else(|| config.model.path.as_ref().map(|path| setup::relative_to(&cli.config, path)));
    match model {
        Some(path) => std::fs::read(&path).with_context(|| format!("model file {}", path.display())),
        None => Ok(setup::DEFAULT_MODEL.to_vec()),
    }
}

/// The proof reader (PP-OCRv4 detection and recognition) on the same device as the model.
pub fn load_reader(cli: &Cli, config: &KeeperConfig) -> anyhow::Result<Arc<crate::proofs::ProofReader>> {
    let library = cli.ort_lib.clone().unwrap_or_else(setup::default_ort_library);
    let device = cli.device.unwrap_or(config.model.device);
    let base = cli.config.parent().unwrap_or(Path::new("."));
    Ok(Arc::new(crate::proofs::ProofReader::load(&config.proofs, base, &library, device)?))
}

/// The treasury's addresses from public keys alone: `treasury.operator`, or the public key of
/// `keys.operator` when that is a key file or a public key. A prompt or a device is never opened
/// for this, so `run` and `status` work on a machine that has no operator key.
pub fn treasury(config: &KeeperConfig, config_path: &Path) -> anyhow::Result<TreasuryAddresses> {
    let operator = match (&config.treasury.operator, &config.keys.operator) {
        (Some(operator), _) => *operator,
        (None, Some(uri)) => match parse_pubkey(uri) {
            Ok(pubkey) => pubkey,
            Err(_) if !uri.contains(':') && uri != "ASK" => {
                setup::read_keypair(&setup::relative_to(config_path, Path::new(uri)))?.pubkey()
            }
            Err(_) => bail!("keys.operator is {uri}: set treasury.operator to its public key"),
        },
        (None, None) => bail!("set treasury.operator (the operator's public key) or keys.operator"),
    };
    Ok(TreasuryAddresses::new(operator, config.treasury.id))
}

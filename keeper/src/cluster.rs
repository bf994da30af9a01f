//! Which cluster, which commitment and which default key, resolved the way the Solana CLI resolves
//! them: the command line first (`-u/--url` with the monikers m, d, t, l and their names,
//! `--commitment`), then keeper.toml, then the Solana CLI's own config file
//! (`~/.config/solana/cli/config.yml`, read with `solana-cli-config`), then a default.

use std::path::PathBuf;
use std::str::FromStr;

use solana_commitment_config::CommitmentConfig;

/// The keeper's default cluster when nothing names one: a local validator, never a cluster with
/// real money by accident.
pub const DEFAULT_URL: &str = "http://127.0.0.1:8899";

/// What the Solana CLI's config file says, when there is one.
#[derive(Clone, Debug, Default)]
pub struct SolanaCliConfig {
    pub json_rpc_url: Option<String>,
    pub keypair_path: Option<PathBuf>,
    pub commitment: Option<String>,
}

impl SolanaCliConfig {
    /// The user's Solana CLI config (`$HOME/.config/solana/cli/config.yml`); empty when absent or
    /// unreadable (it is only a fallback).
    pub fn load() -> Self {
        let Some(path) = solana_cli_config::CONFIG_FILE.as_ref() else { return Self::default() };
        if !std::path::Path::new(path).exists() {
            return Self::default();
        }
        match solana_cli_config::Config::load(path) {
            Ok(config) => Self {
                json_rpc_url: Some(config.json_rpc_url).filter(|url| !url.is_empty()),
                keypair_path: Some(config.keypair_path).filter(|path| !path.is_empty()).map(PathBuf::from),
                commitment: Some(config.commitment).filter(|commitment| !commitment.is_empty()),
            },
            Err(error) => {
                tracing::warn!(%path, %error, "ignoring the Solana CLI config file");
                Self::default()
            }
        }
    }
}

/// A URL, or a moniker (`m`/`mainnet-beta`, `d`/`devnet`, `t`/`testnet`, `l`/`localhost`).
pub fn resolve_url(text: &str) -> Result<String, String> {
    let url = solana_clap_utils::input_validators::normalize_to_url_if_moniker(text.trim());
    match url::Url::parse(&url) {
        Ok(parsed) if matches!(parsed.scheme(), "http" | "https") && parsed.host().is_some() => Ok(url),
        _ => Err(format!(
            "{text:?} is neither an http(s) URL nor a cluster moniker (m, d, t, l, or mainnet-beta, devnet, testnet, localhost)"
        )),
    }
}

pub fn resolve_commitment(text: &str) -> Result<CommitmentConfig, String> {
    CommitmentConfig::from_str(text.trim())
        .map_err(|_| format!("{text:?} is not a commitment (processed, confirmed, finalized)"))
}

/// The first of `sources` that is set, with the name of where it came from.
pub fn first<'a>(sources: &[(&'static str, Option<&'a str>)]) -> Option<(&'static str, &'a str)> {
    sources.iter().find_map(|(from, value)| value.map(|value| (*from, value)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn monikers_and_urls_resolve_and_anything_else_is_refused() {
        assert_eq!(resolve_url("d").unwrap(), "https://api.devnet.solana.com");
        assert_eq!(resolve_url("devnet").unwrap(), "https://api.devnet.solana.com");
        assert_eq!(resolve_url("m").unwrap(), "https://api.mainnet-beta.solana.com");
        assert_eq!(resolve_url("t").unwrap(), "https://api.testnet.solana.com");
        assert_eq!(resolve_url("l").unwrap(), "http://localhost:8899");
        assert_eq!(resolve_url("localhost").unwrap(), "http://localhost:8899");
        assert_eq!(resolve_url("http://10.0.0.2:8899").unwrap(), "http://10.0.0.2:8899");
        for bad in ["devnt", "ftp://x", "", "http://"] {
            let error = resolve_url(bad).unwrap_err();
            assert!(error.contains("moniker"), "{error}");
        }
    }

    #[test]
    fn commitments_are_the_clis() {
        assert_eq!(resolve_commitment("finalized").unwrap(), CommitmentConfig::finalized());
        assert_eq!(resolve_commitment("processed").unwrap(), CommitmentConfig::processed());
        assert!(resolve_commitment("final").is_err());
    }

    #[test]
    fn the_first_source_that_is_set_wins() {
        let picked = first(&[("--url", None), ("keeper.toml", Some("a")), ("Solana CLI config", Some("b"))]);
        assert_eq!(picked, Some(("keeper.toml", "a")));
        assert_eq!(first(&[("--url", None)]), None);
    }
}

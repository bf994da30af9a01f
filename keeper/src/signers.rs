//! Operator, guardian and donor keys named the way the Solana CLI names them: a keypair file,
//! `prompt://` (seed phrase), `stdin:`, `usb://ledger`, or a bare public key whose signature was
//! made offline (`--signer PUBKEY=SIGNATURE`) or, with `--sign-only`, is still to be made.
//!
//! Offline signing follows the Solana CLI's flow: on the machine with the cold key, the command
//! runs with `--sign-only --blockhash HASH` and prints `PUBKEY=SIGNATURE` lines; on the machine
//! with the network, the same command runs with the key given as its public key, the same
//! `--blockhash` and those `--signer` pairs, and sends. Both sides build the same message because
//! a transaction with a given blockhash skips every lookup (no recent fees, no simulation).

use std::path::{Path, PathBuf};
use std::rc::Rc;
use std::str::FromStr;

use anchor_lang::prelude::Pubkey;
use anyhow::{anyhow, bail};
use solana_hash::Hash;
use solana_instruction::Instruction;
use solana_presigner::Presigner;
use solana_remote_wallet::remote_wallet::RemoteWalletManager;
use solana_signature::Signature;
use solana_signer::null_signer::NullSigner;
use solana_signer::Signer;
use solana_transaction::Transaction;

/// The compute-unit limit of a transaction built without simulation (offline, or for a given
/// blockhash): the runtime's default budget for one instruction, above every operator
/// instruction's measured need (docs/compute-budget.md).
pub const OFFLINE_COMPUTE_UNITS: u32 = 200_000;

/// `--sign-only`, `--blockhash`, `--signer` and `--fee-payer`, as in the Solana CLI.
#[derive(clap::Args, Clone, Debug, Default)]
pub struct OfflineArgs {
    /// Sign with the keys at hand, print the signatures and send nothing (needs --blockhash).
    #[arg(long, requires = "blockhash", global = true)]
    pub sign_only: bool,
    /// The blockhash to sign over; with --signer, the one the offline signatures were made over.
    #[arg(long, value_parser = parse_hash, global = true)]
    pub blockhash: Option<Hash>,
    /// A PUBKEY=SIGNATURE pair printed by --sign-only (repeat for several signers).
    #[arg(long = "signer", value_name = "PUBKEY=SIGNATURE", value_parser = parse_presigner, global = true)]
    pub signers: Vec<(Pubkey, Signature)>,
    /// Who pays the fee (a signer, or a public key with --sign-only); default: the command's signer.
    #[arg(long, value_name = "SIGNER", global = true)]
    pub fee_payer: Option<String>,
}

fn parse_hash(text: &str) -> Result<Hash, String> {
    Hash::from_str(text.trim()).map_err(|_| format!("{text:?} is not a blockhash (base58, 32 bytes)"))
}

fn parse_presigner(text: &str) -> Result<(Pubkey, Signature), String> {
    let invalid = || format!("{text:?} is not PUBKEY=SIGNATURE (as --sign-only prints it)");
    let (pubkey, signature) = text.trim().split_once('=').ok_or_else(invalid)?;
    Ok((Pubkey::from_str(pubkey).map_err(|_| invalid())?, Signature::from_str(signature).map_err(|_| invalid())?))
}

/// Loads signers for one command; remembers which keys only have their public key (sign-only).
pub struct SignerLoader<'a> {
    offline: &'a OfflineArgs,
    /// Relative keypair paths in the config are relative to the config file's directory.
    base: PathBuf,
    wallet_manager: Option<Rc<RemoteWalletManager>>,
    absent: Vec<Pubkey>,
}

impl<'a> SignerLoader<'a> {
    pub fn new(offline: &'a OfflineArgs, base: &Path) -> Self {
        Self { offline, base: base.to_path_buf(), wallet_manager: None, absent: Vec::new() }
    }

    /// `role` names the key in prompts and errors ("operator", "guardian", "donor").
    pub fn load(&mut self, role: &str, uri: &str) -> anyhow::Result<Box<dyn Signer>> {
        let uri = uri.trim();
        if let Ok(pubkey) = Pubkey::from_str(uri) {
            if let Some((_, signature)) = self.offline.signers.iter().find(|(key, _)| *key == pubkey) {
                return Ok(Box::new(Presigner::new(&pubkey, signature)));
            }
            if self.offline.sign_only {
                self.absent.push(pubkey);
                return Ok(Box::new(NullSigner::new(&pubkey)));
            }
            bail!(
                "{role} {pubkey}: no signature for this key; sign on the machine that holds it with --sign-only \
                 --blockhash HASH and pass what it prints as --signer {pubkey}=SIGNATURE"
            );
        }
        let path = self.resolve(uri);
        // solana-clap-utils reads its options from clap 2 matches; the keeper's are parsed by clap 4
        // (and presigned keys are handled above), so it gets empty ones.
        let matches = clap2::App::new("covenant-keeper").get_matches_from(["covenant-keeper"]);
        solana_clap_utils::keypair::signer_from_path(&matches, &path, role, &mut self.wallet_manager)
            .map_err(|error| anyhow!("{role} signer {uri}: {error}"))
    }

    /// A keypair path relative to the config file; URIs (`prompt://`, `usb://`, `stdin:`) as given.
    fn resolve(&self, uri: &str) -> String {
        let is_uri = uri.contains("://") || uri.starts_with("stdin:") || uri == "-" || uri == "ASK";
        let path = Path::new(uri.strip_prefix("file:").unwrap_or(uri));
        if is_uri || path.is_absolute() {
            return uri.to_string();
        }
        self.base.join(path).display().to_string()
    }

    pub fn sign_only(&self) -> bool {
        self.offline.sign_only
    }

    pub fn blockhash(&self) -> Option<Hash> {
        self.offline.blockhash
    }

    /// The keys that must sign elsewhere before this transaction can be sent.
    pub fn absent(&self) -> &[Pubkey] {
        &self.absent
    }
}

/// `ixs` behind a compute-unit limit and price, paid by `fee_payer`, signed by every signer that
/// can sign here (absent ones, listed in `absent`, keep an empty signature).
pub fn assemble(
    ixs: &[Instruction],
    units: u32,
    price: u64,
    fee_payer: &dyn Signer,
    signers: &[&dyn Signer],
    absent: &[Pubkey],
    blockhash: Hash,
) -> anyhow::Result<Transaction> {
    use solana_compute_budget_interface::ComputeBudgetInstruction;
    let mut all = vec![
        ComputeBudgetInstruction::set_compute_unit_limit(units),
        ComputeBudgetInstruction::set_compute_unit_price(price),
    ];
    all.extend_from_slice(ixs);
    let message = solana_message::Message::new_with_blockhash(&all, Some(&fee_payer.pubkey()), &blockhash);
    let mut tx = Transaction::new_unsigned(message);
    let mut signed: Vec<Pubkey> = Vec::new();
    for signer in std::iter::once(fee_payer).chain(signers.iter().copied()) {
        let pubkey = signer.pubkey();
        if absent.contains(&pubkey) || signed.contains(&pubkey) {
            continue;
        }
        let Some(index) = tx.get_signing_keypair_positions(&[pubkey])?.into_iter().next().flatten() else {
            bail!("{pubkey} does not sign this transaction");
        };
        let signature = signer.try_sign_message(&tx.message_data()).map_err(|error| match error {
            solana_signer::SignerError::PresignerError(_) => anyhow!(
                "the offline signature for {pubkey} is not over this transaction: run the same command with \
                 the same arguments and --blockhash on both machines"
            ),
            error => anyhow!("{pubkey} could not sign: {error}"),
        })?;
        tx.signatures[index] = signature;
        signed.push(pubkey);
    }
    Ok(tx)
}

/// What `--sign-only` prints: the blockhash, the signatures made here and the keys still to sign.
pub fn sign_only_report(tx: &Transaction, absent: &[Pubkey]) -> (String, serde_json::Value) {
    let keys = &tx.message.account_keys[..usize::from(tx.message.header.num_required_signatures)];
    let present: Vec<String> = keys
        .iter()
        .zip(&tx.signatures)
        .filter(|(key, _)| !absent.contains(key))
        .map(|(key, signature)| format!("{key}={signature}"))
        .collect();
    let absent: Vec<String> = keys.iter().filter(|key| absent.contains(key)).map(ToString::to_string).collect();
    let mut text = format!("Blockhash: {}\nSigners (Pubkey=Signature):\n", tx.message.recent_blockhash);
    for line in &present {
        text.push_str(&format!("  {line}\n"));
    }
    if !absent.is_empty() {
        text.push_str("Absent Signers (Pubkey):\n");
        for key in &absent {
            text.push_str(&format!("  {key}\n"));
        }
    }
    let json = serde_json::json!({
        "blockhash": tx.message.recent_blockhash.to_string(),
        "signers": present,
        "absent": absent,
    });
    (text.trim_end().to_string(), json)
}

#[cfg(test)]
mod tests {
    use super::*;
    use solana_keypair::Keypair;

    fn offline(sign_only: bool, signers: Vec<(Pubkey, Signature)>) -> OfflineArgs {
        OfflineArgs { sign_only, blockhash: Some(Hash::new_from_array([3; 32])), signers, fee_payer: None }
    }

    #[test]
    fn a_sign_only_signature_completes_the_same_transaction_elsewhere() {
        let cold = Keypair::new();
        let hot = Keypair::new();
        let blockhash = Hash::new_from_array([3; 32]);
        let ix = solana_system_interface::instruction::transfer(&cold.pubkey(), &Pubkey::new_unique(), 5);
        // Offline: the cold key signs, the hot fee payer is only a public key.
        let args = offline(true, Vec::new());
        let mut loader = SignerLoader::new(&args, Path::new("."));
        let payer = loader.load("fee payer", &hot.pubkey().to_string()).unwrap();
        let tx = assemble(std::slice::from_ref(&ix), 200_000, 7, payer.as_ref(), &[&cold], loader.absent(), blockhash)
            .unwrap();
        let (text, json) = sign_only_report(&tx, loader.absent());
        assert!(text.starts_with(&format!("Blockhash: {blockhash}")), "{text}");
        assert_eq!(json["absent"][0], hot.pubkey().to_string());
        let pair = json["signers"][0].as_str().unwrap().to_string();
        // Online: the cold key is a public key plus the printed signature; the hot key signs.
        let args = offline(false, vec![parse_presigner(&pair).unwrap()]);
        let mut loader = SignerLoader::new(&args, Path::new("."));
        let cold_presigned = loader.load("operator", &cold.pubkey().to_string()).unwrap();
        let sent =
            assemble(std::slice::from_ref(&ix), 200_000, 7, &hot, &[cold_presigned.as_ref()], &[], blockhash).unwrap();
        assert!(sent.verify().is_ok());
        // Any other transaction (another amount) is refused before it is sent.
        let other = solana_system_interface::instruction::transfer(&cold.pubkey(), &ix.accounts[1].pubkey, 6);
        let error = assemble(&[other], 200_000, 7, &hot, &[cold_presigned.as_ref()], &[], blockhash).unwrap_err();
        assert!(error.to_string().contains("not over this transaction"), "{error}");
    }

    #[test]
    fn a_bare_public_key_without_its_signature_is_refused_online() {
        let args = offline(false, Vec::new());
        let mut loader = SignerLoader::new(&args, Path::new("."));
        let key = Pubkey::new_unique();
        let error = loader.load("operator", &key.to_string()).err().unwrap().to_string();
        assert!(error.contains("--sign-only") && error.contains(&key.to_string()), "{error}");
        assert!(parse_presigner("abc").is_err() && parse_hash("zz").is_err());
    }

    #[test]
    fn keypair_files_resolve_from_the_config_directory_and_uris_stay_as_given() {
        let dir = tempfile::tempdir().unwrap();
        let key = Keypair::new();
        crate::setup::write_keypair(&key, &dir.path().join("operator.json")).unwrap();
        let args = OfflineArgs::default();
        let mut loader = SignerLoader::new(&args, dir.path());
        assert_eq!(loader.load("operator", "operator.json").unwrap().pubkey(), key.pubkey());
        assert_eq!(loader.resolve("prompt://"), "prompt://");
        assert_eq!(loader.resolve("usb://ledger?key=0"), "usb://ledger?key=0");
        assert_eq!(loader.resolve("stdin:"), "stdin:");
        let error = loader.load("guardian", "missing.json").err().unwrap().to_string();
        assert!(error.starts_with("guardian signer missing.json:"), "{error}");
    }
}

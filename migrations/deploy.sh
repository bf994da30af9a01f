#!/usr/bin/env bash
# Deploys the Covenant program to a real cluster with the Solana and Anchor CLIs (not installable on
# the development machines here; see README.md). Usage: migrations/deploy.sh <localnet|devnet|mainnet-beta>
set -euo pipefail
cd "$(dirname "$0")/.."

cluster="${1:-}"
case "$cluster" in
  localnet) url="http://127.0.0.1:8899" ;;
  devnet) url="https://api.devnet.solana.com" ;;
  mainnet-beta) url="https://api.mainnet-beta.solana.com" ;;
  *) echo "usage: $0 <localnet|devnet|mainnet-beta>" >&2; exit 2 ;;
esac

for tool in solana anchor; do
  command -v "$tool" >/dev/null || { echo "$tool CLI not found: install the Solana toolchain and Anchor 1.2.2" >&2; exit 1; }
done

keypair="target/deploy/covenant-keypair.json"
if [ ! -f "$keypair" ]; then
  echo "no program keypair at $keypair: run 'anchor keys sync' (it creates one and updates declare_id!)" >&2
  exit 1
fi

program_id=$(solana address -k "$keypair")
declared=$(grep -o 'declare_id!("[^"]*")' programs/covenant/src/lib.rs | cut -d'"' -f2)
if [ "$program_id" != "$declared" ]; then
  echo "declare_id! ($declared) differs from $keypair ($program_id): run 'anchor keys sync' and rebuild" >&2
  exit 1
fi

if [ "$cluster" = "mainnet-beta" ]; then
  read -r -p "Deploy $program_id to mainnet-beta? Type the program id to confirm: " answer
  [ "$answer" = "$program_id" ] || { echo "aborted"; exit 1; }
fi

anchor build
solana program deploy --url "$url" --program-id "$keypair" target/deploy/covenant.so
solana program show --url "$url" "$program_id"

# Publish the IDL on chain (Anchor 1.x keeps it in a Program Metadata account), so explorers and
# `anchor account` decode Covenant's accounts: `init` the first time, `upgrade` after. Anchor skips
# both on a localhost URL, and a local validator lacks the Program Metadata program anyway (README:
# "The IDL on chain").
if [ "$cluster" = "localnet" ]; then
  echo "deployed $program_id to localnet; its IDL is idl/covenant.json (anchor publishes no IDL on localnet)"
  exit 0
fi
if anchor --provider.cluster "$url" idl fetch "$program_id" >/dev/null 2>&1; then
  anchor --provider.cluster "$url" idl upgrade "$program_id" --filepath idl/covenant.json
else
  anchor --provider.cluster "$url" idl init "$program_id" --filepath idl/covenant.json
fi
anchor --provider.cluster "$url" idl fetch "$program_id" --out /dev/null
echo "deployed $program_id to $cluster, with its IDL (idl/covenant.json) published on chain"

// What the page reads from the cluster: the treasury, its vault, its accounts by type (one filtered
// program scan each), and its decoded activity.
import {
    COVENANT_PROGRAM_ADDRESS,
    decodeTransactionEvents,
    fetchMaybeTreasury,
    findVaultPda,
    getBountyDecoder,
    getClaimDecoder,
    getGrantDecoder,
    getPayeeDecoder,
    getPendingSpendDecoder,
    getSpendPolicyDecoder,
    BOUNTY_DISCRIMINATOR,
    CLAIM_DISCRIMINATOR,
    GRANT_DISCRIMINATOR,
    PAYEE_DISCRIMINATOR,
    PENDING_SPEND_DISCRIMINATOR,
    SPEND_POLICY_DISCRIMINATOR,
    type Bounty,
    type Claim,
    type CovenantEvent,
    type Grant,
    type Payee,
    type PendingSpend,
    type SpendPolicy,
    type Treasury,
} from '@covenant/client';
import {
    getBase58Decoder,
    getBase64Encoder,
    type Address,
    type Base58EncodedBytes,
    type Decoder,
} from '@solana/kit';

import type { CovenantRpc } from './rpc';
import { mintInfo, TOKEN_2022_PROGRAM, TOKEN_PROGRAM } from './tokens';

export { connect, type CovenantRpc } from './rpc';

const SOL_ASSET = '11111111111111111111111111111111' as Address;


export type Loaded = {
    address: Address;
    treasury: Treasury;
    vault: Address;
    /** Lamports above the vault's rent-exempt minimum. */
    vaultLamports: bigint;
    /** The vault's token accounts (SPL Token and Token-2022), by mint. */
    vaultTokens: Array<{ mint: Address; amount: bigint; decimals: number }>;
    policies: Array<{ address: Address; data: SpendPolicy }>;
    payees: Array<{ address: Address; data: Payee }>;
    grants: Array<{ address: Address; data: Grant }>;
    bounties: Array<{ address: Address; data: Bounty; claims: Array<{ address: Address; data: Claim }> }>;
    pendings: Array<{ address: Address; data: PendingSpend }>;
    /** Decimals of every token the page shows (its policies' and its grants' mints). */
    decimals: Map<Address, number>;
    now: bigint;
};

/** Accounts of one type whose field at offset 8 (right after the discriminator) is `owner`. */
async function scan<T extends object>(
    rpc: CovenantRpc,
    discriminator: Uint8Array,
    owner: Address,
    decoder: Decoder<T>,
): Promise<Array<{ address: Address; data: T }>> {
    const base58 = getBase58Decoder();
    const found = await rpc
        .getProgramAccounts(COVENANT_PROGRAM_ADDRESS, {
            encoding: 'base64',
            filters: [
                { memcmp: { offset: 0n, bytes: base58.decode(discriminator) as Base58EncodedBytes, encoding: 'base58' } },
                { memcmp: { offset: 8n, bytes: owner as string as Base58EncodedBytes, encoding: 'base58' } },
            ],
        })
        .send();
    const base64 = getBase64Encoder();
    return found.map(({ pubkey, account }) => ({
        address: pubkey,
        data: decoder.decode(new Uint8Array(base64.encode(account.data[0]))),
    }));
}

async function tokenBalances(rpc: CovenantRpc, owner: Address) {
    const byProgram = await Promise.all(
        [TOKEN_PROGRAM, TOKEN_2022_PROGRAM].map((programId) =>
            rpc.getTokenAccountsByOwner(owner, { programId }, { encoding: 'jsonParsed' }).send(),
        ),
    );
    return byProgram.flatMap(({ value }) =>
        value.map(({ account }) => {
            const info = account.data.parsed.info;
            return { mint: info.mint, amount: BigInt(info.tokenAmount.amount), decimals: info.tokenAmount.decimals };
        }),
    );
}

export async function load(rpc: CovenantRpc, address: Address): Promise<Loaded> {
    const account = await fetchMaybeTreasury(rpc, address);
    if (!account.exists) throw new Error(`no Covenant treasury at ${address} on this cluster`);
    const [vault] = await findVaultPda({ treasury: address });
    const [balance, rent, vaultTokens, policies, payees, grants, bounties, pendings, slot] = await Promise.all([
        rpc.getBalance(vault).send(),
        rpc.getMinimumBalanceForRentExemption(0n).send(),
        tokenBalances(rpc, vault),
        scan(rpc, SPEND_POLICY_DISCRIMINATOR, address, getSpendPolicyDecoder()),
        scan(rpc, PAYEE_DISCRIMINATOR, address, getPayeeDecoder()),
        scan(rpc, GRANT_DISCRIMINATOR, address, getGrantDecoder()),
        scan(rpc, BOUNTY_DISCRIMINATOR, address, getBountyDecoder()),
        scan(rpc, PENDING_SPEND_DISCRIMINATOR, address, getPendingSpendDecoder()),
        rpc.getSlot().send(),
    ]);
    const now = (await rpc.getBlockTime(slot).send()) ?? BigInt(Math.floor(Date.now() / 1000));
    const withClaims = await Promise.all(
        bounties.map(async (bounty) => ({
            ...bounty,
            claims: await scan(rpc, CLAIM_DISCRIMINATOR, bounty.address, getClaimDecoder()),
        })),
    );
    const decimals = new Map<Address, number>([
        ...vaultTokens.map(({ mint, decimals }): [Address, number] => [mint, decimals]),
        ...policies.map(({ data }): [Address, number] => [data.asset, data.decimals]),
    ]);
    const unknownMints = [...new Set(grants.map(({ data }) => data.asset))].filter((mint) => mint !== SOL_ASSET && !decimals.has(mint));
    for (const info of await Promise.all(unknownMints.map((mint) => mintInfo(rpc, mint)))) decimals.set(info.mint, info.decimals);
    return {
        address,
        treasury: account.data,
        vault,
        // What can leave: the vault keeps its rent-exempt minimum.
        vaultLamports: balance.value > rent ? balance.value - rent : 0n,
        vaultTokens,
        policies,
        payees,
        grants,
        bounties: withClaims,
        pendings,
        decimals,
        now: BigInt(now),
    };
}

export type Activity = CovenantEvent & { signature: string; blockTime: bigint | null };

/**
 * Transactions seen so far, by signature: a confirmed transaction never changes, so it is fetched
 * once; and a node may stop listing or serving one it listed for a while (agave's test validator
 * does, between confirmation and root), so the feed keeps what it has seen instead of flickering.
 */
const seen = new Map<string, { signature: string; slot: bigint; blockTime: bigint | null; events: Activity[] | null }>();

/** A transaction this page sent and saw confirmed: in the feed without waiting for a listing. */
export function remember(signature: string, slot: bigint) {
    if (!seen.has(signature)) seen.set(signature, { signature, slot, blockTime: null, events: null });
}

/**
 * The latest transactions touching any of `addresses` (the treasury, and its grants and bounties,
 * whose top-ups, claw-backs and claims never name the treasury), newest first, as Covenant events;
 * `pending`: some are listed but not served yet (worth asking again soon).
 */
export async function activity(rpc: CovenantRpc, addresses: readonly Address[], limit = 25): Promise<{ events: Activity[]; pending: boolean }> {
    const lists = await Promise.all(
        addresses.map((account) => rpc.getSignaturesForAddress(account, { limit, commitment: 'confirmed' }).send()),
    );
    for (const entry of lists.flat()) {
        const known = seen.get(entry.signature);
        if (!known) seen.set(entry.signature, { signature: entry.signature, slot: entry.slot, blockTime: entry.blockTime ?? null, events: null });
        else known.blockTime ??= entry.blockTime ?? null;
    }
    const latest = [...seen.values()].sort((a, b) => Number(b.slot - a.slot)).slice(0, limit);
    await Promise.all(
        latest
            .filter((known) => known.events === null)
            .map(async (known) => {
                const tx = await rpc
                    .getTransaction(known.signature as Parameters<CovenantRpc['getTransaction']>[0], {
                        encoding: 'json',
                        maxSupportedTransactionVersion: 0,
                        commitment: 'confirmed',
                    })
                    .send();
                // Not served yet: asked again on the next refresh.
                if (!tx) return;
                known.blockTime ??= tx.blockTime ?? null;
                const decoded = decodeTransactionEvents(tx as unknown as Parameters<typeof decodeTransactionEvents>[0]);
                known.events = decoded.reverse().map((event) => ({ ...event, signature: known.signature, blockTime: known.blockTime }));
            }),
    );
    return { events: latest.flatMap((known) => known.events ?? []), pending: latest.some((known) => known.events === null) };
}

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
    createSolanaRpc,
    getBase58Decoder,
    getBase64Encoder,
    type Address,
    type Base58EncodedBytes,
    type Decoder,
    type Rpc,
    type SolanaRpcApi,
} from '@solana/kit';

export type CovenantRpc = Rpc<SolanaRpcApi>;
export const connect = (url: string): CovenantRpc => createSolanaRpc(url);

export type Loaded = {
    address: Address;
    treasury: Treasury;
    vault: Address;
    /** Lamports above the vault's rent-exempt minimum. */
    vaultLamports: bigint;
    policies: Array<{ address: Address; data: SpendPolicy }>;
    payees: Array<{ address: Address; data: Payee }>;
    grants: Array<{ address: Address; data: Grant }>;
    bounties: Array<{ address: Address; data: Bounty; claims: Array<{ address: Address; data: Claim }> }>;
    pendings: Array<{ address: Address; data: PendingSpend }>;
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

export async function load(rpc: CovenantRpc, address: Address): Promise<Loaded> {
    const account = await fetchMaybeTreasury(rpc, address);
    if (!account.exists) throw new Error(`no Covenant treasury at ${address} on this cluster`);
    const [vault] = await findVaultPda({ treasury: address });
    const [balance, rent, policies, payees, grants, bounties, pendings, slot] = await Promise.all([
        rpc.getBalance(vault).send(),
        rpc.getMinimumBalanceForRentExemption(0n).send(),
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
    return {
        address,
        treasury: account.data,
        vault,
        // What can leave: the vault keeps its rent-exempt minimum.
        vaultLamports: balance.value > rent ? balance.value - rent : 0n,
        policies,
        payees,
        grants,
        bounties: withClaims,
        pendings,
        now: BigInt(now),
    };
}

export type Activity = CovenantEvent & { signature: string; blockTime: bigint | null };

/** The treasury's latest transactions, newest first, as Covenant events. */
export async function activity(rpc: CovenantRpc, treasury: Address, limit = 25): Promise<Activity[]> {
    const signatures = await rpc.getSignaturesForAddress(treasury, { limit }).send();
    const txs = await Promise.all(
        signatures.map((entry) =>
            rpc
                .getTransaction(entry.signature, { encoding: 'json', maxSupportedTransactionVersion: 0 })
                .send()
                .then((tx) => ({ entry, tx })),
        ),
    );
    const events: Activity[] = [];
    for (const { entry, tx } of txs) {
        if (!tx) continue;
        const decoded = decodeTransactionEvents(tx as unknown as Parameters<typeof decodeTransactionEvents>[0]);
        for (const event of decoded.reverse()) {
            events.push({ ...event, signature: entry.signature, blockTime: entry.blockTime ?? null });
        }
    }
    return events;
}

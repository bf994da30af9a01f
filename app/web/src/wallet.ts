// Any Wallet Standard wallet (Phantom, Solflare, Backpack register themselves): the app builds
// Covenant's own instructions, the wallet signs, the app sends and confirms.
import { COVENANT_PROGRAM_ADDRESS } from '@covenant/client';
import {
    address,
    appendTransactionMessageInstructions,
    compileTransaction,
    createNoopSigner,
    createTransactionMessage,
    getBase64EncodedWireTransaction,
    getProgramDerivedAddress,
    getUtf8Encoder,
    getTransactionDecoder,
    getTransactionEncoder,
    pipe,
    setTransactionMessageFeePayer,
    setTransactionMessageLifetimeUsingBlockhash,
    type Address,
    type Instruction,
    type Signature,
} from '@solana/kit';
import { getWallets } from '@wallet-standard/app';
import type { Wallet, WalletAccount } from '@wallet-standard/base';

import type { CovenantRpc } from './chain';

const SIGN = 'solana:signTransaction';
const CONNECT = 'standard:connect';

type SignFeature = {
    signTransaction(...inputs: Array<{ account: WalletAccount; transaction: Uint8Array; chain?: string }>): Promise<
        Array<{ signedTransaction: Uint8Array }>
    >;
};
type ConnectFeature = { connect(): Promise<{ accounts: readonly WalletAccount[] }> };

/** Wallets that can sign a Solana transaction, as they register (now and later). */
export function watchWallets(onChange: (wallets: Wallet[]) => void): void {
    const registry = getWallets();
    const usable = () => registry.get().filter((wallet) => SIGN in wallet.features && CONNECT in wallet.features);
    onChange(usable());
    registry.on('register', () => onChange(usable()));
    registry.on('unregister', () => onChange(usable()));
}

export async function connectWallet(wallet: Wallet): Promise<WalletAccount> {
    const { accounts } = await (wallet.features[CONNECT] as ConnectFeature).connect();
    const account = accounts[0];
    if (!account) throw new Error(`${wallet.name} shared no account`);
    return account;
}

/** Anchor's event-cpi authority: the program signs its own event CPI with this PDA. */
export async function eventAuthority(): Promise<Address> {
    const [pda] = await getProgramDerivedAddress({
        programAddress: COVENANT_PROGRAM_ADDRESS,
        seeds: [getUtf8Encoder().encode('__event_authority')],
    });
    return pda;
}

/** The connected account as the fee payer and signer of instructions the wallet will sign. */
export const walletSigner = (account: WalletAccount) => createNoopSigner(address(account.address));

/**
 * One transaction of `instructions`, paid and signed by the wallet's account, sent with preflight
 * (so a program refusal comes back before anything lands, decoded by `describe`).
 */
export async function signAndSend(
    rpc: CovenantRpc,
    wallet: Wallet,
    account: WalletAccount,
    instructions: readonly Instruction[],
): Promise<Signature> {
    const { value: blockhash } = await rpc.getLatestBlockhash().send();
    const message = pipe(
        createTransactionMessage({ version: 0 }),
        (m) => setTransactionMessageFeePayer(address(account.address), m),
        (m) => setTransactionMessageLifetimeUsingBlockhash(blockhash, m),
        (m) => appendTransactionMessageInstructions(instructions, m),
    );
    const unsigned = new Uint8Array(getTransactionEncoder().encode(compileTransaction(message)));
    const [signed] = await (wallet.features[SIGN] as SignFeature).signTransaction({
        account,
        transaction: unsigned,
        chain: account.chains[0],
    });
    if (!signed) throw new Error('the wallet returned no signed transaction');
    const transaction = getTransactionDecoder().decode(signed.signedTransaction);
    return await rpc
        .sendTransaction(getBase64EncodedWireTransaction(transaction), { encoding: 'base64', preflightCommitment: 'confirmed' })
        .send();
}

/** Waits until `signature` is confirmed (or failed), polling like the keeper does. */
/** Waits until `signature` is confirmed; returns the slot it landed in. */
export async function confirm(rpc: CovenantRpc, signature: Signature, timeoutMs = 60_000): Promise<bigint> {
    const started = Date.now();
    while (Date.now() - started < timeoutMs) {
        const { value } = await rpc.getSignatureStatuses([signature]).send();
        const status = value[0];
        if (status?.err) throw new Error(`the transaction failed: ${JSON.stringify(status.err)}`);
        if (status?.confirmationStatus === 'confirmed' || status?.confirmationStatus === 'finalized') return status.slot;
        await new Promise((resolve) => setTimeout(resolve, 400));
    }
    throw new Error('not confirmed within a minute: the cluster may be congested; check the activity later');
}

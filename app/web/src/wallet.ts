// Donations through any Wallet Standard wallet (Phantom, Solflare, Backpack register themselves):
// the app builds Covenant's own `donate_sol` instruction, the wallet signs, the app sends.
import { COVENANT_PROGRAM_ADDRESS, getDonateSolInstructionAsync } from '@covenant/client';
import {
    address,
    appendTransactionMessageInstruction,
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

/** Donates `lamports` to the treasury's vault (counted by its SOL policy when it has one). */
export async function donateSol(
    rpc: CovenantRpc,
    wallet: Wallet,
    account: WalletAccount,
    treasury: Address,
    vault: Address,
    solPolicy: Address | undefined,
    lamports: bigint,
    memo: string,
): Promise<Signature> {
    const donor = createNoopSigner(address(account.address));
    const instruction = await getDonateSolInstructionAsync({
        donor,
        treasury,
        vault,
        policy: solPolicy,
        // Anchor's event-cpi accounts: the program signs its own event CPI with this PDA.
        eventAuthority: (
            await getProgramDerivedAddress({
                programAddress: COVENANT_PROGRAM_ADDRESS,
                seeds: [getUtf8Encoder().encode('__event_authority')],
            })
        )[0],
        program: COVENANT_PROGRAM_ADDRESS,
        amount: lamports,
        memo,
    });
    const { value: blockhash } = await rpc.getLatestBlockhash().send();
    const message = pipe(
        createTransactionMessage({ version: 0 }),
        (m) => setTransactionMessageFeePayer(donor.address, m),
        (m) => setTransactionMessageLifetimeUsingBlockhash(blockhash, m),
        (m) => appendTransactionMessageInstruction(instruction, m),
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
export async function confirm(rpc: CovenantRpc, signature: Signature, timeoutMs = 60_000): Promise<void> {
    const started = Date.now();
    while (Date.now() - started < timeoutMs) {
        const { value } = await rpc.getSignatureStatuses([signature]).send();
        const status = value[0];
        if (status?.err) throw new Error(`the transaction failed: ${JSON.stringify(status.err)}`);
        if (status?.confirmationStatus === 'confirmed' || status?.confirmationStatus === 'finalized') return;
        await new Promise((resolve) => setTimeout(resolve, 400));
    }
    throw new Error('not confirmed within a minute: the cluster may be congested; check the activity later');
}

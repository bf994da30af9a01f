// The donor's instructions, built with the generated client: donations (SOL or a token) and the
// whole life of a grant (create with its schedule, top up, claw back after expiry, close).
import {
    COVENANT_PROGRAM_ADDRESS,
    getClawBackGrantInstruction,
    getCloseGrantInstructionAsync,
    getCreateGrantInstruction,
    getDonateSolInstructionAsync,
    getDonateTokenInstructionAsync,
    getTopUpGrantInstruction,
    type Grant,
} from '@covenant/client';
import {
    getAddressEncoder,
    getProgramDerivedAddress,
    getU64Encoder,
    getUtf8Encoder,
    type Address,
    type Instruction,
    type TransactionSigner,
} from '@solana/kit';

import type { CovenantRpc } from './chain';
import type { Schedule } from './schedule';
import { associatedTokenAddress, createAssociatedTokenAccountIdempotent, mintInfo, type MintInfo } from './tokens';
import { eventAuthority } from './wallet';

export const SOL_ASSET = '11111111111111111111111111111111' as Address;
const program = COVENANT_PROGRAM_ADDRESS;

/** The treasury PDA, as the program derives it: "treasury" + operator + the operator's id for it (u64 LE). */
export async function treasuryAddress(operator: Address, treasuryId: bigint): Promise<Address> {
    const [pda] = await getProgramDerivedAddress({
        programAddress: program,
        seeds: [getUtf8Encoder().encode('treasury'), getAddressEncoder().encode(operator), getU64Encoder().encode(treasuryId)],
    });
    return pda;
}

export async function grantAddress(treasury: Address, donor: Address, grantId: bigint): Promise<Address> {
    const encoder = getAddressEncoder();
    const [pda] = await getProgramDerivedAddress({
        programAddress: program,
        seeds: [getUtf8Encoder().encode('grant'), encoder.encode(treasury), encoder.encode(donor), getU64Encoder().encode(grantId)],
    });
    return pda;
}

export async function donateSol(donor: TransactionSigner, treasury: Address, solPolicy: Address | undefined, amount: bigint, memo: string) {
    return [await getDonateSolInstructionAsync({ donor, treasury, policy: solPolicy, eventAuthority: await eventAuthority(), program, amount, memo })];
}

export async function donateToken(
    donor: TransactionSigner,
    treasury: Address,
    token: MintInfo,
    policy: Address | undefined,
    amount: bigint,
    memo: string,
): Promise<Instruction[]> {
    return [
        await getDonateTokenInstructionAsync({
            donor,
            treasury,
            mint: token.mint,
            donorTokenAccount: await associatedTokenAddress(donor.address, token),
            policy,
            tokenProgram: token.tokenProgram,
            eventAuthority: await eventAuthority(),
            program,
            amount,
            memo,
        }),
    ];
}

export type GrantTerms = {
    grantId: bigint;
    amount: bigint;
    schedule: Schedule;
    payees: Address[];
    perTxCap: bigint | null;
    expiresAt: bigint;
    /** Absent: a SOL grant. */
    token?: MintInfo;
};

/** A token grant's escrow is the grant's ATA: created (idempotently) in the same transaction. */
export async function createGrant(donor: TransactionSigner, treasury: Address, terms: GrantTerms): Promise<Instruction[]> {
    const grant = await grantAddress(treasury, donor.address, terms.grantId);
    const tokenAccounts = terms.token ? await escrowAccounts(terms.token, grant, donor.address) : undefined;
    const create = getCreateGrantInstruction({
        donor,
        treasury,
        grant,
        ...(tokenAccounts ?? {}),
        eventAuthority: await eventAuthority(),
        program,
        grantId: terms.grantId,
        amount: terms.amount,
        schedule: terms.schedule,
        payees: terms.payees,
        perTxCap: terms.perTxCap,
        expiresAt: terms.expiresAt,
    });
    return terms.token && tokenAccounts
        ? [createAssociatedTokenAccountIdempotent(donor.address, tokenAccounts.escrowTokenAccount, grant, terms.token), create]
        : [create];
}

async function escrowAccounts(token: MintInfo, grant: Address, donor: Address) {
    return {
        mint: token.mint,
        escrowTokenAccount: await associatedTokenAddress(grant, token),
        donorTokenAccount: await associatedTokenAddress(donor, token),
        tokenProgram: token.tokenProgram,
    };
}

/** The grant's token, read from the chain (undefined for SOL). */
export async function grantToken(rpc: CovenantRpc, grant: Grant): Promise<MintInfo | undefined> {
    return grant.asset === SOL_ASSET ? undefined : await mintInfo(rpc, grant.asset);
}

export async function topUpGrant(rpc: CovenantRpc, donor: TransactionSigner, grant: Address, data: Grant, amount: bigint) {
    const token = await grantToken(rpc, data);
    const accounts = token ? await escrowAccounts(token, grant, donor.address) : {};
    return [getTopUpGrantInstruction({ donor, grant, ...accounts, eventAuthority: await eventAuthority(), program, amount })];
}

export async function clawBackGrant(rpc: CovenantRpc, donor: TransactionSigner, grant: Address, data: Grant) {
    const token = await grantToken(rpc, data);
    const accounts = token ? await escrowAccounts(token, grant, donor.address) : {};
    return [getClawBackGrantInstruction({ donor, grant, ...accounts, eventAuthority: await eventAuthority(), program })];
}

/** Anything sent to the escrow from outside the grant goes to the vault (its ATA, for tokens). */
export async function closeGrant(rpc: CovenantRpc, donor: TransactionSigner, grant: Address, data: Grant, vault: Address) {
    const token = await grantToken(rpc, data);
    const vaultTokenAccount = token ? await associatedTokenAddress(vault, token) : undefined;
    const accounts = token
        ? { mint: token.mint, escrowTokenAccount: await associatedTokenAddress(grant, token), vaultTokenAccount, tokenProgram: token.tokenProgram }
        : {};
    const close = await getCloseGrantInstructionAsync({ donor, grant, treasury: data.treasury, vault, ...accounts, eventAuthority: await eventAuthority(), program });
    // The vault's token account may not exist yet; the close needs it to receive any surplus.
    return token ? [createAssociatedTokenAccountIdempotent(donor.address, vaultTokenAccount!, vault, token), close] : [close];
}

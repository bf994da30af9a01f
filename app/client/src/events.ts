// Covenant's events travel as Anchor CPI events (`emit_cpi!`): the program calls itself, and the
// inner instruction's data is Anchor's event tag, the event's discriminator, then its Borsh data.
// Logs can be truncated; inner instructions cannot, so this is what explorers and the app read.
import { getBase58Encoder, type Address } from '@solana/kit';

import { COVENANT_EVENTS } from './eventTable';
import { COVENANT_PROGRAM_ADDRESS } from './generated';

/** Anchor's `EVENT_IX_TAG` (0x1d9acb512ea545e4), little-endian: marks a self-CPI as an event. */
export const EVENT_IX_TAG = new Uint8Array([0xe4, 0x45, 0xa5, 0x2e, 0x51, 0xcb, 0x9a, 0x1d]);

export type CovenantEvent = {
    name: string;
    data: Record<string, unknown>;
    /** The top-level instruction (its index in the transaction) that emitted it. */
    instructionIndex: number;
};

const startsWith = (bytes: Uint8Array, prefix: Uint8Array, offset = 0) =>
    bytes.length >= offset + prefix.length && prefix.every((byte, index) => bytes[offset + index] === byte);

/** One event from an inner instruction's data, or `null` when the data is not a Covenant event. */
export function decodeEventData(data: Uint8Array): { name: string; data: Record<string, unknown> } | null {
    if (!startsWith(data, EVENT_IX_TAG)) return null;
    const event = COVENANT_EVENTS.find((candidate) => startsWith(data, candidate.discriminator, EVENT_IX_TAG.length));
    if (!event) return null;
    const body = data.subarray(EVENT_IX_TAG.length + event.discriminator.length);
    return { name: event.name, data: event.decoder.decode(body) as Record<string, unknown> };
}

/** What `getTransaction` (encoding `json`) returns, as far as events need it. */
export type TransactionWithMeta = {
    transaction: { message: { accountKeys: readonly string[] } };
    meta: {
        innerInstructions?: ReadonlyArray<{
            index: number;
            instructions: ReadonlyArray<{ programIdIndex: number; data: string }>;
        }> | null;
        loadedAddresses?: { writable: readonly string[]; readonly: readonly string[] } | null;
    } | null;
};

/** Every Covenant event in a confirmed transaction, in the order the program emitted them. */
export function decodeTransactionEvents(
    tx: TransactionWithMeta,
    programAddress: Address = COVENANT_PROGRAM_ADDRESS,
): CovenantEvent[] {
    const loaded = tx.meta?.loadedAddresses;
    // Versioned transactions index loaded addresses after the static keys, writable first.
    const keys = [...tx.transaction.message.accountKeys, ...(loaded?.writable ?? []), ...(loaded?.readonly ?? [])];
    const base58 = getBase58Encoder();
    const events: CovenantEvent[] = [];
    for (const inner of tx.meta?.innerInstructions ?? []) {
        for (const instruction of inner.instructions) {
            if (keys[instruction.programIdIndex] !== programAddress) continue;
            const decoded = decodeEventData(new Uint8Array(base58.encode(instruction.data)));
            if (decoded) events.push({ ...decoded, instructionIndex: inner.index });
        }
    }
    return events;
}

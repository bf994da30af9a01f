// Published decision records, checked in the page. Every event that carries a decision hash is
// looked up where the treasury says on chain (its records URI: `<uri>/decisions/<hash>.json`);
// the record's input is hashed again and must be the chain's decision hash, and it must name the
// chain's model hash. A record that is not there is "missing"; one that does not hold up is
// "mismatched". No pasting, no other channel.
import { COVENANT_PROGRAM_ADDRESS, findRecordsPda } from '@covenant/client';
import {
    addDecoderSizePrefix,
    fixDecoderSize,
    getAddressDecoder,
    getBase64Encoder,
    getBytesDecoder,
    getI64Decoder,
    getStructDecoder,
    getU32Decoder,
    getU8Decoder,
    getUtf8Decoder,
    type Address,
} from '@solana/kit';

import type { CovenantRpc } from './rpc';
import { decisionHash } from './verify';

// `RecordsLocation` (programs/covenant/src/state/records.rs); not in the IDL's accounts, since no
// instruction takes it as a typed account.
const locationDecoder = getStructDecoder([
    ['discriminator', fixDecoderSize(getBytesDecoder(), 8)],
    ['treasury', getAddressDecoder()],
    ['uri', addDecoderSizePrefix(getUtf8Decoder(), getU32Decoder())],
    ['updatedAt', getI64Decoder()],
    ['bump', getU8Decoder()],
]);

/** Where `treasury` says its decision records live, or null when it does not say. */
export async function recordsUri(rpc: CovenantRpc, treasury: Address): Promise<string | null> {
    const [records] = await findRecordsPda({ treasury });
    const { value } = await rpc.getAccountInfo(records, { encoding: 'base64' }).send();
    if (!value || value.owner !== COVENANT_PROGRAM_ADDRESS) return null;
    const location = locationDecoder.decode(new Uint8Array(getBase64Encoder().encode(value.data[0])));
    return location.treasury === treasury ? location.uri : null;
}

/** An http(s) base for a records URI (`ipfs://CID/…` through a public gateway). */
export function httpBase(uri: string, gateway = 'https://ipfs.io'): string {
    const base = uri.startsWith('ipfs://') ? `${gateway.replace(/\/+$/, '')}/ipfs/${uri.slice('ipfs://'.length)}` : uri;
    return base.replace(/\/+$/, '');
}

export type RecordState = 'verified' | 'missing' | 'mismatched';

export type RecordCheck = {
    state: RecordState;
    detail: string;
    /** The parsed record, when it holds up. */
    record?: { input: { model_hash?: string; features?: number[]; approve?: number | null } } & Record<string, unknown>;
};

type Fetch = (url: string) => Promise<Pick<Response, 'ok' | 'status' | 'text'>>;

/** Fetches and checks the record of `hash` (hex) against the chain's decision and model hashes. */
export async function checkRecord(base: string, hash: string, modelHash: string, get: Fetch = (url) => fetch(url)): Promise<RecordCheck> {
    const url = `${base}/decisions/${hash}.json`;
    let text: string;
    try {
        const response = await get(url);
        if (!response.ok) return { state: 'missing', detail: `${url} answered ${response.status}` };
        text = await response.text();
    } catch (error) {
        return { state: 'missing', detail: `cannot fetch ${url}: ${(error as Error).message}` };
    }
    let computed: string;
    let named: string | undefined;
    try {
        ({ computed, logged: named } = await decisionHash(text));
    } catch (error) {
        return { state: 'mismatched', detail: `not a decision record: ${(error as Error).message}` };
    }
    if (computed !== hash) return { state: 'mismatched', detail: `its input hashes to ${computed}, not to the ${hash} on chain` };
    if (named !== hash) return { state: 'mismatched', detail: `it names decision ${named}, not the ${hash} on chain` };
    const record = JSON.parse(text);
    const recordModel = record.input?.model_hash;
    if (recordModel !== modelHash) return { state: 'mismatched', detail: `it names model ${recordModel}; the chain recorded ${modelHash}` };
    return { state: 'verified', detail: `its input hashes to ${hash}, the decision on chain, made by model ${modelHash}`, record };
}

/** SHA-256 of bytes, hex. */
export async function sha256Hex(bytes: ArrayBuffer | Uint8Array): Promise<string> {
    const digest = await crypto.subtle.digest('SHA-256', bytes as BufferSource);
    return [...new Uint8Array(digest)].map((byte) => byte.toString(16).padStart(2, '0')).join('');
}

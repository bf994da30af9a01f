// What the page checks by itself: every decision in the activity against its published record
// (verified, missing or mismatched, and whether the model reproduces its score), and each claim's
// public photo against the hash on chain.
import { checkRecord, sha256Hex, type RecordCheck } from './records';
import { rerun, type Rerun } from './rerun';
import { esc } from './view';

type Audit = RecordCheck & { rerun?: Rerun | string };
const audits = new Map<string, Audit>();

/** Checks the decisions not checked yet (a missing record is asked again next time). */
export async function auditDecisions(base: string | null, decisions: Array<{ hash: string; model: string }>): Promise<void> {
    const todo = decisions.filter(({ hash }) => audits.get(hash)?.state !== 'verified' && audits.get(hash)?.state !== 'mismatched');
    await Promise.all(
        [...new Map(todo.map((decision) => [decision.hash, decision])).values()].map(async ({ hash, model }) => {
            if (!base) {
                audits.set(hash, { state: 'missing', detail: 'the treasury names no records location on chain' });
                return;
            }
            const audit: Audit = await checkRecord(base, hash, model);
            const input = audit.record?.input;
            if (audit.state === 'verified' && typeof input?.approve === 'number' && Array.isArray(input.features)) {
                audit.rerun = await rerun(base, model, input.features, input.approve).catch((error) => `not re-run: ${(error as Error).message}`);
            }
            audits.set(hash, audit);
        }),
    );
}

/** The record's verdict for one decision, as a badge (empty while unchecked). */
export function recordBadge(hash: string): string {
    const audit = audits.get(hash);
    if (!audit) return '';
    const label = { verified: 'record verified', missing: 'record missing', mismatched: 'record mismatched' }[audit.state];
    const rerunText =
        audit.rerun === undefined ? (audit.state === 'verified' ? ' · decided by rule' : '')
        : typeof audit.rerun === 'string' ? ` · ${audit.rerun}`
        : audit.rerun.reproduced ? ` · model re-run: ${audit.rerun.score} as logged`
        : ` · model re-run: ${audit.rerun.score}, not the ${audit.rerun.logged} logged`;
    const reproduced = typeof audit.rerun === 'object' ? ` data-reproduced="${audit.rerun.reproduced}"` : '';
    return `<br><span class="record ${audit.state}" data-state="${audit.state}"${reproduced} title="${esc(audit.detail)}">${label}</span><span class="rerun">${esc(rerunText)}</span>`;
}

type PhotoCheck = 'matches' | 'published' | 'differs' | 'private';
type GetBytes = (url: string) => Promise<Pick<Response, 'ok' | 'arrayBuffer'>>;
const photos = new Map<string, PhotoCheck>();

/**
 * Whether a claim's photo hashes to the proof hash on chain: fetched from its URI when public
 * (http or https), else from the treasury's records (`photos/<sha256>`, where the operator
 * publishes a bounty's photos). A photo the claimant took down can still be checked there.
 */
export async function auditPhoto(uri: string, proofHash: string, recordsBase: string | null = null, get: GetBytes = (url) => fetch(url)): Promise<PhotoCheck> {
    const key = `${uri} ${proofHash} ${recordsBase}`;
    const known = photos.get(key);
    if (known) return known;
    const hashOf = async (url: string): Promise<string | null> => {
        try {
            const response = await get(url);
            return response.ok ? await sha256Hex(await response.arrayBuffer()) : null;
        } catch {
            return null;
        }
    };
    let verdict: PhotoCheck = 'private';
    const atSource = /^https?:\/\//.test(uri) ? await hashOf(uri) : null;
    if (atSource !== null) verdict = atSource === proofHash ? 'matches' : 'differs';
    else if (recordsBase !== null) {
        const published = await hashOf(`${recordsBase}/photos/${proofHash}`);
        if (published !== null) verdict = published === proofHash ? 'published' : 'differs';
    }
    photos.set(key, verdict);
    return verdict;
}

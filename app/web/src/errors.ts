// Every failure as one line: a program error by its IDL name and message, and the three a donor
// meets most (the cluster is down, the wallet refused, not enough SOL).
import {
    isSolanaError,
    SOLANA_ERROR__INSTRUCTION_ERROR__CUSTOM,
    SOLANA_ERROR__TRANSACTION_ERROR__ACCOUNT_NOT_FOUND,
    SOLANA_ERROR__TRANSACTION_ERROR__INSUFFICIENT_FUNDS_FOR_FEE,
} from '@solana/kit';

import idl from '../../../idl/covenant.json';

const PROGRAM_ERRORS = new Map<number, { name: string; msg: string }>(
    idl.errors.map((error: { code: number; name: string; msg: string }) => [error.code, error]),
);
/** The system program's `ResultWithNegativeLamports` (a transfer the payer cannot cover). */
const SYSTEM_INSUFFICIENT_FUNDS = 1;

function* chain(error: unknown): Generator<unknown> {
    for (let current = error, depth = 0; current && depth < 8; depth++) {
        yield current;
        current = (current as { cause?: unknown }).cause;
    }
}

export function describe(error: unknown, rpcUrl: string): string {
    for (const link of chain(error)) {
        if (isSolanaError(link, SOLANA_ERROR__INSTRUCTION_ERROR__CUSTOM)) {
            const code = Number(link.context.code);
            const known = PROGRAM_ERRORS.get(code);
            if (known) return `refused by Covenant: ${known.name}: ${known.msg}`;
            if (code === SYSTEM_INSUFFICIENT_FUNDS) return 'insufficient funds: the wallet holds less SOL than this donation and its fee';
            return `refused by the program with error ${code}`;
        }
        if (
            isSolanaError(link, SOLANA_ERROR__TRANSACTION_ERROR__ACCOUNT_NOT_FOUND) ||
            isSolanaError(link, SOLANA_ERROR__TRANSACTION_ERROR__INSUFFICIENT_FUNDS_FOR_FEE)
        ) {
            return 'insufficient funds: the wallet has no SOL to pay the fee';
        }
        const text = String((link as Error)?.message ?? link);
        if (/user rejected|rejected the request|refused|declined|denied/i.test(text)) {
            return 'the wallet refused to sign: nothing was sent';
        }
        if (link instanceof TypeError && /fetch/i.test(text)) return `cannot reach the cluster at ${rpcUrl}`;
        if (isSolanaError(link) && /HTTP|fetch|network/i.test(text)) return `cannot reach the cluster at ${rpcUrl}`;
    }
    const first = error instanceof Error ? error.message : String(error);
    return first.split('\n')[0];
}

// Small formatting helpers for the page.
export const esc = (text: string) =>
    text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);

export const when = (condition: boolean, html: string) => (condition ? html : '');

export const hex = (bytes: Uint8Array | ArrayLike<number>) =>
    Array.from(bytes, (byte) => byte.toString(16).padStart(2, '0')).join('');

/** Base units as a decimal string (9 decimals for SOL). */
export function lamportsToSol(value: bigint, decimals = 9): string {
    const scale = 10n ** BigInt(decimals);
    const whole = value / scale;
    const fraction = (value % scale).toString().padStart(decimals, '0').replace(/0+$/, '');
    return fraction ? `${whole}.${fraction}` : `${whole}`;
}

/** "1.5" → 1_500_000_000n; refuses what is not a positive amount with at most 9 decimals. */
export function solToLamports(text: string): bigint {
    const match = /^\s*(\d+)(?:\.(\d{1,9}))?\s*$/.exec(text);
    if (!match) throw new Error(`not an amount of SOL: "${text}"`);
    const lamports = BigInt(match[1]) * 1_000_000_000n + BigInt((match[2] ?? '').padEnd(9, '0') || '0');
    if (lamports === 0n) throw new Error('the amount must be more than 0 SOL');
    return lamports;
}

export const optionValue = <T>(option: { __option: 'Some'; value: T } | { __option: 'None' }): T | undefined =>
    option.__option === 'Some' ? option.value : undefined;

export function section(id: string, title: string, html: string) {
    document.getElementById(id)!.innerHTML = `<h2>${title}</h2>${html}`;
}

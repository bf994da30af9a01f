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

/** "1.5" → 1_500_000_000n (9 decimals); refuses what is not a positive amount in `decimals` places. */
export function parseAmount(text: string, decimals = 9, unit = 'SOL'): bigint {
    const fraction = decimals > 0 ? `(?:\\.(\\d{1,${decimals}}))?` : '';
    const match = new RegExp(`^\\s*(\\d+)${fraction}\\s*$`).exec(text);
    if (!match) throw new Error(`not an amount of ${unit}: "${text.trim()}"`);
    const scale = 10n ** BigInt(decimals);
    const amount = BigInt(match[1]) * scale + BigInt((match[2] ?? '').padEnd(decimals, '0') || '0');
    if (amount === 0n) throw new Error(`the amount must be more than 0 ${unit}`);
    return amount;
}

export const solToLamports = (text: string) => parseAmount(text);

export const optionValue = <T>(option: { __option: 'Some'; value: T } | { __option: 'None' }): T | undefined =>
    option.__option === 'Some' ? option.value : undefined;

export function section(id: string, title: string, html: string) {
    document.getElementById(id)!.innerHTML = `<h2>${title}</h2>${html}`;
}

// A grant's release schedule in the browser: parsed from the donor's form, checked by the program's
// own rules (so a bad schedule is refused before the wallet opens), vested exactly as
// `policy::grant::vested` computes it, and drawn as the step or ramp a donor will see happen.
import type { ReleaseSchedule } from '@covenant/client';

/** The program's limits (`constants.rs`): a schedule the chain would refuse is refused here too. */
export const MAX_TRANCHES = 8;
export const MAX_GRANT_PAYEES = 4;
const BPS = 10_000n;

export type Schedule = ReleaseSchedule;

/** What `validate_schedule` accepts; returns why not, or null. */
export function scheduleProblem(schedule: Schedule): string | null {
    switch (schedule.__kind) {
        case 'Immediate':
            return null;
        case 'Linear':
            return schedule.start < schedule.end ? null : 'a linear schedule must end after it starts';
        case 'Tranches': {
            const { tranches } = schedule;
            if (tranches.length < 1 || tranches.length > MAX_TRANCHES) return `1 to ${MAX_TRANCHES} tranches`;
            if (tranches.some((t, i) => i > 0 && tranches[i - 1].at >= t.at)) return 'tranche dates must increase';
            if (tranches.some((t) => t.bps <= 0)) return 'every tranche needs a share above 0%';
            const total = tranches.reduce((sum, t) => sum + t.bps, 0);
            return BigInt(total) === BPS ? null : `the tranches add up to ${total / 100}%, not 100%`;
        }
    }
}

/** `amount * numerator / denominator`, rounded down like the program's `share`. */
const share = (amount: bigint, numerator: bigint, denominator: bigint) => (amount * numerator) / denominator;

/** How much of `funded` has vested at `now` (unix seconds): `policy::grant::vested`. */
export function vested(schedule: Schedule, funded: bigint, now: bigint): bigint {
    switch (schedule.__kind) {
        case 'Immediate':
            return funded;
        case 'Linear':
            if (now <= schedule.start) return 0n;
            if (now >= schedule.end) return funded;
            return share(funded, now - schedule.start, schedule.end - schedule.start);
        case 'Tranches': {
            const bps = schedule.tranches.filter((t) => t.at <= now).reduce((sum, t) => sum + BigInt(t.bps), 0n);
            return bps >= BPS ? funded : share(funded, bps, BPS);
        }
    }
}

/** A moment as the donor types it: `2027-01-31`, `2027-01-31T12:00` (UTC) or `+7d` / `+12h` / `+90s` from `now`. */
export function parseMoment(text: string, now: bigint): bigint {
    const trimmed = text.trim();
    const relative = /^\+(\d+)\s*([dhms])$/.exec(trimmed);
    if (relative) {
        const unit = { d: 86_400n, h: 3_600n, m: 60n, s: 1n }[relative[2] as 'd' | 'h' | 'm' | 's'];
        return now + BigInt(relative[1]) * unit;
    }
    if (!/^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2})?)?Z?$/.test(trimmed)) {
        throw new Error(`not a date: "${trimmed}" (use 2027-01-31, 2027-01-31T12:00 or +7d)`);
    }
    const millis = Date.parse(trimmed.endsWith('Z') ? trimmed : `${trimmed}${trimmed.includes('T') ? 'Z' : 'T00:00Z'}`);
    if (Number.isNaN(millis)) throw new Error(`not a date: "${trimmed}"`);
    return BigInt(Math.floor(millis / 1000));
}

/** Tranches, one per line or comma: `<moment> <percent>%`, e.g. `+7d 50%, +30d 50%`. */
export function parseTranches(text: string, now: bigint): Schedule {
    const parts = text.split(/[\n,;]+/).map((part) => part.trim()).filter(Boolean);
    const tranches = parts.map((part) => {
        const match = /^(\S+)\s+(\d+(?:\.\d{1,2})?)\s*%$/.exec(part);
        if (!match) throw new Error(`not a tranche: "${part}" (use "+7d 50%" or "2027-01-31 25%")`);
        return { at: parseMoment(match[1], now), bps: Math.round(Number(match[2]) * 100) };
    });
    return { __kind: 'Tranches', tranches };
}

/** The moments where the vested amount changes, from creation to full vesting: what is drawn. */
export function steps(schedule: Schedule, funded: bigint, createdAt: bigint): Array<{ at: bigint; vested: bigint }> {
    const at = (moment: bigint) => ({ at: moment, vested: vested(schedule, funded, moment) });
    switch (schedule.__kind) {
        case 'Immediate':
            return [at(createdAt)];
        case 'Linear':
            return [at(createdAt < schedule.start ? createdAt : schedule.start), at(schedule.start), at(schedule.end)];
        case 'Tranches':
            return [{ at: createdAt < schedule.tranches[0].at ? createdAt : schedule.tranches[0].at, vested: 0n }, ...schedule.tranches.map((t) => at(t.at))];
    }
}

const day = (seconds: bigint) => new Date(Number(seconds) * 1000).toISOString().slice(0, 16).replace('T', ' ');

/** The schedule as an SVG: vested amount over time, the expiry and (when given) now marked. */
export function scheduleSvg(
    schedule: Schedule,
    funded: bigint,
    createdAt: bigint,
    expiresAt: bigint,
    format: (amount: bigint) => string,
    now?: bigint,
): string {
    const points = steps(schedule, funded, createdAt);
    const first = points[0].at;
    const last = [expiresAt, ...points.map((p) => p.at)].reduce((a, b) => (a > b ? a : b));
    const span = Number(last - first) || 1;
    const [width, height, pad] = [360, 90, 6];
    const x = (t: bigint) => pad + ((width - 2 * pad) * Number(t - first)) / span;
    const y = (v: bigint) => height - pad - (funded === 0n ? 0 : ((height - 2 * pad) * Number((v * 1000n) / funded)) / 1000);
    // Tranches vest in steps; a linear grant ramps between its start and end.
    let path = `M${x(first)},${y(0n)}`;
    for (const point of points) {
        path += schedule.__kind === 'Linear' ? ` L${x(point.at)},${y(point.vested)}` : ` H${x(point.at)} V${y(point.vested)}`;
    }
    path += ` H${x(last)}`;
    const marks = points
        .filter((point) => point.vested > 0n)
        .map((point) => `<title>${day(point.at)}: ${format(point.vested)} vested</title>`)
        .join('');
    const nowMark = now !== undefined && now >= first && now <= last
        ? `<line class="now" x1="${x(now)}" x2="${x(now)}" y1="0" y2="${height}"><title>now</title></line>`
        : '';
    return `<svg class="schedule" viewBox="0 0 ${width} ${height}" width="${width}" height="${height}" role="img"
        aria-label="vests ${points.filter((p) => p.vested > 0n).map((p) => `${format(p.vested)} by ${day(p.at)}`).join(', ')}; expires ${day(expiresAt)}">
        ${marks}<path d="${path}" /><line class="expiry" x1="${x(expiresAt)}" x2="${x(expiresAt)}" y1="0" y2="${height}"><title>expires ${day(expiresAt)}</title></line>${nowMark}</svg>`;
}

/** The schedule in words, for the table and the preview. */
export function describeSchedule(schedule: Schedule): string {
    switch (schedule.__kind) {
        case 'Immediate':
            return 'all at once';
        case 'Linear':
            return `linear ${day(schedule.start)} → ${day(schedule.end)}`;
        case 'Tranches':
            return schedule.tranches.map((t) => `${day(t.at)}: ${t.bps / 100}%`).join(', ');
    }
}

// Wall-clock times in a study's IANA time zone, for <input type="datetime-local">.

function parts(t: number, timeZone: string): Record<string, number> {
  const f = new Intl.DateTimeFormat('en-US', {
    timeZone,
    hourCycle: 'h23',
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
    second: '2-digit',
  });
  const out: Record<string, number> = {};
  for (const p of f.formatToParts(new Date(t))) if (p.type !== 'literal') out[p.type] = Number(p.value);
  return out;
}

/** The offset of timeZone from UTC at instant t, in milliseconds. */
function offset(t: number, timeZone: string): number {
  const p = parts(t, timeZone);
  const wall = Date.UTC(p.year!, p.month! - 1, p.day!, p.hour! % 24, p.minute!, p.second!);
  return wall - (t - (t % 1000));
}

const pad = (n: number) => String(n).padStart(2, '0');

/** An instant as "YYYY-MM-DDTHH:mm" in timeZone; '' for none. */
export function toZonedInput(iso: string | null | undefined, timeZone: string): string {
  if (!iso) return '';
  const t = Date.parse(iso);
  if (Number.isNaN(t)) return '';
  const p = parts(t, timeZone);
  return `${p.year}-${pad(p.month!)}-${pad(p.day!)}T${pad(p.hour! % 24)}:${pad(p.minute!)}`;
}

/** "YYYY-MM-DDTHH:mm" read in timeZone, as an RFC 3339 UTC string; undefined if empty or invalid. */
export function fromZonedInput(local: string, timeZone: string): string | undefined {
  const m = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})/.exec(local);
  if (!m) return undefined;
  const guess = Date.UTC(+m[1]!, +m[2]! - 1, +m[3]!, +m[4]!, +m[5]!);
  let t = guess - offset(guess, timeZone);
  t = guess - offset(t, timeZone); // across a DST change
  return new Date(t).toISOString().replace('.000Z', 'Z');
}

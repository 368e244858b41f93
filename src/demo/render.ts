/**
 * The demo's readable output: one line per thing that happened, a lane name on the left
 * (`smpp`, `smsc`, `bus`, `app`), and a summary table. Plain text, no colours, no JSON: it is
 * read by a person and matched by tests.
 */

/** Where the demo writes its lines (stdout in the CLI, an array in tests). */
export type DemoOut = (line: string) => void;

export type Lane = 'smpp' | 'smsc' | 'bus' | 'app' | 'demo';

const ARROWS = { state: '▸', in: '◂', out: '▸', note: '·' } as const;
export type Arrow = keyof typeof ARROWS;

export function line(lane: Lane, arrow: Arrow, text: string): string {
  return `${lane.padEnd(5)}${ARROWS[arrow]} ${text}`;
}

/** `smpp ▸ bound (bind accepted)`: a statechart state and the reason it was entered. */
export function stateLine(label: string, state: string, reason: string): string {
  return line('smpp', 'state', `${label === '' ? '' : `[${label}]`.padEnd(7)}${state} (${reason})`);
}

/** Shortens text for one line: the first `max` characters and an ellipsis. */
export function clip(text: string, max = 40): string {
  const chars = [...text];
  return chars.length <= max ? text : `${chars.slice(0, max).join('')}…`;
}

/** A short form of a 32-hex-digit vumi id. */
export function shortId(id: string): string {
  return id.length > 8 ? id.slice(0, 8) : id;
}

/** A two-column table with a rule under the heading. */
export function table(title: string, rows: readonly (readonly [string, string | number])[]): string[] {
  const width = Math.max(title.length, ...rows.map(([k]) => k.length));
  const valueWidth = Math.max(...rows.map(([, v]) => String(v).length));
  const rule = '─'.repeat(width + valueWidth + 3);
  return [rule, title, rule, ...rows.map(([k, v]) => `${k.padEnd(width)}   ${String(v).padStart(valueWidth)}`), rule];
}

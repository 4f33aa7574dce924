/** How the reports print figures: numbers with thousands separators, ratios, markdown tables. */

export const MB = 2 ** 20;

export const fmt = (n: number, digits = 0) => n.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });

/** `a ÷ b` to two decimals (or `digits`); '–' when either is missing (or zero). */
export const ratio = (a: number | undefined, b: number | undefined, digits = 2) => (a && b ? `${(a / b).toFixed(digits)}` : '–');

export function table(header: string[], rows: string[][]): string {
  return [`| ${header.join(' | ')} |`, `|${header.map(() => '---').join('|')}|`, ...rows.map((r) => `| ${r.join(' | ')} |`)].join('\n');
}

/** Rounded to two decimals, as the results file keeps figures. */
export function round(n: number): number {
  return Math.round(n * 100) / 100;
}

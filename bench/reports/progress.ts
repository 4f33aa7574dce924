import type { Row } from './results';

/** The line printed as each subject's run ends, after its `scenario subject in-flight …` prefix. */
export function progressLine(row: Row): string {
  return `${row.deliveries} deliveries in ${(row.wallMs / 1000).toFixed(1)} s: ${Math.round(row.perSecond)}/s` +
    `${row.sampled ? ` (sampled ${row.deliveries} of ${row.targets})` : ''}, CPU ${row.cpuMsPer1000.toFixed(1)} ms/1k, ` +
    `first post after ${row.firstRequestMs?.toFixed(0) ?? '–'} ms, max RSS ${(row.maxRssBytes / 2 ** 20).toFixed(0)} MB, ` +
    `others' CPU ${((row.othersCpuMs ?? 0) / 1000).toFixed(1)} s${row.error ? `, ERROR ${row.error}` : ''}`;
}

/** The prefix printed as a subject's run starts. */
export function progressPrefix(scenario: string, subject: string, inFlight: number | undefined): string {
  return `  ${scenario.padEnd(18)} ${subject.padEnd(13)} in-flight ${String(inFlight ?? '-').padStart(3)} … `;
}

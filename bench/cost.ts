/**
 * What a month of the construct costs (issue 28): the worked month of the README by default, any other by flags.
 *
 *   npx ts-node --project tsconfig.dev.json bench/cost.ts [--users N] [--hours N] [--multicasts N] [--deduplication] … [--json]
 *
 * A model, not a bill: it prices the calls the construct makes (counted in its code) with the figures the benchmarks
 * measured and AWS's list prices (`bench/cost/prices.ts`, each with its source and the day it was read); what no
 * benchmark measured is an assumption the report lists. `--help` lists the flags.
 */
import { month } from './cost/model';
import { jsonReport, markdownReport } from './cost/report';
import { parseScenario } from './cost/scenario';

try {
  const { scenario, json } = parseScenario(process.argv.slice(2));
  const m = month(scenario);
  console.log(json ? jsonReport(m) : markdownReport(m));
} catch (e) {
  console.error((e as Error).message);
  process.exitCode = 2;
}

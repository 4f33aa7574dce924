/** The reporting ports: the per-request and per-work-item lines, and the core's other log lines. */
import type { RequestReport, WorkReport } from '../reports';

/** What the core logs besides the per-request and per-work-item lines: configuration errors, rejections. */
export interface Log {
  error(message: string, fields: Record<string, unknown>): void;
  warn(message: string, fields: Record<string, unknown>): void;
}

/** Where the per-request and per-work-item reports go: the Powertools logger and metrics in the Lambda. */
export interface Reporter {
  report(report: RequestReport): void;
  reportWork(report: WorkReport): void;
}

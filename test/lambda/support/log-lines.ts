/**
 * Captures what the handler writes — INFO lines to stdout, WARN and ERROR lines to stderr (Node console
 * semantics; Lambda captures both) — as parsed JSON objects (`{ raw }` for a line that is not JSON).
 * Undone by `jest.restoreAllMocks()`.
 */
export function captureLogLines(): Array<Record<string, any>> {
  const lines: Array<Record<string, any>> = [];
  for (const stream of [process.stdout, process.stderr]) {
    jest.spyOn(stream, 'write').mockImplementation((chunk: string | Uint8Array) => {
      for (const line of String(chunk).split('\n').filter(Boolean)) {
        try {
          lines.push(JSON.parse(line));
        } catch {
          lines.push({ raw: line });
        }
      }
      return true;
    });
  }
  return lines;
}

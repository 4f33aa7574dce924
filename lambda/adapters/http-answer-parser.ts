/**
 * An HTTP/1.1 answer read from a socket's bytes, incrementally (RFC 9112): the status line and headers, then a body
 * framed by `Transfer-Encoding: chunked`, `Content-Length`, or the socket's end; interim `1xx` answers are skipped.
 * `KeepAliveClient` feeds it; what it accepts and refuses is tested against Node's own client on the same servers.
 */

/** The parts of an answer the sender reads. Header names are lower case; repeated headers are joined with `, `. */
export interface HttpAnswer {
  readonly status: number;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: Buffer;
  /** The socket may carry another request: HTTP/1.1 without `Connection: close`, and the body was framed. */
  readonly reusable: boolean;
}

/** A malformed answer; the socket is not used again. */
export class HttpParseError extends Error {
  readonly code = 'HPE_INVALID';
  constructor(message: string) {
    super(message);
    this.name = 'HttpParseError';
  }
}

/** The connection ended before the answer did: Node's own error for it (a network error, retried). */
export function socketHangUp(): Error {
  return Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' });
}

/** Node's own limit on an answer's head (`--max-http-header-size`). */
export const MAX_HEAD_BYTES = 16 * 1024;
/**
 * The default bound of an answer's body: error answers of the Management API are a few hundred bytes, a bigger body is
 * not one of them. A client that reads bigger answers (DynamoDB's pages) gives its own bound.
 */
export const MAX_BODY_BYTES = 1024 * 1024;

const HEAD_END = Buffer.from('\r\n\r\n');
const CRLF = Buffer.from('\r\n');
const STATUS_LINE = /^HTTP\/1\.([01]) (\d{3})(?: |$)/;

type Framing = { kind: 'length'; left: number } | { kind: 'chunked'; left: number; state: 'size' | 'data' | 'data-end' | 'trailer' } | { kind: 'close' };

export class HttpAnswerParser {
  private pending: Buffer = Buffer.alloc(0);
  private head?: { status: number; headers: Record<string, string>; keepAlive: boolean };
  private framing?: Framing;
  private body: Buffer[] = [];
  private bodyBytes = 0;
  /** Bytes of heads (interim ones included) and chunk lines and trailers read so far: bounded like one head. */
  private headBytes = 0;

  constructor(private readonly maxBodyBytes = MAX_BODY_BYTES) {}

  /**
   * Takes the next bytes; returns the answer once it is complete. Bytes past the answer (a server that sends what was
   * not asked for) make it not reusable.
   */
  push(chunk: Buffer): HttpAnswer | undefined {
    this.pending = this.pending.length === 0 ? chunk : Buffer.concat([this.pending, chunk]);
    while (!this.head) {
      if (!this.readHead()) return undefined;
    }
    const done = this.readBody();
    if (!done) return undefined;
    return this.answer(this.pending.length === 0);
  }

  /** The socket ended: the answer, if its body ran to the end of the connection; otherwise an error. */
  end(): HttpAnswer {
    if (this.head && this.framing?.kind === 'close') return this.answer(false);
    throw socketHangUp();
  }

  private answer(clean: boolean): HttpAnswer {
    const head = this.head!;
    return {
      status: head.status,
      headers: head.headers,
      body: this.body.length === 1 ? this.body[0] : Buffer.concat(this.body),
      reusable: clean && head.keepAlive && this.framing!.kind !== 'close',
    };
  }

  /** Reads one head; false when more bytes are needed. A 1xx head is dropped and reading goes on. */
  private readHead(): boolean {
    const end = this.pending.indexOf(HEAD_END);
    if (this.headBytes + (end < 0 ? this.pending.length : end) > MAX_HEAD_BYTES) {
      throw new HttpParseError(`answer head over ${MAX_HEAD_BYTES} bytes`);
    }
    if (end < 0) return false;
    this.headBytes += end + HEAD_END.length;
    const lines = this.pending.toString('latin1', 0, end).split('\r\n');
    this.pending = this.pending.subarray(end + HEAD_END.length);
    const match = STATUS_LINE.exec(lines[0]);
    if (!match) throw new HttpParseError(`not an HTTP/1.x status line: ${JSON.stringify(lines[0].slice(0, 80))}`);
    const status = Number(match[2]);
    if (status >= 100 && status < 200 && status !== 101) return true;
    const headers = parseHeaders(lines);
    const connection = (headers.connection ?? '').toLowerCase();
    const keepAlive = match[1] === '1' ? !/\bclose\b/.test(connection) : /\bkeep-alive\b/.test(connection);
    this.head = { status, headers, keepAlive };
    this.framing = framing(status, headers);
    return true;
  }

  /** Reads body bytes; true once the body is complete. */
  private readBody(): boolean {
    const f = this.framing!;
    if (f.kind === 'length') {
      const take = Math.min(f.left, this.pending.length);
      this.takeBody(take);
      f.left -= take;
      return f.left === 0;
    }
    if (f.kind === 'close') {
      this.takeBody(this.pending.length);
      return false;
    }
    return this.readChunked(f);
  }

  private readChunked(f: Extract<Framing, { kind: 'chunked' }>): boolean {
    for (;;) {
      if (f.state === 'data') {
        const take = Math.min(f.left, this.pending.length);
        this.takeBody(take);
        f.left -= take;
        if (f.left > 0) return false;
        f.state = 'data-end';
      }
      const eol = this.pending.indexOf(CRLF);
      if (this.headBytes + (eol < 0 ? this.pending.length : eol) > MAX_HEAD_BYTES) {
        throw new HttpParseError(`chunk lines and trailers over ${MAX_HEAD_BYTES} bytes`);
      }
      if (eol < 0) return false;
      this.headBytes += eol + CRLF.length;
      const line = this.pending.toString('latin1', 0, eol);
      this.pending = this.pending.subarray(eol + CRLF.length);
      if (f.state === 'data-end') {
        if (line !== '') throw new HttpParseError('chunk data not followed by CRLF');
        f.state = 'size';
      } else if (f.state === 'trailer') {
        if (line === '') return true;
      } else {
        const size = /^([0-9a-fA-F]{1,8})[ \t]*(?:;.*)?$/.exec(line);
        if (!size) throw new HttpParseError(`invalid chunk size line: ${JSON.stringify(line.slice(0, 40))}`);
        f.left = parseInt(size[1], 16);
        f.state = f.left === 0 ? 'trailer' : 'data';
      }
    }
  }

  private takeBody(bytes: number): void {
    if (bytes === 0) return;
    this.bodyBytes += bytes;
    if (this.bodyBytes > this.maxBodyBytes) throw new HttpParseError(`answer body over ${this.maxBodyBytes} bytes`);
    this.body.push(this.pending.subarray(0, bytes));
    this.pending = this.pending.subarray(bytes);
  }
}

/** A header name is a token (RFC 9110): no whitespace before the colon, as Node's parser requires. */
const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;

function parseHeaders(lines: string[]): Record<string, string> {
  const headers: Record<string, string> = Object.create(null);
  for (let i = 1; i < lines.length; i++) {
    const colon = lines[i].indexOf(':');
    const raw = colon > 0 ? lines[i].slice(0, colon) : '';
    if (!TOKEN.test(raw)) throw new HttpParseError(`invalid header line: ${JSON.stringify(lines[i].slice(0, 80))}`);
    const name = raw.toLowerCase();
    const value = lines[i].slice(colon + 1).trim();
    headers[name] = headers[name] === undefined ? value : `${headers[name]}, ${value}`;
  }
  return headers;
}

function framing(status: number, headers: Record<string, string>): Framing {
  if (status === 204 || status === 304) return { kind: 'length', left: 0 };
  const te = headers['transfer-encoding'];
  // Both framings at once is how responses are smuggled: refused, as Node's parser refuses it (RFC 9112 §6.3).
  if (te !== undefined && headers['content-length'] !== undefined) throw new HttpParseError('both transfer-encoding and content-length');
  if (te !== undefined) {
    if (!/(?:^|,)\s*chunked\s*$/i.test(te)) throw new HttpParseError(`unsupported transfer-encoding: ${te}`);
    return { kind: 'chunked', left: 0, state: 'size' };
  }
  const length = headers['content-length'];
  if (length === undefined) return { kind: 'close' };
  if (!/^\d{1,15}$/.test(length)) throw new HttpParseError(`invalid content-length: ${JSON.stringify(length)}`);
  return { kind: 'length', left: Number(length) };
}

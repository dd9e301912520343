// A minimal PostgreSQL client (simple query protocol; trust, cleartext, MD5 or SCRAM-SHA-256
// authentication), so the image carries no dependency: only node and these files.
import { createHash, createHmac, pbkdf2Sync, randomBytes } from 'node:crypto';
import { connect, type Socket } from 'node:net';

export interface DbConfig {
  host: string;
  port: number;
  database: string;
  user: string;
  password?: string;
}

/** `DATABASE_URL`, or the `DATABASE_HOST`/`_PORT`/`_NAME`/`_USER`/`_PASSWORD` the stacks pass. */
export function dbConfigFromEnv(env: NodeJS.ProcessEnv): DbConfig | undefined {
  if (env.DATABASE_URL) {
    const url = new URL(env.DATABASE_URL);
    return {
      host: url.hostname,
      port: Number(url.port || 5432),
      database: decodeURIComponent(url.pathname.slice(1)) || 'postgres',
      user: decodeURIComponent(url.username),
      password: url.password ? decodeURIComponent(url.password) : undefined,
    };
  }
  if (!env.DATABASE_HOST) return undefined;
  return {
    host: env.DATABASE_HOST,
    port: Number(env.DATABASE_PORT ?? 5432),
    database: env.DATABASE_NAME ?? 'app',
    user: env.DATABASE_USER ?? 'app',
    password: env.DATABASE_PASSWORD,
  };
}

export class DbError extends Error {
  readonly code: string | undefined;
  constructor(message: string, code?: string) {
    super(message);
    this.code = code;
  }
}

type Row = Record<string, string | null>;

/** One connection; `query` runs statements one at a time (several per string are allowed). */
export class Db {
  readonly #socket: Socket;
  #buffer = Buffer.alloc(0);
  #waiters: ((msg: { type: string; body: Buffer } | Error) => void)[] = [];
  #queue: ({ type: string; body: Buffer } | Error)[] = [];

  private constructor(socket: Socket) {
    this.#socket = socket;
    socket.on('data', (chunk: Buffer) => this.#onData(chunk));
    const fail = (err: Error) => this.#push(err);
    socket.on('error', fail);
    socket.on('close', () => fail(new DbError('connection closed')));
  }

  static async connect(config: DbConfig, timeoutMs = 3000): Promise<Db> {
    const socket = connect({ host: config.host, port: config.port });
    socket.setTimeout(timeoutMs, () => socket.destroy(new DbError(`timed out after ${timeoutMs}ms`)));
    const db = new Db(socket);
    try {
      await new Promise<void>((resolve, reject) => {
        socket.once('connect', resolve);
        socket.once('error', reject);
      });
      await db.#startup(config);
      socket.setTimeout(0);
      return db;
    } catch (err) {
      socket.destroy();
      throw err;
    }
  }

  #onData(chunk: Buffer): void {
    this.#buffer = Buffer.concat([this.#buffer, chunk]);
    while (this.#buffer.length >= 5) {
      const length = this.#buffer.readInt32BE(1);
      if (this.#buffer.length < length + 1) return;
      const type = String.fromCharCode(this.#buffer[0]!);
      const body = this.#buffer.subarray(5, length + 1);
      this.#buffer = this.#buffer.subarray(length + 1);
      this.#push({ type, body });
    }
  }

  #push(msg: { type: string; body: Buffer } | Error): void {
    const waiter = this.#waiters.shift();
    if (waiter) waiter(msg);
    else this.#queue.push(msg);
  }

  async #next(): Promise<{ type: string; body: Buffer }> {
    const msg =
      this.#queue.shift() ??
      (await new Promise<{ type: string; body: Buffer } | Error>((resolve) => this.#waiters.push(resolve)));
    if (msg instanceof Error) throw msg;
    return msg;
  }

  #send(type: string, body: Buffer): void {
    const header = Buffer.alloc(type ? 5 : 4);
    if (type) header.write(type, 0, 'ascii');
    header.writeInt32BE(body.length + 4, type ? 1 : 0);
    this.#socket.write(Buffer.concat([header, body]));
  }

  async #startup(config: DbConfig): Promise<void> {
    const params = Buffer.from(`user\0${config.user}\0database\0${config.database}\0\0`);
    const version = Buffer.alloc(4);
    version.writeInt32BE(196608);
    this.#send('', Buffer.concat([version, params]));
    let scram: Scram | undefined;
    for (;;) {
      const msg = await this.#next();
      if (msg.type === 'E') throw errorOf(msg.body);
      if (msg.type === 'Z') return;
      if (msg.type !== 'R') continue;
      const kind = msg.body.readInt32BE(0);
      const password = config.password ?? '';
      if (kind === 3) this.#send('p', Buffer.from(`${password}\0`));
      else if (kind === 5) {
        const inner = md5(password + config.user);
        this.#send(
          'p',
          Buffer.from(`md5${md5(Buffer.concat([Buffer.from(inner), msg.body.subarray(4, 8)]))}\0`),
        );
      } else if (kind === 10) {
        scram = new Scram(password);
        const first = Buffer.from(scram.clientFirst());
        const len = Buffer.alloc(4);
        len.writeInt32BE(first.length);
        this.#send('p', Buffer.concat([Buffer.from('SCRAM-SHA-256\0'), len, first]));
      } else if (kind === 11 && scram) {
        this.#send('p', Buffer.from(scram.clientFinal(msg.body.subarray(4).toString())));
      } else if (kind !== 0 && kind !== 12) {
        throw new DbError(`unsupported authentication method ${kind}`);
      }
    }
  }

  /** Runs `sql`; resolves with the rows of the last statement, rejects with the server's error. */
  async query(sql: string): Promise<Row[]> {
    this.#send('Q', Buffer.from(`${sql}\0`));
    let columns: string[] = [];
    let rows: Row[] = [];
    let error: DbError | undefined;
    for (;;) {
      const msg = await this.#next();
      if (msg.type === 'T') {
        columns = parseColumns(msg.body);
        rows = [];
      } else if (msg.type === 'D') rows.push(parseRow(msg.body, columns));
      else if (msg.type === 'E') error = errorOf(msg.body);
      else if (msg.type === 'Z') {
        if (error) throw error;
        return rows;
      }
    }
  }

  close(): void {
    if (!this.#socket.destroyed) this.#send('X', Buffer.alloc(0));
    this.#socket.end();
  }
}

function md5(data: string | Buffer): string {
  return createHash('md5').update(data).digest('hex');
}

function errorOf(body: Buffer): DbError {
  const fields: Record<string, string> = {};
  let at = 0;
  while (at < body.length && body[at] !== 0) {
    const code = String.fromCharCode(body[at]!);
    const end = body.indexOf(0, at + 1);
    fields[code] = body.subarray(at + 1, end).toString();
    at = end + 1;
  }
  return new DbError(fields.M ?? 'database error', fields.C);
}

function parseColumns(body: Buffer): string[] {
  const count = body.readInt16BE(0);
  const names: string[] = [];
  let at = 2;
  for (let i = 0; i < count; i++) {
    const end = body.indexOf(0, at);
    names.push(body.subarray(at, end).toString());
    at = end + 1 + 18;
  }
  return names;
}

function parseRow(body: Buffer, columns: string[]): Row {
  const row: Row = {};
  let at = 2;
  for (const name of columns) {
    const length = body.readInt32BE(at);
    at += 4;
    row[name] = length < 0 ? null : body.subarray(at, at + length).toString();
    if (length > 0) at += length;
  }
  return row;
}

/** RFC 5802 / 7677 client, as PostgreSQL speaks it (no channel binding). */
class Scram {
  readonly #password: string;
  readonly #nonce = randomBytes(18).toString('base64');

  constructor(password: string) {
    this.#password = password;
  }

  clientFirst(): string {
    return `n,,n=*,r=${this.#nonce}`;
  }

  clientFinal(serverFirst: string): string {
    const attrs = Object.fromEntries(serverFirst.split(',').map((kv) => [kv[0], kv.slice(2)]));
    const nonce = attrs.r ?? '';
    if (!nonce.startsWith(this.#nonce)) throw new DbError('SCRAM: server nonce does not extend ours');
    const salted = pbkdf2Sync(
      this.#password,
      Buffer.from(attrs.s ?? '', 'base64'),
      Number(attrs.i),
      32,
      'sha256',
    );
    const clientKey = hmac(salted, 'Client Key');
    const storedKey = createHash('sha256').update(clientKey).digest();
    const withoutProof = `c=biws,r=${nonce}`;
    const authMessage = `n=*,r=${this.#nonce},${serverFirst},${withoutProof}`;
    const signature = hmac(storedKey, authMessage);
    const proof = Buffer.from(clientKey.map((b, i) => b ^ signature[i]!)).toString('base64');
    return `${withoutProof},p=${proof}`;
  }
}

function hmac(key: Buffer, data: string): Buffer {
  return createHmac('sha256', key).update(data).digest();
}

/** Opens a connection, runs `sql`, closes. */
export async function withDb<T>(config: DbConfig, use: (db: Db) => Promise<T>): Promise<T> {
  const db = await Db.connect(config);
  try {
    return await use(db);
  } finally {
    db.close();
  }
}

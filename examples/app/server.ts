import { createApp } from './app.ts';
import { dbConfigFromEnv, withDb } from './db.ts';

const version = process.env.APP_VERSION ?? 'unknown';
const port = Number(process.env.PORT ?? 8080);
const host = process.env.HOST ?? '0.0.0.0';
const db = dbConfigFromEnv(process.env);
// BROKEN=health builds a version that cannot reach its database (see README: broken variants).
const broken = process.env.BROKEN === 'health';

const server = createApp({
  version,
  checkDatabase: async () => {
    if (!db) throw new Error('no database configured (DATABASE_URL or DATABASE_HOST)');
    const target = broken ? { ...db, database: `${db.database}_missing` } : db;
    await withDb(target, (conn) => conn.query('SELECT 1'));
  },
});
server.listen(port, host, () => {
  const address = server.address();
  const bound = typeof address === 'object' && address ? address.port : port;
  console.log(`shop ${version} listening on http://${host}:${bound}`);
});

// ECS sends SIGTERM and waits (stopTimeout) before SIGKILL: finish in-flight requests first.
for (const signal of ['SIGTERM', 'SIGINT'] as const) {
  process.once(signal, () => {
    console.log(`${signal}: closing`);
    server.close(() => process.exit(0));
    server.closeIdleConnections();
  });
}

// `ferry deploy` runs this as a one-off ECS task (`node migrate.ts`) before rolling the service.
// Applies each migrations/*.sql not yet recorded in schema_migrations, one transaction per file,
// in name order. A non-zero exit stops the release before the service changes.
import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { dbConfigFromEnv, withDb } from './db.ts';

function migrationFiles(): { name: string; path: string }[] {
  const dirs = ['./migrations/'];
  // BROKEN=migration builds a version whose last migration fails (see README: broken variants).
  if (process.env.BROKEN === 'migration') dirs.push('./migrations-broken/');
  return dirs
    .flatMap((dir) => {
      const path = fileURLToPath(new URL(dir, import.meta.url));
      return readdirSync(path)
        .filter((f) => f.endsWith('.sql'))
        .map((name) => ({ name, path: `${path}${name}` }));
    })
    .sort((a, b) => a.name.localeCompare(b.name));
}

const config = dbConfigFromEnv(process.env);
if (!config) {
  console.error('migrate: no database configured (set DATABASE_URL or DATABASE_HOST)');
  process.exit(2);
}
console.log(
  `migrate: ${config.user}@${config.host}:${config.port}/${config.database} (version ${process.env.APP_VERSION ?? 'unknown'})`,
);
try {
  const applied = await withDb(config, async (db) => {
    await db.query(
      'CREATE TABLE IF NOT EXISTS schema_migrations (name text PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now())',
    );
    const done = new Set((await db.query('SELECT name FROM schema_migrations')).map((r) => r.name));
    // BROKEN=slow-migration: a migration that runs for a minute, to try interrupting a release.
    if (process.env.BROKEN === 'slow-migration') await db.query('SELECT pg_sleep(60)');
    let count = 0;
    for (const file of migrationFiles()) {
      if (done.has(file.name)) continue;
      console.log(`migrate: applying ${file.name}`);
      const sql = readFileSync(file.path, 'utf8');
      const name = file.name.replaceAll("'", "''");
      try {
        await db.query(`BEGIN;\n${sql}\n;INSERT INTO schema_migrations (name) VALUES ('${name}');\nCOMMIT;`);
      } catch (err) {
        await db.query('ROLLBACK').catch(() => undefined);
        throw new Error(`${file.name}: ${(err as Error).message}`);
      }
      count++;
    }
    return count;
  });
  console.log(`migrate: done, ${applied} migration(s) applied`);
} catch (err) {
  console.error(`migrate: failed: ${(err as Error).message}`);
  process.exit(1);
}

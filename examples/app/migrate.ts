// `ferry deploy` runs this as a one-off ECS task (`node migrate.ts`) before rolling the service.
// The example has no database driver (it stays dependency-free): it lists the migrations it
// would apply, in order. A real app runs its migration tool here; a non-zero exit stops the release.
import { readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const dir = fileURLToPath(new URL('./migrations/', import.meta.url));
const migrations = readdirSync(dir)
  .filter((f) => f.endsWith('.sql'))
  .sort();

const target = process.env.DATABASE_HOST
  ? `${process.env.DATABASE_USER ?? 'app'}@${process.env.DATABASE_HOST}/${process.env.DATABASE_NAME ?? 'app'}`
  : 'no database configured';
console.log(`migrating ${target} (${process.env.APP_VERSION ?? 'unknown version'})`);
for (const file of migrations) console.log(`applying ${file}`);
console.log(`done: ${migrations.length} migration(s)`);

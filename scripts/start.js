// `npm start`: compile only when a source is newer than the last build, then run the server.
// Skipping a no-op tsc run keeps a restart well under the 3 s target.
const { execFileSync } = require('node:child_process');
const { existsSync, readdirSync, statSync } = require('node:fs');
const { join } = require('node:path');

const root = join(__dirname, '..');
const buildInfo = join(root, 'dist', '.tsbuildinfo');
const entry = join(root, 'dist', 'src', 'main.js');

function newestMtime(dir) {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    newest = Math.max(newest, entry.isDirectory() ? newestMtime(path) : statSync(path).mtimeMs);
  }
  return newest;
}

function needsBuild() {
  if (!existsSync(entry) || !existsSync(buildInfo)) return true;
  const sources = Math.max(
    ...['src', 'migrations', 'bench'].filter((d) => existsSync(join(root, d))).map((d) => newestMtime(join(root, d))),
    ...['package-lock.json', 'tsconfig.json', 'tsconfig.build.json'].map((f) => statSync(join(root, f)).mtimeMs),
  );
  return sources > statSync(buildInfo).mtimeMs;
}

if (needsBuild()) {
  console.log('Clasp: building…');
  execFileSync(process.execPath, [require.resolve('typescript/bin/tsc'), '-p', join(root, 'tsconfig.build.json')], { stdio: 'inherit', cwd: root });
}
require(entry);

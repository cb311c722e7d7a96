// Builds the inbox and the widget when dist/ is missing or older than their sources, so that
// `npm start` right after `npm install` works and later starts skip the build.
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';

const root = path.resolve(import.meta.dirname, '..');
const outputs = ['dist/inbox/index.html', 'dist/widget/widget.js'].map((file) => path.join(root, file));
const sources = ['inbox', 'widget', 'server/realtime/events.ts', 'vite.config.ts', 'package-lock.json'];

function newestMtime(target) {
  const stat = statSync(target);
  if (!stat.isDirectory()) return stat.mtimeMs;
  return Math.max(0, ...readdirSync(target).map((name) => newestMtime(path.join(target, name))));
}

const built = outputs.every((file) => existsSync(file));
const oldestOutput = built ? Math.min(...outputs.map((file) => statSync(file).mtimeMs)) : 0;
const newestSource = Math.max(...sources.map((source) => path.join(root, source)).filter(existsSync).map(newestMtime));

if (!built || newestSource > oldestOutput) {
  console.log('Building the inbox and the widget…');
  execFileSync('npm', ['run', '--silent', 'build'], { cwd: root, stdio: 'inherit' });
}

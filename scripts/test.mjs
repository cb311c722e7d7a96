// `npm test`: the whole suite, then the latency tests on their own. Those assert answer times that
// an issue demands (e.g. issue 12: /healthz and chat within 200 ms while a 24 MB mail is read);
// beside the suite's own parallel files on a two-core machine such a figure measures the suite,
// not Balie. With arguments (`npm test -- --project integration file`) it is one plain vitest run.
import { spawnSync } from 'node:child_process';

const vitest = (args) => spawnSync('npx', ['vitest', 'run', ...args], { stdio: 'inherit' }).status ?? 1;

const args = process.argv.slice(2);
if (args.length > 0) process.exit(vitest(args));

const suite = vitest(['--project', 'unit', '--project', 'integration', '--project', 'e2e']);
console.log('\nLatency tests, alone on the machine:');
const latency = vitest(['--project', 'latency']);
process.exit(suite !== 0 ? suite : latency);

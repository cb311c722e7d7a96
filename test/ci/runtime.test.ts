// The supported runtimes: maintained Node.js LTS lines only (22.12+ and 24), and every installed
// dependency accepts all of them — so `npm ci` prints no EBADENGINE warning on any of them.
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import semver from 'semver';
import { describe, expect, it } from 'vitest';

const root = path.resolve(import.meta.dirname, '../..');
const manifest = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8')) as { engines: { node: string } };
const lock = JSON.parse(readFileSync(path.join(root, 'package-lock.json'), 'utf8')) as {
  packages: Record<string, { engines?: { node?: string } | string[]; dev?: boolean; optional?: boolean }>;
};
const supported = manifest.engines.node;

describe('engines.node', () => {
  it.each(['22.12.0', '22.22.0', '24.0.0', '24.21.0'])('admits Node %s', (version) => {
    expect(semver.satisfies(version, supported)).toBe(true);
  });
  it.each(['20.19.0', '20.20.2', '22.11.0', '21.7.3', '23.11.0', '25.0.0'])('rejects Node %s', (version) => {
    expect(semver.satisfies(version, supported)).toBe(false);
  });
  it('the lockfile records the same range', () => {
    expect((lock.packages[''] as { engines?: { node?: string } }).engines?.node).toBe(supported);
  });
  // Packages for other platforms (the wasm fallbacks of rolldown, say) are locked but not
  // installed here, and npm checks the engines of what it installs.
  it('every installed package accepts every Node version Balie admits', () => {
    const refusing = Object.entries(lock.packages)
      .filter(([name]) => name !== '' && existsSync(path.join(root, name)))
      .filter(([, entry]) => entry.engines && !Array.isArray(entry.engines) && entry.engines.node)
      .filter(([, entry]) => !semver.subset(supported, (entry.engines as { node: string }).node))
      .map(([name, entry]) => `${name.replace(/^.*node_modules\//, '')} (${(entry.engines as { node: string }).node})`);
    expect(refusing).toEqual([]);
  });
  it('this test run uses an admitted Node', () => {
    expect(semver.satisfies(process.versions.node, supported), `running on ${process.versions.node}`).toBe(true);
  });
});

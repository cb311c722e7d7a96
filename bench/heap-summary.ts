// Compares two V8 heap snapshots of Balie (e.g. bench:widget-sockets with HEAP_SNAPSHOTS=<dir>, at 0
// and at N widget sockets): the self size each kind of object (constructor or closure name) added,
// in bytes per socket, largest first — where a socket's memory goes, without a DevTools session.
// Run: node bench/heap-summary.ts <before.heapsnapshot> <after.heapsnapshot> <sockets> [rows]
import fs from 'node:fs/promises';

interface Snapshot {
  snapshot: { meta: { node_fields: string[]; node_types: [string[], ...unknown[]]; edge_fields: string[]; edge_types: [string[], ...unknown[]] } };
  nodes: number[];
  edges: number[];
  strings: string[];
}

/** Node types named after what holds them: on their own ("array:", "closure:wrapper") they say little. */
const BY_HOLDER = new Set(['array', 'hidden', 'closure', 'string', 'object:Object', 'object:Array', 'object:system / Context', 'object:Map', 'object:Set', 'number']);

/** Self size and count per "type:name" (closures by function name, objects by constructor). */
async function tally(file: string): Promise<Map<string, { size: number; count: number }>> {
  const heap = JSON.parse(await fs.readFile(file, 'utf8')) as Snapshot;
  const fields = heap.snapshot.meta.node_fields;
  const types = heap.snapshot.meta.node_types[0];
  const width = fields.length;
  const [typeAt, nameAt, sizeAt] = ['type', 'name', 'self_size'].map((field) => fields.indexOf(field)) as [number, number, number];
  const edgeFields = heap.snapshot.meta.edge_fields;
  const edgeTypes = heap.snapshot.meta.edge_types[0];
  const edgeWidth = edgeFields.length;
  const [edgeTypeAt, edgeNameAt, toAt] = ['type', 'name_or_index', 'to_node'].map((field) => edgeFields.indexOf(field)) as [number, number, number];
  const countAt = fields.indexOf('edge_count');
  const nameOf = (i: number) => {
    const type = types[heap.nodes[i + typeAt]!]!;
    // Strings and numbers by type only: their contents would make every one a kind of its own.
    return type === 'object' || type === 'closure' || type === 'native' ? `${type}:${heap.strings[heap.nodes[i + nameAt]!]!.slice(0, 40)}` : `${type}`;
  };
  // The first strong holder of each node, as "Holder.edge".
  const holder = new Map<number, string>();
  for (let i = 0, edge = 0; i < heap.nodes.length; i += width) {
    const end = edge + heap.nodes[i + countAt]! * edgeWidth;
    for (; edge < end; edge += edgeWidth) {
      const edgeType = edgeTypes[heap.edges[edge + edgeTypeAt]!]!;
      if (edgeType === 'weak' || edgeType === 'shortcut') continue;
      const to = heap.edges[edge + toAt]!;
      if (holder.has(to)) continue;
      const label = edgeType === 'element' || edgeType === 'hidden' ? '[]' : String(heap.strings[heap.edges[edge + edgeNameAt]!]).slice(0, 30);
      holder.set(to, `${nameOf(i).replace(/^object:/, '')}.${label}`);
    }
  }
  const kinds = new Map<string, { size: number; count: number }>();
  for (let i = 0; i < heap.nodes.length; i += width) {
    const name = nameOf(i);
    const key = BY_HOLDER.has(name) || BY_HOLDER.has(name.split(':')[0]!) ? `${name} ← ${holder.get(i) ?? '?'}` : name;
    const kind = kinds.get(key) ?? { size: 0, count: 0 };
    kind.size += heap.nodes[i + sizeAt]!;
    kind.count += 1;
    kinds.set(key, kind);
  }
  return kinds;
}

const [beforeFile, afterFile, socketsText, rowsText] = process.argv.slice(2);
if (!beforeFile || !afterFile || !socketsText) {
  console.error('usage: node bench/heap-summary.ts <before.heapsnapshot> <after.heapsnapshot> <sockets> [rows]');
  process.exit(2);
}
const sockets = Number(socketsText);
const [before, after] = await Promise.all([tally(beforeFile), tally(afterFile)]);
const added = [...after].map(([key, { size, count }]) => ({ key, size: size - (before.get(key)?.size ?? 0), count: count - (before.get(key)?.count ?? 0) }));
const total = added.reduce((sum, { size }) => sum + size, 0);
console.log(`JS heap added: ${(total / 2 ** 20).toFixed(1)} MiB = ${(total / sockets).toFixed(0)} B per socket (${sockets} sockets)\n`);
console.log('| kind | B per socket | objects per socket |');
console.log('|---|---:|---:|');
for (const { key, size, count } of added.sort((a, b) => b.size - a.size).slice(0, Number(rowsText ?? 30))) {
  console.log(`| ${key} | ${(size / sockets).toFixed(0)} | ${(count / sockets).toFixed(2)} |`);
}

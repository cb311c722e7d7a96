// A member's iCalendar free/busy address (issue 14 §3), read server-side: busy periods count as
// not available (availability.ts), never as absence — a meeting does not refuse a hand-off.
//
// The address is typed in by a person, so reading it is a server-side request forgery risk
// (docs/security.md): https only; after DNS resolution no loopback, private, link-local, CGNAT,
// multicast or documentation address (the connection goes to the address that was checked, so a
// second resolution cannot swap it); at most FREEBUSY_MAX_BYTES, FREEBUSY_TIMEOUT_MS for the whole
// read, and each redirect checked again, at most three. Hosts on the FREEBUSY_ALLOW_HOSTS list (a
// calendar server inside the gemeente's network) may use http and private addresses.
import { lookup as dnsLookup } from 'node:dns/promises';
import http from 'node:http';
import https from 'node:https';
import { BlockList, isIP } from 'node:net';
import ical from 'node-ical';
import type { Db } from '../db/index.ts';
import type { Absence } from './availability.ts';

export interface FreeBusyPolicy {
  /** host or host:port entries that may use http and private addresses. */
  allowHosts: readonly string[];
  /** The whole read, redirects included; default 5 s. */
  timeoutMs?: number;
  /** Largest calendar read; default 1 MiB. */
  maxBytes?: number;
  /** Default 3. */
  maxRedirects?: number;
}

export type RefusalReason = 'bad_url' | 'scheme' | 'address' | 'too_large' | 'timeout' | 'redirects' | 'status' | 'unreadable';

/** Why an address was not read; its code (not the text) is stored and shown to admins. */
export class FreeBusyRefused extends Error {
  constructor(
    readonly reason: RefusalReason,
    detail: string,
  ) {
    super(`${reason}: ${detail}`);
    this.name = 'FreeBusyRefused';
  }
}

const BLOCKED = new BlockList();
for (const [network, prefix] of [
  ['0.0.0.0', 8], ['10.0.0.0', 8], ['100.64.0.0', 10], ['127.0.0.0', 8], ['169.254.0.0', 16], ['172.16.0.0', 12], ['192.0.0.0', 24],
  ['192.0.2.0', 24], ['192.88.99.0', 24], ['192.168.0.0', 16], ['198.18.0.0', 15], ['198.51.100.0', 24], ['203.0.113.0', 24], ['224.0.0.0', 4], ['240.0.0.0', 4],
] as const) BLOCKED.addSubnet(network, prefix, 'ipv4');
for (const [network, prefix] of [
  ['::', 128], ['::1', 128], ['64:ff9b:1::', 48], ['100::', 64], ['2001::', 23], ['2001:db8::', 32], ['fc00::', 7], ['fe80::', 10], ['fec0::', 10], ['ff00::', 8],
] as const) BLOCKED.addSubnet(network, prefix, 'ipv6');

/** Whether an address is one a request from Balie may reach without being on the allow-list. */
export function isPublicAddress(address: string): boolean {
  const family = isIP(address);
  if (family === 0) return false;
  if (family === 6) {
    // IPv4-mapped and -compatible addresses are the IPv4 address they carry.
    const mapped = /^::(?:ffff:)?(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
    if (mapped) return isPublicAddress(mapped[1]!);
    const hexMapped = /^::ffff:([0-9a-f]{1,4}):([0-9a-f]{1,4})$/i.exec(address);
    if (hexMapped) {
      const [high, low] = [parseInt(hexMapped[1]!, 16), parseInt(hexMapped[2]!, 16)];
      return isPublicAddress(`${high >> 8}.${high & 255}.${low >> 8}.${low & 255}`);
    }
    return !BLOCKED.check(address, 'ipv6');
  }
  return !BLOCKED.check(address, 'ipv4');
}

function allowed(url: URL, policy: FreeBusyPolicy): boolean {
  const host = url.hostname.toLowerCase();
  const port = url.port || (url.protocol === 'https:' ? '443' : '80');
  return policy.allowHosts.some((entry) => entry === host || entry === `${host}:${port}`);
}

/**
 * What is wrong with an address before anything is resolved or read (for the form that sets it):
 * not an address, credentials in it, or plain http to a host not on the allow-list; null: fine.
 */
export function freeBusyAddress(address: string, policy: FreeBusyPolicy): RefusalReason | null {
  let url: URL;
  try {
    url = new URL(address);
  } catch {
    return 'bad_url';
  }
  if (url.username || url.password) return 'bad_url';
  if (url.protocol === 'https:' || (url.protocol === 'http:' && allowed(url, policy))) return null;
  return 'scheme';
}

export type Resolver = (hostname: string) => Promise<{ address: string; family: number }[]>;
const systemResolver: Resolver = (hostname) => dnsLookup(hostname, { all: true, verbatim: true });

/** Checks one URL against the policy and resolves it; the address to connect to. */
async function vet(url: URL, policy: FreeBusyPolicy, resolve: Resolver): Promise<{ address: string; family: number }> {
  if (url.username || url.password) throw new FreeBusyRefused('bad_url', 'credentials in the address');
  const onList = allowed(url, policy);
  if (url.protocol !== 'https:' && !(url.protocol === 'http:' && onList)) throw new FreeBusyRefused('scheme', url.protocol);
  const host = url.hostname.replace(/^\[|\]$/g, '');
  const addresses = isIP(host) ? [{ address: host, family: isIP(host) }] : await resolve(host).catch(() => []);
  if (addresses.length === 0) throw new FreeBusyRefused('address', `${host} does not resolve`);
  // Every address the name has must pass: the connection could otherwise be steered to a bad one.
  const bad = addresses.find((candidate) => !onList && !isPublicAddress(candidate.address));
  if (bad) throw new FreeBusyRefused('address', `${host} resolves to ${bad.address}`);
  return addresses[0]!;
}

/** Reads the calendar at `address` under the policy: the text, or FreeBusyRefused. */
export async function readCalendar(address: string, policy: FreeBusyPolicy, resolve: Resolver = systemResolver): Promise<string> {
  const deadline = Date.now() + (policy.timeoutMs ?? 5_000);
  const maxBytes = policy.maxBytes ?? 1024 * 1024;
  let url: URL;
  try {
    url = new URL(address);
  } catch {
    throw new FreeBusyRefused('bad_url', 'not an address');
  }
  for (let redirects = 0; ; redirects++) {
    const target = await vet(url, policy, resolve);
    if (Date.now() >= deadline) throw new FreeBusyRefused('timeout', 'no answer in time');
    const answer = await get(url, target, deadline, maxBytes);
    if (answer.kind === 'text') return answer.text;
    if (redirects >= (policy.maxRedirects ?? 3)) throw new FreeBusyRefused('redirects', 'too many redirects');
    try {
      url = new URL(answer.location, url);
    } catch {
      throw new FreeBusyRefused('bad_url', 'a redirect to no address');
    }
  }
}

function get(url: URL, target: { address: string; family: number }, deadline: number, maxBytes: number): Promise<{ kind: 'text'; text: string } | { kind: 'redirect'; location: string }> {
  return new Promise((resolve, reject) => {
    const client = url.protocol === 'https:' ? https : http;
    const request = client.request(url, {
      method: 'GET',
      headers: { accept: 'text/calendar', 'user-agent': 'Balie free/busy' },
      // Connect to the vetted address (the name still goes in Host and SNI, and the certificate is checked against it).
      lookup: (_hostname, options, callback) => {
        if ((options as { all?: boolean }).all) (callback as (error: null, addresses: { address: string; family: number }[]) => void)(null, [target]);
        else (callback as (error: null, address: string, family: number) => void)(null, target.address, target.family);
      },
    });
    const timer = setTimeout(() => request.destroy(new FreeBusyRefused('timeout', 'no answer in time')), Math.max(0, deadline - Date.now()));
    const fail = (error: Error) => {
      clearTimeout(timer);
      reject(error instanceof FreeBusyRefused ? error : new FreeBusyRefused('unreadable', error.message));
    };
    request.on('error', fail);
    request.on('response', (response) => {
      const status = response.statusCode ?? 0;
      if (status >= 300 && status < 400 && response.headers.location) {
        response.resume();
        clearTimeout(timer);
        request.destroy();
        resolve({ kind: 'redirect', location: response.headers.location });
        return;
      }
      if (status !== 200) {
        response.resume();
        request.destroy();
        fail(new FreeBusyRefused('status', `HTTP ${status}`));
        return;
      }
      if (Number(response.headers['content-length'] ?? 0) > maxBytes) {
        request.destroy();
        fail(new FreeBusyRefused('too_large', 'more than the limit'));
        return;
      }
      const chunks: Buffer[] = [];
      let size = 0;
      response.on('data', (chunk: Buffer) => {
        size += chunk.length;
        if (size > maxBytes) {
          request.destroy(new FreeBusyRefused('too_large', 'more than the limit'));
          return;
        }
        chunks.push(chunk);
      });
      response.on('error', fail);
      response.on('end', () => {
        clearTimeout(timer);
        resolve({ kind: 'text', text: Buffer.concat(chunks).toString('utf8') });
      });
    });
    request.end();
  });
}

/**
 * The busy periods of a calendar that overlap [from, to): FREEBUSY periods of type BUSY and
 * BUSY-UNAVAILABLE (tentative ones are not), and events that are not transparent or cancelled,
 * recurring ones expanded. Sorted, overlapping ones kept as they are.
 */
export function busyPeriods(text: string, from: Date, to: Date): Absence[] {
  const parsed = ical.sync.parseICS(text);
  const periods: Absence[] = [];
  const add = (start: Date | undefined, end: Date | undefined) => {
    if (!start || !end || !(end > start) || end <= from || start >= to) return;
    periods.push({ startsAt: new Date(start.getTime()), endsAt: new Date(end.getTime()) });
  };
  for (const component of Object.values(parsed)) {
    if (!component || typeof component !== 'object') continue;
    if (component.type === 'VFREEBUSY') {
      for (const period of component.freebusy ?? []) if (period.type === 'BUSY' || period.type === 'BUSY-UNAVAILABLE') add(period.start, period.end);
    } else if (component.type === 'VEVENT') {
      if (component.transparency === 'TRANSPARENT' || component.status === 'CANCELLED') continue;
      if (component.rrule) {
        for (const instance of ical.expandRecurringEvent(component, { from, to, expandOngoing: true })) add(instance.start, instance.end);
      } else add(component.start, component.end);
    }
  }
  return periods.sort((a, b) => a.startsAt.getTime() - b.startsAt.getTime());
}

/** How far ahead busy periods are read: availability looks no further for a hand-off's team. */
const HORIZON_MS = 31 * 24 * 3600 * 1000;

/**
 * Reads members' free/busy addresses for availability, each at most once per `ttlMs` per instance
 * (default 5 minutes), recording when it was read and why it could not be (agent_availability).
 * An address that cannot be read counts as no busy periods: availability never waits on it twice.
 */
export class FreeBusyReader {
  readonly #cache = new Map<string, { at: number; busy: Absence[] }>();

  constructor(
    private readonly policy: FreeBusyPolicy,
    private readonly options: { ttlMs?: number; resolve?: Resolver } = {},
  ) {}

  /** Busy periods per agent with an address (agents without one are absent from the map). */
  async busyOf(db: Db, agentIds: readonly number[], now = new Date()): Promise<Map<number, Absence[]>> {
    const { rows } = await db.query<{ agentId: number; url: string }>(
      'SELECT agent_id::int AS "agentId", ical_url AS url FROM agent_availability WHERE agent_id = ANY($1::bigint[]) AND ical_url IS NOT NULL',
      [[...agentIds]],
    );
    const found = new Map<number, Absence[]>();
    await Promise.all(
      rows.map(async (row) => {
        found.set(row.agentId, await this.#read(db, row.agentId, row.url, now));
      }),
    );
    return found;
  }

  async #read(db: Db, agentId: number, url: string, now: Date): Promise<Absence[]> {
    const cached = this.#cache.get(url);
    if (cached && now.getTime() - cached.at < (this.options.ttlMs ?? 300_000)) return cached.busy;
    let busy: Absence[] = [];
    let error: string | null = null;
    try {
      busy = busyPeriods(await readCalendar(url, this.policy, this.options.resolve), now, new Date(now.getTime() + HORIZON_MS));
    } catch (failure) {
      error = failure instanceof FreeBusyRefused ? failure.reason : 'unreadable';
    }
    this.#cache.set(url, { at: now.getTime(), busy });
    await db.query('UPDATE agent_availability SET ical_checked_at = $2, ical_error = $3 WHERE agent_id = $1', [agentId, now, error]);
    return busy;
  }
}

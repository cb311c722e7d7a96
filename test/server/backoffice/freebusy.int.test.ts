// A member's iCalendar free/busy address (issue 14 §3), read under the SSRF policy: https only
// unless the host is on FREEBUSY_ALLOW_HOSTS; no loopback, private or link-local address after DNS
// resolution; each redirect checked again; size and time capped. Against a real local HTTP server
// (on the allow-list where a read should succeed). Busy periods make a member unavailable — not
// absent — in the team's availability.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { busyPeriods, FreeBusyRefused, isPublicAddress, readCalendar, type FreeBusyPolicy, type Resolver } from '../../../server/backoffice/freebusy.ts';
import { addAgent, ADMIN, startTestBalie, type TestBalie } from '../../support/balie.ts';
import { createTestDatabase, type TestDatabase } from '../../support/database.ts';
import { seedConversation } from '../inbox/seed.ts';

const stamp = (date: Date) => date.toISOString().replace(/[-:]/g, '').replace(/\.\d{3}/, '');
const HOUR = 3_600_000;
let busyStart: Date;
let busyEnd: Date;
let meetingStart: Date;
let meetingEnd: Date;

function calendar(): string {
  const now = Date.now();
  busyStart = new Date(Math.floor((now - HOUR) / 1000) * 1000);
  busyEnd = new Date(Math.floor((now + 2 * HOUR) / 1000) * 1000);
  meetingStart = new Date(busyStart.getTime() + 25 * HOUR);
  meetingEnd = new Date(busyStart.getTime() + 26 * HOUR);
  return [
    'BEGIN:VCALENDAR',
    'VERSION:2.0',
    'PRODID:-//Balie test//NL',
    'BEGIN:VFREEBUSY',
    'UID:fb-1',
    `DTSTAMP:${stamp(new Date(now))}`,
    `FREEBUSY;FBTYPE=BUSY:${stamp(busyStart)}/${stamp(busyEnd)}`,
    `FREEBUSY;FBTYPE=BUSY-TENTATIVE:${stamp(new Date(now + 5 * HOUR))}/${stamp(new Date(now + 6 * HOUR))}`,
    'END:VFREEBUSY',
    'BEGIN:VEVENT',
    'UID:ev-1',
    `DTSTAMP:${stamp(new Date(now))}`,
    `DTSTART:${stamp(meetingStart)}`,
    `DTEND:${stamp(meetingEnd)}`,
    'SUMMARY:Overleg',
    'END:VEVENT',
    'BEGIN:VEVENT',
    'UID:ev-2',
    `DTSTAMP:${stamp(new Date(now))}`,
    `DTSTART:${stamp(new Date(now + 30 * HOUR))}`,
    `DTEND:${stamp(new Date(now + 31 * HOUR))}`,
    'TRANSP:TRANSPARENT',
    'SUMMARY:Alleen ter info',
    'END:VEVENT',
    'END:VCALENDAR',
    '',
  ].join('\r\n');
}

let server: http.Server;
let base: string;
let host: string;
const open = new Set<http.ServerResponse>();

let db: TestDatabase;
let balie: TestBalie;

beforeAll(async () => {
  server = http.createServer((req, res) => {
    switch (req.url) {
      case '/cal.ics':
        res.writeHead(200, { 'content-type': 'text/calendar' }).end(calendar());
        return;
      case '/to-cal':
        res.writeHead(302, { location: '/cal.ics' }).end();
        return;
      case '/to-private':
        res.writeHead(302, { location: 'https://10.1.2.3/cal.ics' }).end();
        return;
      case '/to-metadata':
        res.writeHead(302, { location: 'http://169.254.169.254/latest/meta-data/' }).end();
        return;
      case '/loop':
        res.writeHead(302, { location: '/loop' }).end();
        return;
      case '/big':
        res.writeHead(200, { 'content-type': 'text/calendar' });
        // No content-length: the cap must count what arrives.
        res.end('X'.repeat(200 * 1024));
        return;
      case '/slow':
        res.writeHead(200, { 'content-type': 'text/calendar' });
        res.write('BEGIN:VCALENDAR\r\n');
        open.add(res);
        return;
      default:
        res.writeHead(404).end();
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  host = `127.0.0.1:${(server.address() as AddressInfo).port}`;
  base = `http://${host}`;
  db = await createTestDatabase();
  balie = await startTestBalie(db.url, { NORM: 'rotterdam', BUSINESS_HOURS: 'mon-sun 00:00-24:00', FREEBUSY_ALLOW_HOSTS: host });
});
afterAll(async () => {
  for (const res of open) res.destroy();
  await new Promise((resolve) => server?.close(resolve));
  await balie?.stop();
  await db?.drop();
});

const allowed: FreeBusyPolicy = { get allowHosts() { return [host]; }, timeoutMs: 2_000, maxBytes: 64 * 1024 };
const refusal = (promise: Promise<unknown>) =>
  promise.then(
    () => 'read',
    (error: unknown) => (error instanceof FreeBusyRefused ? error.reason : `other: ${String(error)}`),
  );

describe('the SSRF policy', () => {
  it('tells public addresses from loopback, private, link-local, CGNAT and mapped ones', () => {
    for (const address of ['127.0.0.1', '10.1.2.3', '172.16.0.1', '192.168.1.1', '169.254.169.254', '100.64.0.1', '0.0.0.0', '224.0.0.1', '::1', '::', 'fe80::1', 'fd00::1', '::ffff:127.0.0.1', '::ffff:7f00:1', 'not an address']) {
      expect(isPublicAddress(address), address).toBe(false);
    }
    for (const address of ['93.184.216.34', '145.97.39.155', '2a00:1450:4001:82b::200e']) expect(isPublicAddress(address), address).toBe(true);
  });

  it('refuses plain http, loopback and names that resolve to private addresses, unless the host is on the allow-list', async () => {
    const none: FreeBusyPolicy = { allowHosts: [], timeoutMs: 2_000 };
    expect(await refusal(readCalendar(`${base}/cal.ics`, none))).toBe('scheme');
    expect(await refusal(readCalendar(`https://${host}/cal.ics`, none))).toBe('address');
    expect(await refusal(readCalendar('https://[::1]/cal.ics', none))).toBe('address');
    const resolve: Resolver = async (name) => (name === 'agenda.gemeente.test' ? [{ address: '93.184.216.34', family: 4 }, { address: '10.0.0.5', family: 4 }] : []);
    // One private address among the name's addresses is enough to refuse (it could be the one connected to).
    expect(await refusal(readCalendar('https://agenda.gemeente.test/fb.ics', none, resolve))).toBe('address');
    expect(await refusal(readCalendar('https://nowhere.gemeente.test/fb.ics', none, resolve))).toBe('address');
    expect(await refusal(readCalendar('https://user:secret@agenda.gemeente.test/fb.ics', none, resolve))).toBe('bad_url');
    expect(await refusal(readCalendar('file:///etc/passwd', none))).toBe('scheme');
    expect(await refusal(readCalendar(`${base}/cal.ics`, allowed))).toBe('read');
  });

  it('checks every redirect again, and caps redirects, size and time', async () => {
    expect(await refusal(readCalendar(`${base}/to-cal`, allowed))).toBe('read');
    expect(await refusal(readCalendar(`${base}/to-private`, allowed))).toBe('address');
    expect(await refusal(readCalendar(`${base}/to-metadata`, allowed))).toBe('scheme');
    expect(await refusal(readCalendar(`${base}/loop`, allowed))).toBe('redirects');
    expect(await refusal(readCalendar(`${base}/big`, allowed))).toBe('too_large');
    expect(await refusal(readCalendar(`${base}/slow`, { ...allowed, allowHosts: [host], timeoutMs: 500 }))).toBe('timeout');
    expect(await refusal(readCalendar(`${base}/missing`, allowed))).toBe('status');
  });

  it('reads busy periods: BUSY free/busy and opaque events, not tentative or transparent ones', async () => {
    const text = await readCalendar(`${base}/cal.ics`, allowed);
    const now = new Date();
    const busy = busyPeriods(text, now, new Date(now.getTime() + 7 * 24 * HOUR));
    expect(busy.map((period) => [period.startsAt.toISOString(), period.endsAt.toISOString()])).toEqual([
      [busyStart.toISOString(), busyEnd.toISOString()],
      [meetingStart.toISOString(), meetingEnd.toISOString()],
    ]);
  });
});

describe('busy periods in availability', () => {
  it('a member busy in their calendar is not available now (nor absent), until the busy period ends; a hand-off to them still goes', async () => {
    const admin = await balie.login(ADMIN.email, ADMIN.password);
    const petra = await addAgent(db.pool, 'backoffice', 'petra@gemeente.test');
    const sem = await addAgent(db.pool, 'backoffice', 'sem@gemeente.test');
    const team = (await (await balie.request('/api/teams', { cookie: admin, body: { name: 'Vergunningen', memberIds: [petra.id, sem.id] } })).json()) as { team: { id: number } };
    const cookie = await balie.login(petra.email, petra.password);
    // Not on the allow-list: plain http is refused when it is set.
    const refused = await balie.request('/api/backoffice/free-busy', { method: 'PUT', cookie, body: { url: 'http://agenda.example.nl/petra.ics' } });
    expect(refused.status).toBe(400);
    expect((await balie.request('/api/backoffice/free-busy', { method: 'PUT', cookie, body: { url: `${base}/cal.ics` } })).status).toBe(204);

    const kcc = await addAgent(db.pool, 'agent', 'fatima@gemeente.test');
    const kccCookie = await balie.login(kcc.email, kcc.password);
    const availability = (await (await balie.request(`/api/teams/${team.team.id}/availability`, { cookie: kccCookie })).json()) as {
      members: { id: number; availableNow: boolean; absentNow: boolean; busyUntil: string | null; availableFrom: string }[];
      canActFrom: string;
    };
    const byId = Object.fromEntries(availability.members.map((member) => [member.id, member]));
    expect(byId[petra.id]).toMatchObject({ availableNow: false, absentNow: false });
    expect(new Date(byId[petra.id]!.busyUntil!).getTime()).toBe(busyEnd.getTime());
    expect(new Date(byId[petra.id]!.availableFrom).getTime()).toBe(busyEnd.getTime());
    expect(byId[sem.id]).toMatchObject({ availableNow: true, busyUntil: null });

    const mine = (await (await balie.request('/api/backoffice/availability', { cookie })).json()) as { icalUrl: string; icalCheckedAt: string | null; icalError: string | null };
    expect(mine).toMatchObject({ icalUrl: `${base}/cal.ics`, icalError: null });
    expect(mine.icalCheckedAt).not.toBeNull();

    // Busy is not away: the hand-off to Petra is made.
    const conversation = await seedConversation(db.pool, { channel: 'chat', status: 'open', contact: { name: 'Sanne' } });
    const handoff = await balie.request('/api/backoffice/handoffs', { cookie: kccCookie, body: { conversationId: conversation.id, teamId: team.team.id, assigneeId: petra.id, action: 'callback', phone: '0612345678', question: 'Bel terug' } });
    expect(handoff.status).toBe(201);
  });
});

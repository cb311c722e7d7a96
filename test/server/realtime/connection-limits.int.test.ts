// Issue 12 §2: one address cannot hold unlimited anonymous sockets. Engine connections are counted
// before any namespace is chosen — per client address (TRUST_PROXY honoured), per logged-in
// agent, and per instance — and the main namespace `/` serves nothing.
import { io as connect, Manager, type Socket } from 'socket.io-client';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { addAgent, type TestBalie } from '../../support/balie.ts';
import { createTestDatabase, type TestDatabase } from '../../support/database.ts';
import { untilDone } from '../../support/wait.ts';
import { startChat, startChatBalie } from '../chat/chat-support.ts';

const PER_ADDRESS = 5;
const PER_AGENT = 3;
const MAX = 12; // anonymous connections stop at 9, three quarters

let db: TestDatabase;
let balie: TestBalie;
let agent: { email: string; password: string };
const opened: Socket[] = [];
const engines: Manager[] = [];

beforeAll(async () => {
  db = await createTestDatabase();
  balie = await startChatBalie(db.url, {
    TRUST_PROXY: '1',
    SOCKETS_PER_ADDRESS: String(PER_ADDRESS),
    SOCKETS_PER_AGENT: String(PER_AGENT),
    SOCKETS_MAX: String(MAX),
  });
  agent = await addAgent(db.pool, 'agent', 'kcc@gemeente.test');
});
afterEach(async () => {
  for (const socket of opened.splice(0)) socket.disconnect();
  for (const manager of engines.splice(0)) manager.engine?.close();
  // The server counts a connection until it has closed on its side too.
  await untilDone(async () => balie.realtime.io.engine.clientsCount, (count) => count === 0);
});
afterAll(async () => {
  await balie?.stop();
  await db?.drop();
});

type Outcome = { connected: true; socket: Socket } | { connected: false; code: string | undefined; message: string; socket: Socket };

/** Opens a socket to `namespace` as seen from `address` (X-Forwarded-For, one trusted proxy). */
function open(namespace: string, address: string, options: { token?: string; cookie?: string } = {}): Promise<Outcome> {
  const socket = connect(`${balie.url}${namespace}`, {
    transports: ['websocket'],
    forceNew: true,
    reconnection: false,
    extraHeaders: { 'x-forwarded-for': address, ...(options.cookie ? { cookie: options.cookie } : {}) },
    ...(options.token ? { auth: { token: options.token } } : {}),
  });
  opened.push(socket);
  return new Promise((resolve) => {
    socket.once('connect', () => resolve({ connected: true, socket }));
    socket.once('connect_error', (error) => resolve({ connected: false, code: (error as Error & { data?: { code?: string } }).data?.code, message: error.message, socket }));
  });
}

/** A refusal of the namespace (the engine connection was accepted) or of the handshake itself. */
const namespaceRefused = (outcome: Outcome) => !outcome.connected && outcome.code !== undefined;
const handshakeRefused = (outcome: Outcome) => !outcome.connected && outcome.code === undefined;

/**
 * A bare engine connection from `address` that joins no namespace — what an attacker holds. True
 * when the handshake let it in.
 */
function engine(address: string): Promise<boolean> {
  const manager = new Manager(balie.url, { transports: ['websocket'], reconnection: false, autoConnect: false, extraHeaders: { 'x-forwarded-for': address } });
  engines.push(manager);
  return new Promise((resolve) => manager.open((error) => resolve(!error)));
}

describe('the main namespace', () => {
  it('is refused', async () => {
    const outcome = await open('/', '198.51.100.1');
    expect(outcome).toMatchObject({ connected: false, code: 'forbidden' });
  });
});

describe('connections per address', () => {
  it('refuses the connection past SOCKETS_PER_ADDRESS at the handshake, before any namespace', async () => {
    for (let i = 0; i < PER_ADDRESS; i++) expect(await engine('198.51.100.7')).toBe(true);
    expect(balie.realtime.io.engine.clientsCount).toBe(PER_ADDRESS);
    expect(await engine('198.51.100.7')).toBe(false);
    const excess = await open('/widget', '198.51.100.7', { token: 'a'.repeat(43) });
    expect(handshakeRefused(excess)).toBe(true);
    expect(balie.realtime.io.engine.clientsCount).toBe(PER_ADDRESS);

    // Meanwhile a citizen elsewhere chats, and an agent behind the very same address logs in and connects.
    const cookie = await balie.login(agent.email, agent.password);
    const inbox = await open('/agent', '198.51.100.7', { cookie });
    expect(inbox.connected).toBe(true);
    const chat = await startChat(balie);
    const citizen = await open('/widget', '203.0.113.20', { token: chat.token });
    expect(citizen.connected).toBe(true);

    // A place freed is a place again.
    engines[0]!.engine.close();
    await untilDone(async () => balie.realtime.io.engine.clientsCount, (count) => count === PER_ADDRESS + 1);
    expect(await engine('198.51.100.7')).toBe(true);
  });

  it('counts a logged-in agent per agent, wherever they connect from', async () => {
    const cookie = await balie.login(agent.email, agent.password);
    for (let i = 0; i < PER_AGENT; i++) expect((await open('/agent', `192.0.2.${i + 1}`, { cookie })).connected).toBe(true);
    expect(handshakeRefused(await open('/agent', '192.0.2.99', { cookie }))).toBe(true);
    // A made-up session is anonymous: counted by its address.
    expect(namespaceRefused(await open('/agent', '192.0.2.99', { cookie: 'balie_session=made-up' }))).toBe(true);
  });
});

describe('connections per instance', () => {
  it('keeps a quarter of SOCKETS_MAX for agents when anonymous connections fill the rest', async () => {
    const anonymousRoom = Math.floor(MAX * 0.75);
    let taken = 0;
    for (let address = 1; taken < anonymousRoom; address++) {
      for (let i = 0; i < PER_ADDRESS && taken < anonymousRoom; i++, taken++) expect(await engine(`198.51.100.${100 + address}`)).toBe(true);
    }
    // A fresh address gets no room any more …
    expect(await engine('198.51.100.250')).toBe(false);
    // … an agent does, up to the instance's ceiling.
    const cookie = await balie.login(agent.email, agent.password);
    for (let i = 0; i < MAX - anonymousRoom && i < PER_AGENT; i++) expect((await open('/agent', '192.0.2.50', { cookie })).connected).toBe(true);
    expect(balie.realtime.io.engine.clientsCount).toBe(MAX);
    const second = await addAgent(db.pool, 'agent', 'tweede@gemeente.test');
    const full = await open('/agent', '192.0.2.51', { cookie: await balie.login(second.email, second.password) });
    expect(handshakeRefused(full)).toBe(true);
  });
});

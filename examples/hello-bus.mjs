// Hello, bus: two services talk through durable outboxes and inboxes.
//
//   npm run example        (builds the packages, then runs this file)
//
// "web" publishes user.signedUp; "email" subscribes to it from web. Each bus keeps its outbox and inbox in its own
// LevelStore (LevelDB on disk, under a temp directory), and both share an in-memory network in this process. Swap
// MemoryTransport for a ZeroMQ, Redis or RabbitMQ transport and the code below stays the same.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { CONTROL, createBus, MemoryNetwork, MemoryTransport } from '@resolute/core';
import { LevelStore } from '@resolute/level-store';

const USERS = ['ada@example.com', 'grace@example.com', 'linus@example.com'];

function step(text) {
  console.log(`\n== ${text}`);
}

/** Polls until `predicate()` is true: a bus delivers asynchronously, so the example waits for what it expects. */
async function until(predicate, what, timeoutMs = 10_000) {
  const deadline = Date.now() + timeoutMs;
  while (!predicate()) {
    if (Date.now() > deadline) throw new Error(`gave up after ${timeoutMs} ms waiting for ${what}`);
    await delay(10);
  }
}

const dataDir = await mkdtemp(join(tmpdir(), 'hello-bus-'));
// Publisher-routed: like ZeroMQ, each publisher keeps its own subscriber list (no broker in between).
const network = new MemoryNetwork({ routing: 'publisher' });
const buses = [];

/** A started bus: store opened, transport attached, anything left over from an earlier run resumed. */
async function startBus(name) {
  const store = new LevelStore({ path: join(dataDir, name) });
  const bus = await createBus({ name, transport: new MemoryTransport({ network, address: name }), store });
  buses.push(bus);
  console.log(`   bus "${name}" started, store at ${store.path}`);
  return bus;
}

try {
  step('1. Start two buses, each with its own LevelStore');
  const web = await startBus('web');
  const email = await startBus('email');

  step('2. "email" subscribes to user.signedUp from "web"');
  // The subscription travels to web as a reliable command; wait until web has handled it before publishing.
  let webKnowsSubscriber = false;
  const stopWatching = web.on('handled', (e) => {
    if (e.topic === CONTROL.subscribe) webKnowsSubscriber = true;
  });
  const welcomed = [];
  await email.subscribe(
    'user.signedUp',
    (user, context) => {
      console.log(`   [email] welcome mail to ${user.email} (message ${context.id} from ${context.source})`);
      welcomed.push(user.email);
    },
    { from: 'web' },
  );
  await until(() => webKnowsSubscriber, 'web to register the subscription');
  stopWatching();
  console.log('   web now lists email as a subscriber of user.signedUp');

  step('3. "web" publishes one user.signedUp per new user');
  for (const address of USERS) {
    const receipt = await web.publish('user.signedUp', { email: address, at: new Date().toISOString() });
    // publish resolves once the event is durably in web's outbox: a crash now would not lose it.
    console.log(`   [web] published ${receipt.id} for ${address}: ${receipt.deliveries} delivery in the outbox`);
  }

  step('4. Wait until email has handled every event');
  // "handled" counts a message once every handler finished and it left email's inbox.
  await until(() => welcomed.length === USERS.length && email.stats().handled === USERS.length, `${USERS.length} welcome mails`);
  await until(() => web.stats().delivered === USERS.length, 'web to see every delivery acknowledged');
  const [sent, got] = [web.stats(), email.stats()];
  console.log(`   web:   published ${sent.published}, delivered ${sent.delivered}, left in memory ${sent.outboxInMemory}`);
  console.log(`   email: received ${got.received}, handled ${got.handled}, duplicates ${got.duplicates}, dead ${got.dead}`);

  step('5. Close both buses (drains in-flight work, then closes transport and store)');
} finally {
  await Promise.all(buses.map((bus) => bus.close()));
  await rm(dataDir, { recursive: true, force: true });
}
console.log('   done: buses closed, temp stores removed');

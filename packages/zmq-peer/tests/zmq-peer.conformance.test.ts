import { describeTransportConformance } from '@resolute/core/testing';
import { ZmqPeerTransport } from '../src/index.js';
import { AddressBook } from './free-port.js';

const book = new AddressBook();

describeTransportConformance('zmq-peer over TCP', {
  create: async (name) => new ZmqPeerTransport({ bind: await book.of(name), ackTimeoutMs: 2_000, sendTimeoutMs: 500 }),
});

import { MemoryNetwork, MemoryTransport } from '../src/index.js';
import { describeTransportConformance } from '../src/testing/index.js';

for (const routing of ['publisher', 'broker'] as const) {
  const network = new MemoryNetwork({ routing });
  describeTransportConformance(`memory (${routing}-routed)`, { create: (name) => new MemoryTransport({ network, address: name }) });
}

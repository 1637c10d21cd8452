import { createServer } from 'node:net';

/** A TCP port that was free a moment ago on 127.0.0.1. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address !== null ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}

/** One stable address per endpoint name, so restarting an endpoint binds where its peers expect it. */
export class AddressBook {
  private readonly addresses = new Map<string, string>();

  async of(name: string): Promise<string> {
    let address = this.addresses.get(name);
    if (address === undefined) this.addresses.set(name, (address = `tcp://127.0.0.1:${await freePort()}`));
    return address;
  }
}

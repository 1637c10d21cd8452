import { freePort } from '@resolute/core/testing';

/** One stable address per endpoint name, so restarting an endpoint binds where its peers expect it. */
export class AddressBook {
  private readonly addresses = new Map<string, string>();

  async of(name: string): Promise<string> {
    let address = this.addresses.get(name);
    if (address === undefined) this.addresses.set(name, (address = `tcp://127.0.0.1:${await freePort()}`));
    return address;
  }
}

// The child side of a ForkedPeer (forked-peer.mjs): the zmq bench's receiver and the redis bench's consumer answer
// the same commands, each with its own sessions.
//
// Parent -> child: { type: 'setup', ... } (passed to `setup`, which returns a session: { close(), address?, mark?() }),
// { type: 'mark' }, { type: 'teardown' }, { type: 'exit' }.
// Child -> parent: 'ready' (with the session's address, if any), 'marked' (this process's CPU time so far),
// 'closed', 'error'; the sessions send their own ('progress', 'primed', 'done') with the returned `reply`.

export const reply = (message) => process.send(message);

/** Answers the parent's commands; `setup(message)` opens a session for one round. */
export function serveCommands(setup) {
  let session;
  // The parent went away (finished, crashed or was killed): nothing left to serve.
  process.on('disconnect', () => process.exit(0));
  process.on('message', (message) => {
    handle(message).catch((error) => reply({ type: 'error', message: error?.stack ?? String(error) }));
  });

  async function handle(message) {
    switch (message.type) {
      case 'setup':
        session = await setup(message);
        reply({ type: 'ready', address: session.address });
        return;
      case 'mark':
        session?.mark?.();
        reply({ type: 'marked', cpu: process.cpuUsage() });
        return;
      case 'teardown':
        await session?.close();
        session = undefined;
        reply({ type: 'closed' });
        return;
      case 'exit':
        await session?.close();
        process.disconnect();
        return;
      default:
        throw new Error(`unknown command ${message.type}`);
    }
  }
}

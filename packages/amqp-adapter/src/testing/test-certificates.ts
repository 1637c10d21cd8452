import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** Throwaway PEM material for a TLS test broker: a CA, a server certificate it signed, a client certificate it signed. */
export interface TestCertificates {
  /** The CA certificate: what a client passes as `tls.ca` to trust the server (and the server trusts clients by). */
  readonly ca: string;
  /** Files the broker reads: CA certificate, server certificate (SAN `DNS:localhost`, `IP:127.0.0.1`) and its key. */
  readonly files: { readonly ca: string; readonly cert: string; readonly key: string };
  /** A client certificate (CN `resolute-test-client`) and its unencrypted key, signed by the same CA. */
  readonly client: { readonly cert: string; readonly key: string };
}

/**
 * Generates the certificates with the `openssl` command in `dir` (created if missing): P-256 keys, valid for two
 * days. The CA's private key is deleted once both certificates are signed, so nothing else can be issued from it.
 */
export async function makeTestCertificates(dir: string): Promise<TestCertificates> {
  await run('openssl', ['version']).catch((error: unknown) => {
    const missing = (error as { code?: unknown }).code === 'ENOENT';
    throw new Error(missing ? 'the openssl command is not installed: install the Debian package `openssl` (apt-get install openssl) to run TLS tests' : `openssl does not run: ${String(error)}`, { cause: error });
  });
  await mkdir(dir, { recursive: true });
  const at = (name: string): string => join(dir, name);
  const key = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];
  await openssl(['req', '-x509', ...key, '-keyout', at('ca.key'), '-out', at('ca.pem'), '-days', '2', '-subj', '/CN=Resolute test CA', '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign']);
  const issue = async (name: string, subject: string, extensions: string): Promise<void> => {
    await openssl(['req', ...key, '-keyout', at(`${name}.key`), '-out', at(`${name}.csr`), '-subj', subject]);
    await writeFile(at(`${name}.ext`), extensions);
    const serial = `0x${randomBytes(8).toString('hex')}`;
    await openssl(['x509', '-req', '-in', at(`${name}.csr`), '-CA', at('ca.pem'), '-CAkey', at('ca.key'), '-set_serial', serial, '-days', '2', '-sha256', '-extfile', at(`${name}.ext`), '-out', at(`${name}.pem`)]);
    await Promise.all([rm(at(`${name}.csr`)), rm(at(`${name}.ext`))]);
  };
  const leaf = 'basicConstraints=critical,CA:FALSE\nkeyUsage=critical,digitalSignature,keyEncipherment\n';
  await issue('server', '/CN=localhost', `${leaf}extendedKeyUsage=serverAuth\nsubjectAltName=DNS:localhost,IP:127.0.0.1\n`);
  await issue('client', '/CN=resolute-test-client', `${leaf}extendedKeyUsage=clientAuth\n`);
  await rm(at('ca.key'));
  const [ca, cert, clientKey] = await Promise.all([readFile(at('ca.pem'), 'utf8'), readFile(at('client.pem'), 'utf8'), readFile(at('client.key'), 'utf8')]);
  return { ca, files: { ca: at('ca.pem'), cert: at('server.pem'), key: at('server.key') }, client: { cert, key: clientKey } };
}

async function openssl(args: readonly string[]): Promise<void> {
  try {
    await run('openssl', args, { timeout: 30_000 });
  } catch (error) {
    const stderr = (error as { stderr?: unknown }).stderr;
    throw new Error(`openssl ${args.slice(0, 2).join(' ')} failed: ${typeof stderr === 'string' ? stderr.trim() : String(error)}`, { cause: error });
  }
}

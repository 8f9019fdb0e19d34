import { execFile } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** Test certificates made with the real openssl in `dir`: `<name>.crt` and `<name>.key`. */
export class TestCertificates {
  constructor(readonly dir: string) {}

  /** A self-signed certificate authority. */
  async ca(name: string): Promise<void> {
    await this.openssl('req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', `${name}.key`, '-out', `${name}.crt`, '-days', '2', '-subj', `/CN=${name}`);
  }

  /** A certificate for `name` signed by `ca`, with the subject alternative names `san` (`DNS:localhost,IP:127.0.0.1`). */
  async signed(name: string, ca: string, san: string): Promise<void> {
    await this.openssl('req', '-newkey', 'rsa:2048', '-nodes', '-keyout', `${name}.key`, '-out', `${name}.csr`, '-subj', `/CN=${name}`);
    await writeFile(join(this.dir, `${name}.ext`), `subjectAltName=${san}\n`);
    await this.openssl('x509', '-req', '-in', `${name}.csr`, '-CA', `${ca}.crt`, '-CAkey', `${ca}.key`, '-CAcreateserial', '-out', `${name}.crt`, '-days', '2', '-extfile', `${name}.ext`);
  }

  private async openssl(...args: string[]): Promise<void> {
    await run('openssl', args, { cwd: this.dir });
  }
}

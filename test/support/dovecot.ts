// A real Dovecot IMAP server (with LMTP for delivery) in a temp directory, rootless, for tests.
// Facts from ../shared/infra-notes.md: its processes must not run as root; the port opens before
// logins work, so we wait for the IMAP greeting and check the process is still alive.
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { freePort } from './process.ts';

export interface Dovecot {
  host: string;
  imapPort: number;
  lmtpPort: number;
  user: string;
  password: string;
  dir: string;
  /** Stops the server (SIGTERM) and waits for it; `restart()` starts it again on the same ports and mail. */
  stop(): Promise<void>;
  restart(): Promise<void>;
  close(): Promise<void>;
}

const asRoot = process.getuid?.() === 0;
const RUN_AS = asRoot ? { user: 'nobody', group: 'nogroup', uid: 65534, gid: 65534 } : undefined;

function config(dir: string, imapPort: number, lmtpPort: number): string {
  const user = RUN_AS?.user ?? os.userInfo().username;
  const group = RUN_AS?.group ?? user;
  return `
protocols = imap lmtp
listen = 127.0.0.1
base_dir = ${dir}/run
state_dir = ${dir}/state
log_path = ${dir}/dovecot.log
info_log_path = ${dir}/dovecot.log
ssl = no
disable_plaintext_auth = no
auth_mechanisms = plain login
mail_location = maildir:${dir}/mail/%u
default_internal_user = ${user}
default_internal_group = ${group}
default_login_user = ${user}
passdb {
  driver = passwd-file
  args = ${dir}/passwd
}
userdb {
  driver = passwd-file
  args = ${dir}/passwd
}
service imap-login {
  chroot =
  inet_listener imap {
    address = 127.0.0.1
    port = ${imapPort}
  }
  inet_listener imaps {
    port = 0
  }
}
service lmtp {
  inet_listener lmtp {
    address = 127.0.0.1
    port = ${lmtpPort}
  }
}
service anvil {
  chroot =
}
service pop3-login {
  chroot =
}
`;
}

function greeting(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect(port, '127.0.0.1');
    socket.setTimeout(1000);
    socket.once('data', (data) => {
      socket.destroy();
      resolve(data.toString().startsWith('* OK'));
    });
    socket.once('error', () => resolve(false));
    socket.once('timeout', () => {
      socket.destroy();
      resolve(false);
    });
  });
}

export async function startDovecot(): Promise<Dovecot> {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'balie-dovecot-'));
  const [imapPort, lmtpPort] = [await freePort(), await freePort()];
  const user = 'info@gemeente.test';
  const password = 'imap-secret';
  const uid = RUN_AS?.uid ?? process.getuid!();
  const gid = RUN_AS?.gid ?? process.getgid!();
  await fs.mkdir(path.join(dir, 'mail'), { recursive: true });
  await fs.writeFile(path.join(dir, 'passwd'), `${user}:{PLAIN}${password}:${uid}:${gid}::${dir}/home/${user}::\n`);
  await fs.writeFile(path.join(dir, 'dovecot.conf'), config(dir, imapPort, lmtpPort));
  if (RUN_AS) {
    await fs.chmod(dir, 0o755);
    for (const entry of ['', 'mail', 'passwd', 'dovecot.conf']) await fs.chown(path.join(dir, entry), uid, gid);
  }

  let child: ChildProcess | undefined;
  const launch = async () => {
    const command = RUN_AS ? 'setpriv' : 'dovecot';
    const args = RUN_AS
      ? ['--reuid=nobody', '--regid=nogroup', '--clear-groups', 'dovecot', '-F', '-c', path.join(dir, 'dovecot.conf')]
      : ['-F', '-c', path.join(dir, 'dovecot.conf')];
    const started = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    started.stdout!.on('data', (chunk) => (output += chunk));
    started.stderr!.on('data', (chunk) => (output += chunk));
    child = started;
    for (let waited = 0; waited < 10_000; waited += 50) {
      if (started.exitCode !== null) break;
      if (await greeting(imapPort)) {
        // A clash on the LMTP port kills it right after the IMAP port answered.
        await new Promise((resolve) => setTimeout(resolve, 50));
        if (started.exitCode === null) return;
      }
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    const log = await fs.readFile(path.join(dir, 'dovecot.log'), 'utf8').catch(() => '');
    throw new Error(`dovecot did not start: ${output}\n${log}`);
  };
  const stop = async () => {
    const running = child;
    child = undefined;
    if (!running || running.exitCode !== null) return;
    const exited = new Promise((resolve) => running.once('exit', resolve));
    running.kill('SIGTERM');
    await exited;
  };

  await launch();
  return {
    host: '127.0.0.1',
    imapPort,
    lmtpPort,
    user,
    password,
    dir,
    stop,
    restart: launch,
    async close() {
      await stop();
      await fs.rm(dir, { recursive: true, force: true });
    },
  };
}

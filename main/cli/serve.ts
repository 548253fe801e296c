/**
 * `headroom serve [--port N] [--allow-root]` — the window in a browser, on 127.0.0.1 only, behind a
 * per-start token. For watching a headless box through an SSH tunnel, and for end-to-end tests on
 * machines without the Electron binary.
 */
import { existsSync } from 'node:fs';
import { startBrowserServer } from '../server/browser-server';
import { createHeadroomService } from '../service/headroom-service';
import { createFileSettingsStore, defaultSettingsPath } from '../settings/file-store';
import { intValue, parseArgs } from './args';

export const DEFAULT_PORT = 4719;

/** Run browser mode until SIGINT/SIGTERM; returns the exit code. */
export async function run(args: string[]): Promise<number> {
  const parsed = parseArgs(args, { values: ['--port'], booleans: ['--allow-root'] });
  if (parsed.positionals.length > 0) {
    process.stderr.write(`headroom serve: unexpected argument '${parsed.positionals[0]}'\n`);
    return 2;
  }
  const port = intValue('--port', parsed.values.get('--port'), 0, 65535) ?? DEFAULT_PORT;
  if (process.getuid?.() === 0 && !parsed.booleans.has('--allow-root')) {
    process.stderr.write(
      'headroom serve: refusing to run as root: anyone who opens the window could then reap any process without a password (pass --allow-root if you really mean it)\n',
    );
    return 2;
  }

  const service = createHeadroomService({ shell: 'browser', settings: createFileSettingsStore(defaultSettingsPath()) });
  let server;
  try {
    server = await startBrowserServer({ service, port });
  } catch (err) {
    await service.close();
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'EADDRINUSE') {
      process.stderr.write(`headroom serve: port ${port} is in use (EADDRINUSE): pick another with --port N, or --port 0 for any free port\n`);
      return 1;
    }
    if (code === 'EACCES') {
      process.stderr.write(`headroom serve: not allowed to listen on port ${port} (EACCES): ports below 1024 need privileges; pick a higher one\n`);
      return 1;
    }
    throw err;
  }
  service.start();
  if (!existsSync(`${__dirname}/../../renderer/index.html`)) {
    process.stderr.write('headroom serve: the window is not built (dist/renderer is missing): run npm run build\n');
  }
  process.stdout.write(`Headroom is running at ${server.url}\n`);

  const signal = await new Promise<NodeJS.Signals>((resolve) => {
    process.once('SIGINT', () => resolve('SIGINT'));
    process.once('SIGTERM', () => resolve('SIGTERM'));
  });
  process.stderr.write(`headroom serve: ${signal}, shutting down\n`);
  await server.close();
  // Closing the service stops the sampler and the privileged helper, if one was started.
  await service.close();
  return 0;
}

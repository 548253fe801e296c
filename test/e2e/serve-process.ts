/**
 * Start the built `headroom serve` as a real child process and find its URL; stop it by PID.
 * Shared by the end-to-end test, the screenshot script and the window benchmark.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const CHROMIUM_PATH = '/usr/bin/chromium';
/** The flags DEVELOPERS.md prescribes for Debian's Chromium here. */
export const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
];

export interface ServeProcess {
  child: ChildProcess;
  /** The URL it printed, token included. */
  url: string;
  origin: string;
  port: number;
  token: string;
  /** Everything it wrote to stderr so far. */
  stderr(): string;
  /** SIGTERM by PID, SIGKILL after `graceMs`; resolves with the exit code (null when killed by a signal). */
  stop(graceMs?: number): Promise<number | null>;
}

const repoRoot = join(__dirname, '..', '..');

/**
 * What a test may give the server: a settings.json to start from, extra environment (e.g. an
 * XDG_STATE_HOME of its own to keep for a second server).
 */
export interface ServeOptions {
  settings?: Record<string, unknown>;
  env?: NodeJS.ProcessEnv;
  /** Another built checkout to run instead of this one (a benchmark's baseline). */
  root?: string;
}

/**
 * Spawn `node dist/main/cli.js serve --port 0 --allow-root` with a throwaway config directory and,
 * unless `options.env` names one, a throwaway XDG_STATE_HOME: its flight recorder
 * is its own, so its window shows only what this server recorded (not another test's sessions,
 * reaps and guard episodes, nor a person's ~/.local/state when a script runs outside the tests).
 */
export async function startServe(extraArgs: string[] = [], options: ServeOptions = {}): Promise<ServeProcess> {
  const root = options.root ?? repoRoot;
  const cli = join(root, 'dist', 'main', 'cli.js');
  if (!existsSync(cli) || !existsSync(join(root, 'dist', 'renderer', 'index.html'))) {
    throw new Error('dist/ is not built: run `npm run build` first');
  }
  // Settings go to a throwaway directory: a test must not write the person's ~/.config.
  const configDir = mkdtempSync(join(tmpdir(), 'headroom-e2e-config-'));
  if (options.settings) {
    mkdirSync(join(configDir, 'Headroom'), { mode: 0o700 });
    writeFileSync(join(configDir, 'Headroom', 'settings.json'), JSON.stringify(options.settings), { mode: 0o600 });
  }
  const stateDir = options.env?.XDG_STATE_HOME === undefined ? mkdtempSync(join(tmpdir(), 'headroom-e2e-state-')) : null;
  const child = spawn(process.execPath, [cli, 'serve', '--port', '0', '--allow-root', ...extraArgs], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, ...(stateDir === null ? {} : { XDG_STATE_HOME: stateDir }), ...options.env, XDG_CONFIG_HOME: configDir },
  });
  let stdout = '';
  let stderr = '';
  child.stderr!.setEncoding('utf8').on('data', (d: string) => (stderr += d));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`headroom serve printed no URL within 20 s; stderr: ${stderr}`)), 20_000);
    child.stdout!.setEncoding('utf8').on('data', (d: string) => {
      stdout += d;
      const match = /Headroom is running at (http:\/\/127\.0\.0\.1:\d+\/#token=[A-Za-z0-9_-]+)/.exec(stdout);
      if (match) {
        clearTimeout(timer);
        resolve(match[1]!);
      }
    });
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`headroom serve exited with ${code} before printing its URL; stderr: ${stderr}`));
    });
  });
  const parsed = new URL(url);
  return {
    child,
    url,
    origin: parsed.origin,
    port: Number(parsed.port),
    token: new URLSearchParams(parsed.hash.slice(1)).get('token')!,
    stderr: () => stderr,
    async stop(graceMs = 5000) {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGTERM');
        const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
        await exited;
        clearTimeout(timer);
      }
      rmSync(configDir, { recursive: true, force: true });
      if (stateDir !== null) rmSync(stateDir, { recursive: true, force: true });
      return child.exitCode;
    },
  };
}

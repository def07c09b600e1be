// scripts/e2e-setup.sh takes a lock on .tools/e2e-setup.lock, so two runs started at once take turns
// (without it, both built the same native modules in .tools/ and both failed). This test holds the lock
// the way a first, long run would, starts a second run, and checks that the second one waits for the
// lock, then finds the work done (the marker) and exits 0. Needs .tools/ set up (scripts/e2e.sh does it first).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import * as path from 'node:path';
import { REPO_ROOT } from './harness';
import { waitForEvent } from '../wait';

const LOCK = path.join(REPO_ROOT, '.tools', 'e2e-setup.lock');

/** Resolves with the child's collected stdout once `re` matches it; rejects if the child exits first. */
function outputMatching(
  child: ChildProcess,
  out: { text: string },
  re: RegExp,
  what: string,
  timeoutMs = 30_000,
): Promise<void> {
  return waitForEvent<void>(
    what,
    (done) => {
      const check = () => {
        if (re.test(out.text)) done();
      };
      const exited = () => {
        if (!re.test(out.text)) out.text += `\n(exited with ${child.exitCode} before: ${what})`;
        done();
      };
      child.stdout!.on('data', check);
      child.once('exit', exited);
      check();
      return () => {
        child.stdout!.off('data', check);
        child.off('exit', exited);
      };
    },
    timeoutMs,
  ).then(() => {
    assert.match(out.text, re, `${what}; output:\n${out.text}`);
  });
}

function exitCode(child: ChildProcess, what: string, timeoutMs = 60_000): Promise<number | null> {
  if (child.exitCode !== null) return Promise.resolve(child.exitCode);
  return waitForEvent<number | null>(
    what,
    (done) => {
      child.once('exit', (code) => done(code));
    },
    timeoutMs,
  );
}

test(
  'scripts/e2e-setup.sh: a second run waits for the lock, then finds the work done',
  { timeout: 120_000 },
  async () => {
    // The "first run": holds the lock until its stdin closes.
    const holder = spawn('flock', ['-x', LOCK, 'sh', '-c', 'echo held; exec cat >/dev/null'], {
      stdio: ['pipe', 'pipe', 'inherit'],
    });
    const holderOut = { text: '' };
    holder.stdout!.on('data', (d: Buffer) => (holderOut.text += d.toString()));
    let second: ChildProcess | undefined;
    try {
      await outputMatching(holder, holderOut, /held/, 'the test to hold the lock');

      second = spawn('bash', [path.join(REPO_ROOT, 'scripts', 'e2e-setup.sh')], {
        cwd: REPO_ROOT,
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      const out = { text: '' };
      second.stdout!.on('data', (d: Buffer) => (out.text += d.toString()));
      second.stderr!.on('data', (d: Buffer) => (out.text += d.toString()));
      await outputMatching(
        second,
        out,
        /another e2e-setup run holds .*e2e-setup\.lock: waiting for it/,
        'the second run to say it waits for the lock',
      );
      assert.equal(second.exitCode, null, `the second run did not wait:\n${out.text}`);
      assert.doesNotMatch(out.text, /nothing to do|apt-get|npm install/, 'it did nothing before it had the lock');

      holder.stdin!.end(); // the first run ends
      assert.equal(await exitCode(holder, 'the lock holder to exit'), 0);
      assert.equal(await exitCode(second, 'the second run to finish'), 0, out.text);
      assert.match(out.text, /lock acquired/);
      assert.match(out.text, /already set up in \.tools\/code-server \(marker found\); nothing to do/, out.text);
    } finally {
      if (holder.exitCode === null) holder.kill();
      if (second && second.exitCode === null) second.kill();
    }
  },
);

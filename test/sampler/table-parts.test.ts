// The process table's small parts, on their own: the per-group member counts
// (main/sampler/group-members.ts), and the kept statm fds within their budget
// (main/sampler/statm-fds.ts), opened on the real /proc.
import { fstatSync, readSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { GroupMembers } from '../../main/sampler/group-members';
import { StatmFds, type FdHolder } from '../../main/sampler/statm-fds';

describe('group members', () => {
  it('counts each path’s members, whatever text the path was cut from', () => {
    const groups = new GroupMembers();
    // Slices of two different /proc/PID/cgroup texts, equal as strings: one group of two.
    const a = groups.join('0::/app-a.scope\n'.slice(3, -1));
    const b = groups.join('1:name=systemd:/x\n0::/app-a.scope\n'.slice(21, -1));
    expect([a, b]).toEqual(['/app-a.scope', '/app-a.scope']);
    groups.join('/');
    expect([...groups.counts]).toEqual([['/app-a.scope', 2], ['/', 1]]);
  });

  it('forgets a path with its last member, and never counts below none', () => {
    const groups = new GroupMembers();
    groups.join('app-a.scope');
    groups.join('app-a.scope');
    groups.leave('app-a.scope');
    expect(groups.counts.get('app-a.scope')).toBe(1);
    groups.leave('app-a.scope');
    expect(groups.counts.has('app-a.scope')).toBe(false);
    groups.leave('never-joined');
    expect(groups.counts.size).toBe(0);
  });
});

describe('kept statm fds', () => {
  const holders: FdHolder[] = [];
  let fds: StatmFds | null = null;
  afterEach(() => {
    for (const h of holders.splice(0)) fds?.release(h);
    fds = null;
  });

  it('opens a process’s statm while the budget allows, then says null', () => {
    fds = new StatmFds(2, () => holders);
    for (let i = 0; i < 2; i++) holders.push({ fd: fds.openFor(process.pid) });
    expect(holders.every((h) => h.fd !== null)).toBe(true);
    const buf = Buffer.alloc(128);
    const text = buf.toString('latin1', 0, readSync(holders[0]!.fd!, buf, 0, 128, 0));
    expect(text).toMatch(/^\d+ \d+ \d+ \d+ \d+ \d+ \d+\n$/);
    expect(fds.open).toBe(2);
    expect(fds.openFor(process.pid)).toBeNull();
    fds.release(holders[1]!);
    expect(holders[1]!.fd).toBeNull();
    expect(fds.open).toBe(1);
  });

  it('throws for a process that is not there (the caller drops it), without counting an fd', () => {
    fds = new StatmFds(10, () => holders);
    expect(() => fds!.openFor(2 ** 22 + 1)).toThrow(/ENOENT/);
    expect(fds.open).toBe(0);
  });

  it('on shrink keeps 32 fewer than are open and closes fds down to that', () => {
    fds = new StatmFds(100, () => holders);
    for (let i = 0; i < 40; i++) holders.push({ fd: fds.openFor(process.pid) });
    const kept = holders.map((h) => h.fd!);
    fds.shrink();
    expect(fds.limit).toBe(8);
    expect(fds.open).toBe(8);
    expect(fds.shrinks).toBe(1);
    expect(holders.filter((h) => h.fd !== null)).toHaveLength(8);
    // The closed ones are really closed, the kept ones still open.
    const closed = kept.filter((_, i) => holders[i]!.fd === null);
    expect(() => fstatSync(closed[0]!)).toThrow(/EBADF/);
    expect(fstatSync(holders.find((h) => h.fd !== null)!.fd!).isFile()).toBe(true);
  });
});

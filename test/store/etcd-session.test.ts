/**
 * EtcdSession on a real etcd (QUIVER_TEST_ETCD when set, else a throwaway one): leased membership keys appear,
 * are listed and watched, and vanish when their session closes (revoked) or when their lease expires (the
 * session's process stops keeping it alive); elections pick one leader and pass leadership on; calls against a
 * dead endpoint fail within the deadline with a code.
 */

import { randomUUID } from 'node:crypto';
import { Etcd3 } from 'etcd3';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { EtcdMetaStore } from '../../src/store/storage/etcd-meta-store.js';
import { EtcdSession } from '../../src/store/storage/etcd-session.js';
import { deadPort, type EtcdCluster, findEtcdBinary, startEtcd } from '../helpers/etcd.js';

const external = process.env.QUIVER_TEST_ETCD;
const noEtcd = external === undefined && findEtcdBinary() === undefined && !process.env.CI;

describe.skipIf(noEtcd)('EtcdSession (leases and elections)', () => {
  let endpoint: string;
  let own: EtcdCluster | undefined;
  const sessions: EtcdSession[] = [];
  const root = `quiver-test/${randomUUID()}`;
  const open = (ttlSeconds = 2) => {
    const s = new EtcdSession({ endpoints: [endpoint], root, ttlSeconds });
    sessions.push(s);
    return s;
  };

  beforeAll(async () => {
    if (external) endpoint = external;
    else {
      own = await startEtcd();
      endpoint = own.endpoints[0]!;
    }
  }, 30_000);

  afterAll(async () => {
    for (const s of sessions) await s.close();
    await own?.stop();
  });

  it('lists registered members, and drops them when their session closes', async () => {
    const a = open();
    const b = open();
    const observer = open();
    let changes = 0;
    await observer.watchMembers('node', () => changes++);
    await a.register('node', 'a', '{"address":"x"}');
    await b.register('node', 'b', '{"address":"y"}');
    expect(await observer.members('node')).toEqual([
      { id: 'a', value: '{"address":"x"}' },
      { id: 'b', value: '{"address":"y"}' },
    ]);
    await a.close();
    expect((await observer.members('node')).map((m) => m.id)).toEqual(['b']);
    await vi.waitFor(() => expect(changes).toBeGreaterThanOrEqual(3), { timeout: 5000 });
  });

  it('a key whose lease is no longer kept alive expires after the TTL', async () => {
    // A raw client grants a 2 s lease and stops keeping it alive, as a SIGKILLed process would.
    const raw = new Etcd3({ hosts: [endpoint] });
    const lease = raw.namespace(`${root}/`).lease(2, { autoKeepAlive: false });
    await lease.put('members/node/ghost').value('{}');
    const observer = open();
    expect((await observer.members('node')).map((m) => m.id)).toContain('ghost');
    await vi.waitFor(async () => expect((await observer.members('node')).map((m) => m.id)).not.toContain('ghost'), {
      timeout: 10_000,
      interval: 200,
    });
    raw.close();
  }, 15_000);

  it('elects one leader; when it resigns, a standby takes over', async () => {
    const one = open();
    const two = open();
    const lost: Error[] = [];
    const first = one.campaign('leader', 'one', (e) => lost.push(e));
    await first.elected;
    const second = two.campaign('leader', 'two', (e) => lost.push(e));
    let secondWon = false;
    second.elected.then(() => {
      secondWon = true;
    });
    await new Promise((r) => setTimeout(r, 500));
    expect(secondWon).toBe(false);
    expect(await two.leader('leader')).toBe('one');
    await first.resign();
    await second.elected;
    expect(await one.leader('leader')).toBe('two');
    expect(lost).toEqual([]);
  });

  it('shares the MetaStore’s etcd and root, outside its revision-counted keys', async () => {
    const meta = await EtcdMetaStore.open({ endpoints: [endpoint], root });
    const before = await meta.revision();
    const session = meta.session(2);
    sessions.push(session);
    await session.register('node', 'm', '{}');
    expect((await session.members('node')).map((m) => m.id)).toContain('m');
    expect(await meta.revision()).toBe(before);
    expect(await meta.list('')).toEqual([]);
    await meta.close();
  });

  it('fails within its deadline with a code when etcd is unreachable', async () => {
    const dead = new EtcdSession({ endpoints: [`http://127.0.0.1:${await deadPort()}`], root, deadlineMs: 500 });
    sessions.push(dead);
    const started = Date.now();
    await expect(dead.members('node')).rejects.toMatchObject({ code: expect.stringMatching(/^(TIMEOUT|IO_ERROR)$/) });
    expect(Date.now() - started).toBeLessThan(5000);
  });
});

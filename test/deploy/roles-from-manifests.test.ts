/**
 * The three roles started exactly as the Kubernetes manifests start them: each container's args, and the
 * environment the manifests give it (the ConfigMap, the Secret, the container's own `env` with `$(VAR)`
 * references and pod fields resolved). Only what must differ on one test machine is replaced: the etcd and S3
 * addresses point at the test servers, ports are 0, hosts are loopback, the advertised URL is the node's own,
 * and the cache folder is a temp folder. Each role must turn ready on /readyz; the query node only once it has
 * loaded the segments assigned to it. No role may print the S3 secret (its output, stdout and stderr, is checked).
 */

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { readAssignment } from '../../src/cluster/assignment.js';
import { ClusterClient } from '../../src/cluster/cluster-client.js';
import { eventually, type RoleProcess, startTestCluster, type TestCluster } from '../helpers/cluster.js';
import { findEtcdBinary } from '../helpers/etcd.js';

const K8S = fileURLToPath(new URL('../../deploy/k8s/', import.meta.url));
const skip = findEtcdBinary() === undefined && !process.env.CI;

// biome-ignore lint/suspicious/noExplicitAny: parsed YAML, validated by manifests.test.ts
type Yaml = any;

const docs = (file: string): Yaml[] =>
  parseAllDocuments(readFileSync(join(K8S, file), 'utf8')).map((d) => d.toJS() as Yaml);

/** The environment a container of `workload` gets in the pod `podName`. */
function manifestEnv(container: Yaml, podName: string): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(docs('config.yaml')[0].data)) env[k] = String(v);
  for (const [k, v] of Object.entries(docs('secret.example.yaml')[0].stringData)) env[k] = String(v);
  const fields: Record<string, string> = { 'metadata.name': podName, 'metadata.namespace': 'quiver' };
  for (const e of container.env ?? []) {
    const value: string =
      e.valueFrom?.fieldRef !== undefined
        ? fields[e.valueFrom.fieldRef.fieldPath]!
        : String(e.value).replace(/\$\(([A-Z_]+)\)/g, (_: string, name: string) => env[name] ?? '');
    env[e.name] = value;
  }
  return env;
}

function workload(file: string, kind: string): { container: Yaml } {
  const doc = docs(file).find((d) => d.kind === kind);
  return { container: doc.spec.template.spec.containers[0] };
}

/** The container's args with the host made loopback and the port 0. */
function localArgs(args: string[]): string[] {
  return args.map((a, i) => (args[i - 1] === '--host' ? '127.0.0.1' : args[i - 1] === '--port' ? '0' : a));
}

describe.skipIf(skip)('roles started as the Kubernetes manifests start them', () => {
  let cluster: TestCluster;
  const roles: Record<string, RoleProcess> = {};

  beforeAll(async () => {
    cluster = await startTestCluster({ etcdMembers: 1 });
  }, 60_000);

  afterAll(async () => {
    await cluster?.stop();
  }, 60_000);

  const envFor = (container: Yaml, pod: string): Record<string, string> => ({
    ...manifestEnv(container, pod),
    // The test servers, instead of the in-cluster names the ConfigMap holds:
    QUIVER_ETCD_ENDPOINTS: cluster.env.QUIVER_ETCD_ENDPOINTS!,
    QUIVER_ETCD_ROOT: cluster.env.QUIVER_ETCD_ROOT!,
    QUIVER_S3_ENDPOINT: cluster.env.QUIVER_S3_ENDPOINT!,
    QUIVER_S3_BUCKET: cluster.env.QUIVER_S3_BUCKET!,
    QUIVER_S3_PREFIX: cluster.env.QUIVER_S3_PREFIX!,
    AWS_ACCESS_KEY_ID: cluster.env.AWS_ACCESS_KEY_ID!,
    AWS_SECRET_ACCESS_KEY: cluster.env.AWS_SECRET_ACCESS_KEY!,
  });

  it('every role turns ready', async () => {
    const qn = workload('querynode.yaml', 'StatefulSet').container;
    const qnEnv = envFor(qn, 'quiver-querynode-0');
    expect(qnEnv.QUIVER_NODE_ID).toBe('quiver-querynode-0');
    expect(qnEnv.QUIVER_ADVERTISE_URL).toBe('http://quiver-querynode-0.quiver-querynode.quiver.svc:7710');
    // On one machine the node is reached on loopback, at whatever port it got, and caches in a temp folder.
    delete qnEnv.QUIVER_ADVERTISE_URL;
    qnEnv.QUIVER_CACHE_DIR = join(cluster.dir, 'qn-cache');
    roles.querynode = await cluster.startProcess('quiver-querynode-0', localArgs(qn.args), qnEnv);

    const co = workload('coordinator.yaml', 'Deployment').container;
    roles.coordinator = await cluster.startProcess('coordinator', localArgs(co.args), {
      ...envFor(co, 'quiver-coordinator-abc'),
      QUIVER_SEAL_IDLE_MS: '300',
    });

    const px = workload('proxy.yaml', 'Deployment').container;
    roles.proxy = await cluster.startProcess('proxy', localArgs(px.args), envFor(px, 'quiver-proxy-abc'));

    for (const [name, role] of Object.entries(roles)) {
      await eventually(
        async () => ((await fetch(`${role.url}/readyz`)).status === 200 ? true : undefined),
        30_000,
        `${name} ready`,
      );
    }
  }, 120_000);

  it('the query node is ready only once its assigned segments are loaded', async () => {
    const client = new ClusterClient(await cluster.connect());
    const col = await client.createCollection('ready', {
      fields: [
        { name: 'id', type: 'int', primary: true },
        { name: 'v', type: 'vector', dim: 4, metric: 'l2' },
      ],
    });
    await col.upsert(Array.from({ length: 50 }, (_, i) => ({ id: i, v: [i, 1, 2, 3] })));
    const meta = (await cluster.connect()).meta;
    await eventually(
      async () => ((await readAssignment(meta, 'ready')).size > 0 ? true : undefined),
      30_000,
      'a sealed, assigned segment',
    );
    const body = await eventually(async () => {
      const res = await fetch(`${roles.querynode!.url}/readyz`);
      const json = (await res.json()) as {
        ready: boolean;
        collections: Record<string, { view: { served: number[] } }>;
      };
      return res.status === 200 && json.collections.ready?.view.served.length ? json : undefined;
    });
    const assigned = [...(await readAssignment(meta, 'ready')).keys()];
    expect(body.collections.ready!.view.served).toEqual(assigned);
    const { hits } = await col.search({ vector: [7, 1, 2, 3], k: 1, consistency: 'strong' });
    expect(hits[0]!.id).toBe(7);
  }, 60_000);

  it('the proxy is not ready while etcd is unreachable, and ready again once it is back', async () => {
    const member = cluster.etcd.members[0]!;
    await member.kill();
    try {
      await eventually(
        async () => ((await fetch(`${roles.proxy!.url}/readyz`)).status === 503 ? true : undefined),
        20_000,
        'proxy not ready',
      );
      expect((await fetch(`${roles.proxy!.url}/healthz`)).status).toBe(200); // alive, just not ready
    } finally {
      await member.start();
    }
    await eventually(
      async () => ((await fetch(`${roles.proxy!.url}/readyz`)).status === 200 ? true : undefined),
      30_000,
      'proxy ready again',
    );
  }, 60_000);

  it('no role prints a credential', () => {
    for (const role of Object.values(roles)) {
      expect(role.log()).toMatch(/listening on|probes on/); // the output is really captured
      expect(role.log()).not.toContain(cluster.env.AWS_SECRET_ACCESS_KEY);
    }
  });
});

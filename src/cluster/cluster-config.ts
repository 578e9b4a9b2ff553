/**
 * Where a cluster lives (etcd endpoints and root, the S3 bucket and prefix) and how to connect to it. Every role
 * reads the same settings, from options or from environment variables (the table in docs/DEPLOY.md):
 *
 *   QUIVER_ETCD_ENDPOINTS   comma-separated etcd client URLs             (required)
 *   QUIVER_ETCD_ROOT        key prefix of this cluster                    (default quiver)
 *   QUIVER_ETCD_USERNAME, QUIVER_ETCD_PASSWORD  etcd authentication      (default: none)
 *   QUIVER_S3_BUCKET        bucket                                        (required)
 *   QUIVER_S3_ENDPOINT      S3-compatible endpoint (MinIO, s3rver)        (default: AWS)
 *   QUIVER_S3_PREFIX        folder inside the bucket                      (default: none)
 *   QUIVER_S3_REGION        region                                        (default: AWS_REGION or us-east-1)
 *   AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY                              (default: the SDK's chain)
 *   QUIVER_LEASE_TTL        membership lease TTL in seconds               (default 10)
 *
 * Secrets are never part of `describe()`, which is what roles log.
 */

import { QuiverError } from '../errors.js';
import { EtcdMetaStore } from '../store/storage/etcd-meta-store.js';
import type { EtcdSession } from '../store/storage/etcd-session.js';
import { S3ObjectStore } from '../store/storage/s3-object-store.js';

export interface ClusterConfig {
  etcd: { endpoints: string[]; root: string; auth?: { username: string; password: string } };
  s3: {
    bucket: string;
    endpoint?: string;
    prefix?: string;
    region?: string;
    credentials?: { accessKeyId: string; secretAccessKey: string };
    createBucket?: boolean;
  };
  /** Membership and election lease TTL, seconds. Default 10. */
  leaseTtl?: number;
}

export interface ClusterConnection {
  config: ClusterConfig;
  meta: EtcdMetaStore;
  objects: S3ObjectStore;
  session: EtcdSession;
  close(): Promise<void>;
}

/** Reads a ClusterConfig from environment variables. */
export function clusterConfigFromEnv(env: NodeJS.ProcessEnv = process.env): ClusterConfig {
  const need = (name: string): string => {
    const v = env[name]?.trim();
    if (!v) throw new QuiverError('CONFIG_INVALID', `cluster mode needs ${name}`, { field: name });
    return v;
  };
  const endpoints = need('QUIVER_ETCD_ENDPOINTS')
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  const ttl = env.QUIVER_LEASE_TTL ? Number(env.QUIVER_LEASE_TTL) : undefined;
  if (ttl !== undefined && !(Number.isInteger(ttl) && ttl >= 2)) {
    throw new QuiverError('CONFIG_INVALID', 'QUIVER_LEASE_TTL must be an integer of at least 2 (seconds)', {
      field: 'QUIVER_LEASE_TTL',
    });
  }
  const etcdUser = env.QUIVER_ETCD_USERNAME?.trim();
  const etcdPassword = env.QUIVER_ETCD_PASSWORD;
  if (etcdUser && !etcdPassword) {
    throw new QuiverError('CONFIG_INVALID', 'QUIVER_ETCD_USERNAME is set but QUIVER_ETCD_PASSWORD is not', {
      field: 'QUIVER_ETCD_PASSWORD',
    });
  }
  const key = env.AWS_ACCESS_KEY_ID;
  const secret = env.AWS_SECRET_ACCESS_KEY;
  return {
    etcd: {
      endpoints,
      root: env.QUIVER_ETCD_ROOT?.trim() || 'quiver',
      auth: etcdUser && etcdPassword ? { username: etcdUser, password: etcdPassword } : undefined,
    },
    s3: {
      bucket: need('QUIVER_S3_BUCKET'),
      endpoint: env.QUIVER_S3_ENDPOINT?.trim() || undefined,
      prefix: env.QUIVER_S3_PREFIX?.trim() || undefined,
      region: env.QUIVER_S3_REGION?.trim() || undefined,
      credentials: key && secret ? { accessKeyId: key, secretAccessKey: secret } : undefined,
      createBucket: env.QUIVER_S3_CREATE_BUCKET === '1',
    },
    leaseTtl: ttl,
  };
}

/** The settings as a role may log them: endpoints and names, never credentials. */
export function describeCluster(c: ClusterConfig): string {
  const s3 = `${c.s3.endpoint ?? 'aws'} bucket ${c.s3.bucket}${c.s3.prefix ? `/${c.s3.prefix}` : ''}`;
  return `etcd ${c.etcd.endpoints.join(',')} root ${c.etcd.root}; s3 ${s3}`;
}

/** Connects to etcd and S3. */
export async function connectCluster(config: ClusterConfig): Promise<ClusterConnection> {
  const meta = await EtcdMetaStore.open({
    endpoints: config.etcd.endpoints,
    root: config.etcd.root,
    auth: config.etcd.auth,
  });
  let objects: S3ObjectStore;
  try {
    objects = await S3ObjectStore.open({ ...config.s3 });
  } catch (err) {
    await meta.close();
    throw err;
  }
  const session = meta.session(config.leaseTtl ?? 10);
  return {
    config,
    meta,
    objects,
    session,
    async close() {
      await session.close();
      await meta.close();
      await objects.close();
    },
  };
}

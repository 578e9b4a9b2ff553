/**
 * MetaStore key names of cluster mode, in one place (docs/ARCHITECTURE.md has the table). Collection manifests
 * use the embedded store's own key (`collections/<name>`), so both deployments read the same manifest format.
 */

export { manifestKey } from '../store/collection/manifest.js';

/** The MetaStore prefix of a collection's shared WAL (`<root>/seq`, `<root>/entries/<seq>`). */
export const walRoot = (collection: string) => `wal/${collection}`;

/** Which query node serves a sealed segment: `assign/<collection>/<segment id>` = node id. */
export const assignPrefix = (collection: string) => `assign/${collection}/`;
export const assignKey = (collection: string, segment: number) => `${assignPrefix(collection)}${segment}`;

/** The last auto id handed out for a collection; proxies take blocks of ids by compare-and-set. */
export const autoIdKey = (collection: string) => `ids/${collection}`;

/** The membership kinds registered under leases (etcd-session.ts). */
export const QUERY_NODE = 'querynode';
export const PROXY = 'proxy';
export const COORDINATOR_ELECTION = 'coordinator';

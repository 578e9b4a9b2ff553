/**
 * Cluster mode's public surface: connect to a cluster, use it as a proxy (ClusterClient), or run a role in
 * your own process (QueryNode, Coordinator). Re-exports only.
 */

export { EtcdSession, type EtcdSessionOptions } from '../store/storage/etcd-session.js';
export { ClusterClient, type ClusterClientOptions } from './cluster-client.js';
export { ClusterCollection } from './cluster-collection.js';
export {
  type ClusterConfig,
  type ClusterConnection,
  clusterConfigFromEnv,
  connectCluster,
  describeCluster,
} from './cluster-config.js';
export { Coordinator, type CoordinatorOptions } from './coordinator.js';
export { QueryNode, type QueryNodeOptions } from './query-node.js';
export { SharedWal, type SharedWalOptions } from './shared-wal.js';

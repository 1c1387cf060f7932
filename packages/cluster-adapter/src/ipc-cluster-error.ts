/**
 * Configuration errors of `@plexus/cluster-adapter`, each with a stable `code`:
 * `ERR_CLUSTER_NOT_PRIMARY` (`setupPrimary()` outside the primary). Layer: cluster-adapter.
 */
export class IpcClusterError extends Error {
  override readonly name = "IpcClusterError";
  constructor(
    readonly code: "ERR_CLUSTER_NOT_PRIMARY",
    message: string,
  ) {
    super(message);
  }
}

/**
 * The Graph shapes that routes render (a job's status, provisioning log entries). Teams take them from here, not
 * from the gateway, so a route depends on services only and the gateway can change behind them.
 */
export type { ProvisioningLogEntry, SyncJob } from '../graph/schemas';

import type { ServicePrincipal } from './model';

/** The accidental-deletion threshold as the job's SyncNotificationSettings secret sets it (reference §3). */
export interface DeleteThreshold {
  enabled: boolean;
  value: number;
}

/** Portal default when the threshold is enabled without a value (reference §3). */
const DEFAULT_THRESHOLD = 500;

export function deleteThreshold(sp: ServicePrincipal): DeleteThreshold {
  const raw = sp.secrets.get('SyncNotificationSettings');
  if (!raw) return { enabled: false, value: DEFAULT_THRESHOLD };
  try {
    const parsed = JSON.parse(raw) as { DeleteThresholdEnabled?: unknown; DeleteThresholdValue?: unknown };
    const value = Number(parsed.DeleteThresholdValue);
    return {
      enabled: parsed.DeleteThresholdEnabled === true || parsed.DeleteThresholdEnabled === 'true',
      value: Number.isFinite(value) && value >= 0 ? value : DEFAULT_THRESHOLD,
    };
  } catch {
    return { enabled: false, value: DEFAULT_THRESHOLD };
  }
}

/** The typed result of parsing a chat command, and the limits the grammar enforces. */
import type { RestartScope } from '../jobActions';

export type SubscriptionTopic = 'alerts' | 'approvals';

export type Command =
  | { kind: 'help' }
  | { kind: 'whoami' }
  | { kind: 'status'; config?: string }
  | { kind: 'start'; config?: string }
  | { kind: 'pause'; config?: string }
  | { kind: 'restart'; config?: string; scope: RestartScope }
  | { kind: 'provision'; users: string[]; config?: string }
  | {
      kind: 'request';
      op: 'add' | 'remove';
      principalType: 'user' | 'group';
      principals: string[];
      config?: string;
      reason: string;
    }
  | { kind: 'requestForm' }
  | { kind: 'pending' }
  | { kind: 'approve'; id: string }
  | { kind: 'reject'; id: string; reason?: string }
  | { kind: 'cancel'; id: string }
  | { kind: 'subscribe' | 'unsubscribe'; topic: SubscriptionTopic; /** a configuration name, or 'all' */ config: string }
  | { kind: 'subscriptions' }
  | { kind: 'audit'; config?: string; count?: number }
  | { kind: 'auditExport'; from?: string; to?: string }
  | { kind: 'doctor'; config?: string }
  | { kind: 'why'; user: string; config?: string }
  | { kind: 'review'; config?: string }
  | { kind: 'reviewStatus'; config?: string }
  | { kind: 'invalid'; command: string; problem: string; usage: string; example: string }
  | { kind: 'unknown'; text: string };

export type CommandKind = Command['kind'];

export const MAX_REQUEST_PRINCIPALS = 50;
/**
 * provisionOnDemand takes one user per call for CTS and Graph allows 5 calls / 10 s: more users are queued and the
 * card shows progress, so 20 at most keeps one command under about 40 s.
 */
export const MAX_PROVISION_USERS = 20;
export const MAX_AUDIT_COUNT = 200;

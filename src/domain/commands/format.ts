/** The canonical text for a command (suggestions in replies, card buttons, round-trip tests). */
import type { Command } from './types';

function quoteIfNeeded(v: string): string {
  return /[\s,]/.test(v) ? `"${v}"` : v;
}

export function formatCommand(cmd: Command): string {
  switch (cmd.kind) {
    case 'help':
    case 'whoami':
    case 'pending':
    case 'subscriptions':
      return cmd.kind;
    case 'requestForm':
      return 'request';
    case 'status':
    case 'start':
    case 'pause':
    case 'doctor':
    case 'review':
      return cmd.config ? `${cmd.kind} ${cmd.config}` : cmd.kind;
    case 'reviewStatus':
      return cmd.config ? `review status ${cmd.config}` : 'review status';
    case 'restart':
      return ['restart', cmd.config, cmd.scope === 'default' ? undefined : cmd.scope].filter(Boolean).join(' ');
    case 'provision':
      return ['provision', cmd.users.join(' '), cmd.config ? `to ${cmd.config}` : undefined].filter(Boolean).join(' ');
    case 'request':
      return [
        'request',
        cmd.op,
        cmd.principalType,
        cmd.principals.map(quoteIfNeeded).join(', '),
        cmd.config ? `${cmd.op === 'add' ? 'to' : 'from'} ${cmd.config}` : undefined,
        'because',
        cmd.reason,
      ]
        .filter(Boolean)
        .join(' ');
    case 'approve':
    case 'cancel':
      return `${cmd.kind} ${cmd.id}`;
    case 'reject':
      return cmd.reason ? `reject ${cmd.id} because ${cmd.reason}` : `reject ${cmd.id}`;
    case 'subscribe':
    case 'unsubscribe':
      return `${cmd.kind} ${cmd.topic} ${cmd.config}`;
    case 'audit':
      return ['audit', cmd.config, cmd.count === undefined ? undefined : String(cmd.count)].filter(Boolean).join(' ');
    case 'auditExport':
      return ['audit export', cmd.from ? `from ${cmd.from}` : undefined, cmd.to ? `to ${cmd.to}` : undefined].filter(Boolean).join(' ');
    case 'why':
      return cmd.config ? `why ${cmd.user} in ${cmd.config}` : `why ${cmd.user}`;
    case 'invalid':
      return cmd.command;
    case 'unknown':
      return cmd.text;
  }
}

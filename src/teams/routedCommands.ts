/**
 * The command kinds the bot actually answers. The Teams command menu (bots[].commandLists in the app
 * manifest) is generated from the catalogue filtered by this list, so the menu never offers a command
 * that has no route. Add a kind here in the same change that registers its route, then run
 * `npm run package -- --update-template` (test/appPackage checks the committed manifest is in step).
 */
import type { CommandKind } from '../domain/commands';

export const ROUTED_COMMANDS: readonly CommandKind[] = [
  'help',
  'whoami',
  'status',
  'start',
  'pause',
  'restart',
  'provision',
  'audit',
  'auditExport',
  'subscribe',
  'unsubscribe',
  'subscriptions',
  'request',
  'requestForm',
  'pending',
  'approve',
  'reject',
  'cancel',
  'doctor',
  'why',
  'review',
  'reviewStatus',
];

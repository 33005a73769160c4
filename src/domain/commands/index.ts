/** The chat command grammar, one module per command family; callers import from here. */
export { FULL_RESTART_REFUSAL, RESTART_SCOPES, type RestartScope } from '../jobActions';
export { commandInfo, COMMANDS, type CommandInfo } from './catalog';
export { formatCommand } from './format';
export { isConfigName, isObjectId, isUserReference, levenshtein, suggestConfig } from './names';
export { parseCommand } from './parse';
export { isRequestId, newRequestId, normalizeRequestId, REQUEST_ID_LENGTH } from './requestIds';
export { isIsoDate } from './audit';
export { normalizeText } from './tokens';
export {
  MAX_AUDIT_COUNT,
  MAX_PROVISION_USERS,
  MAX_REQUEST_PRINCIPALS,
  type Command,
  type CommandKind,
  type SubscriptionTopic,
} from './types';

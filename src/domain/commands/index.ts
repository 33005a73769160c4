/** The chat command grammar, one module per command family; callers import from here. */
export { COMMANDS, type CommandInfo } from './catalog';
export { formatCommand } from './format';
export { suggestConfig } from './names';
export { parseCommand } from './parse';
export { checkRequestForm } from './scopeRequests';
export { isRequestId, newRequestId, normalizeRequestId } from './requestIds';
export { MAX_REQUEST_PRINCIPALS, type Command, type CommandKind } from './types';
export { RESTART_SCOPES } from '../jobActions';

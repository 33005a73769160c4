/**
 * Moved: the Graph reads are in ./scopeRequestChecks, the pure risk rules in domain/risk. Re-exported for
 * services/approvals until it imports those directly; then delete this file.
 */
export { checkRequest, currentPrivileged, problemTitle, type ValidationProblem } from './scopeRequestChecks';
export { DEFAULT_MAX_GROWTH_SHARE, newlyPrivileged } from '../domain/risk';

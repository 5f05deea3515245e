/** One module per `-m` match and per `-j` target: parse (options → typed value), save and print. */
export { MATCH_MODULES, TARGET_MODULES, MATCH_BY_NAME, TARGET_BY_NAME, UNMODELLED_MATCHES, UNMODELLED_TARGETS, matchModuleOf, targetModuleOf } from './registry.js';
export type { MatchModule, TargetModule, OptionDef, OptionUse, MatchRegistry, TargetRegistry } from './module-types.js';
export { probabilityToU31, formatProbability } from './match-statistic.js';

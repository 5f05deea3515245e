/**
 * The iptables text layer: iptables-restore input and iptables command lines parsed into the
 * typed rule model (ast.ts), and the model rendered back the way iptables-legacy 1.8.9 prints it
 * (iptables-save, -S, -L -n).
 */
export { parseRestore, type RestoreOptions } from './restore-parser.js';
export { RestoreLineCache } from './restore-line-cache.js';
export { parseIptablesCommand, type IptablesCommand } from './iptables-command.js';
export { parseCommandLine, type CommandLineContext, type ParsedCommandLine } from './command-line.js';
export { tokenizeLine } from './tokenize.js';
export { formatRule, formatRuleParts, formatAppend } from './format-rule.js';
export { renderSave, ctime, type RenderSaveOptions } from './render-save.js';
export { renderListing, printNum, type RenderListingOptions } from './render-listing.js';
export { renderRuleSpecs, type RenderRuleSpecsOptions } from './render-rule-specs.js';
export { orderChains, compareChainNames, isBuiltinChain, type TableView, type ChainView, type RuleView } from './table-view.js';
export { saveString } from './save-string.js';
export { parseProtocol, protocolSaveName } from './protocols.js';
export { MATCH_MODULES, TARGET_MODULES } from '../modules/index.js';

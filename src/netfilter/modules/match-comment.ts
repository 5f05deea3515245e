import type { CommentMatch } from '../ast.js';
import { parseError } from '../text/errors.js';
import { saveString, truncateUtf8 } from '../text/save-string.js';
import type { MatchModule, OptionUse } from './module-types.js';
import { arg0, checkInvert, checkOnce, checkRequired, NONE_INVERTIBLE } from './option-checks.js';

/**
 * `-m comment --comment TEXT`, libxt_comment. The kernel keeps 255 bytes; iptables cuts longer
 * text silently. iptables-save quotes the text only when it holds characters other than
 * letters, digits, `_` and `-` (so `hello` stays bare and `ns/svc:p80` is quoted).
 */

/** XT_MAX_COMMENT_LEN - 1 */
export const COMMENT_MAX_BYTES = 255;

/** Builds the typed match from its option uses, with iptables' checks and messages. Throws KpemuError. */
export function parseCommentMatch(uses: readonly OptionUse[]): CommentMatch {
  checkOnce('comment', uses);
  checkInvert('comment', uses, NONE_INVERTIBLE);
  checkRequired('comment', uses, 'comment');
  const u = uses[0] as OptionUse;
  if (u.name !== 'comment') throw parseError(`comment: unexpected option "--${u.name}"`);
  return { kind: 'comment', text: truncateUtf8(arg0(u), COMMENT_MAX_BYTES) };
}

/** The words iptables-save prints after ` -m NAME` (each preceded by a space; may be empty). */
export function saveCommentMatch(m: CommentMatch): string {
  return ` --comment${saveString(m.text)}`;
}

/** What `iptables -L -n` prints for the match. */
export function printCommentMatch(m: CommentMatch): string {
  return ` /* ${m.text} */`;
}

/** The module: its options, parse, save and print. */
export const commentMatch: MatchModule<CommentMatch> = {
  kind: 'comment',
  name: 'comment',
  options: [{ names: ['comment'], args: 1 }],
  parse: parseCommentMatch,
  save: saveCommentMatch,
  print: printCommentMatch,
};

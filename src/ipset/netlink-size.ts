import { ATTR } from './entry-parse.js';
import type { EntryExtensions } from './types.js';

/**
 * Sizes of the netlink messages `ipset restore` batches adds and deletes into. The tool packs
 * consecutive add (or del) lines of one set into one message of at most a page (4096 bytes) and
 * sends it when the next line cannot join it, when the buffer is full, at COMMIT or at the end.
 * The kernel applies a message's elements in order and stops at the first error, so which lines
 * took effect before a failure depends on these sizes; reproducing them reproduces that.
 *
 * Sizes follow lib/session.c (build_msg, rawdata2attr, BUFFER_FULL) of ipset 7.x with the element
 * attributes in attribute-id order; they were checked against ipset 7.17 by counting the elements
 * that survive a later syntax error (167 hash:ip adds per message, 100 hash:ip,port, 77
 * hash:ip,port,ip, 201 bitmap:port, ...).
 */

/** getpagesize() on the machines kpemu compares with. */
export const IPSET_BUFSIZE = 4096;
const NLMSG_HDRLEN = 16;
const NFGENMSG_LEN = 4;
const ATTR_HDRLEN = 4;
const NLMSGERR_LEN = 20;
/** The policy length the tool checks a comment against (IPSET_MAX_COMMENT_SIZE + 1). */
const COMMENT_POLICY_LEN = 256;

function align4(n: number): number {
  return (n + 3) & ~3;
}

/** BUFFER_FULL of session.c: would an attribute with payload `alen` (plus a nest header) overflow? */
function bufferFull(len: number, nestLen: number, alen: number): boolean {
  return len + nestLen + ATTR_HDRLEN + align4(alen) + NLMSGERR_LEN > IPSET_BUFSIZE;
}

/** Length of a new add/del message for `setName` up to and including the opened ADT nest. */
export function batchHeaderLength(setName: string): number {
  const protocol = ATTR_HDRLEN + align4(1);
  const setname = ATTR_HDRLEN + align4(setName.length + 1);
  const lineno = ATTR_HDRLEN + 4;
  return NLMSG_HDRLEN + NFGENMSG_LEN + protocol + setname + lineno + ATTR_HDRLEN;
}

/**
 * Appends one element's DATA nest to a message of length `len`; returns the new length, or -1
 * when the element does not fit (the tool then sends the message and starts a new one).
 */
export function appendElement(len: number, attrs: number, ext: EntryExtensions): number {
  let l = len + ATTR_HDRLEN; // IPSET_ATTR_DATA nest
  const nested = (): boolean => {
    if (bufferFull(l, ATTR_HDRLEN, 4)) return false;
    l += ATTR_HDRLEN + ATTR_HDRLEN + 4;
    return true;
  };
  const scalar = (alen: number): boolean => {
    if (bufferFull(l, 0, alen)) return false;
    l += ATTR_HDRLEN + align4(alen);
    return true;
  };
  // Attribute ids: IP 1, IP_TO 2, CIDR 3, PORT 4, PORT_TO 5, TIMEOUT 6, PROTO 7, CADT_FLAGS 8,
  // IP2 20, CIDR2 21, BYTES 24, PACKETS 25, COMMENT 26.
  if (attrs & ATTR.IP && !nested()) return -1;
  if (attrs & ATTR.IP_TO && !nested()) return -1;
  if (attrs & ATTR.CIDR && !scalar(1)) return -1;
  if (attrs & ATTR.PORT && !scalar(2)) return -1;
  if (attrs & ATTR.PORT_TO && !scalar(2)) return -1;
  if (ext.timeout !== undefined && !scalar(4)) return -1;
  if (attrs & ATTR.PROTO && !scalar(1)) return -1;
  if (ext.nomatch === true && !scalar(4)) return -1;
  if (attrs & ATTR.IP2 && !nested()) return -1;
  if (attrs & ATTR.CIDR2 && !scalar(1)) return -1;
  if (ext.bytes !== undefined && !scalar(8)) return -1;
  if (ext.packets !== undefined && !scalar(8)) return -1;
  if (ext.comment !== undefined) {
    if (bufferFull(l, 0, COMMENT_POLICY_LEN)) return -1;
    l += ATTR_HDRLEN + align4(utf8Length(ext.comment) + 1);
  }
  if (!scalar(4)) return -1; // IPSET_ATTR_LINENO
  return l;
}

function utf8Length(s: string): number {
  let n = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x80) n += 1;
    else if (c < 0x800) n += 2;
    else if (c >= 0xd800 && c < 0xdc00) {
      n += 4;
      i++;
    } else n += 3;
  }
  return n;
}

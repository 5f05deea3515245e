/**
 * The one error type of kpemu. Callers branch on `code`, never on message text.
 * A location names where bad input was found: a file and line, an object and field, a rule line.
 */
export const ERROR_CODES = [
  // addresses and generic values at the edges
  'ADDRESS_INVALID',
  'VALUE_INVALID',
  // iptables text and API
  'IPTABLES_PARSE',
  'IPTABLES_UNKNOWN_OPTION',
  'IPTABLES_BAD_VALUE',
  'IPTABLES_NO_TABLE',
  'IPTABLES_NO_CHAIN',
  'IPTABLES_CHAIN_EXISTS',
  'IPTABLES_CHAIN_IN_USE',
  'IPTABLES_CHAIN_NOT_EMPTY',
  'IPTABLES_BUILTIN_CHAIN',
  'IPTABLES_LOOP',
  'IPTABLES_NO_RULE',
  'IPTABLES_BAD_CONTEXT',
  'NFACCT_MISSING',
  // ipset
  'IPSET_PARSE',
  'IPSET_NO_SET',
  'IPSET_EXISTS',
  'IPSET_FULL',
  'IPSET_BAD_ENTRY',
  'IPSET_IN_USE',
  'IPSET_TYPE_MISMATCH',
  'IPSET_NOT_MEMBER',
  // ipvs
  'IPVS_NO_SERVICE',
  'IPVS_SERVICE_EXISTS',
  'IPVS_NO_DEST',
  'IPVS_DEST_EXISTS',
  'IPVS_BAD_SCHEDULER',
  'IPVS_PARSE',
  // byte formats
  'WIRE_TRUNCATED',
  'WIRE_BAD_CHECKSUM',
  'WIRE_UNSUPPORTED',
  'WIRE_MALFORMED',
  // kubernetes objects, flannel, cluster
  'KUBE_YAML',
  'KUBE_INVALID',
  'KUBE_CONFLICT',
  'FLANNEL_CONFIG',
  'CLUSTER_INVALID',
  'NODE_STATE_PARSE',
  // routing and devices
  'ROUTE_INVALID',
  'DEVICE_INVALID',
  // command line and files
  'CLI_USAGE',
  'CLI_NOT_FOUND',
  'IO',
  // iptables text that real iptables accepts but kpemu does not model (an option, a module, a form)
  'IPTABLES_UNSUPPORTED',
  // kube-proxy's IPVS mode cannot run on this kernel (old ipset tool, scheduler module missing)
  'IPVS_PROXIER_UNUSABLE',
] as const;

export type ErrorCode = (typeof ERROR_CODES)[number];

/** Where bad input was found. Every field is optional; render with {@link formatLocation}. */
export interface SourceLocation {
  readonly file?: string;
  /** 1-based line number in `file` (or in the text given). */
  readonly line?: number;
  /** The Kubernetes object, e.g. `Service ns1/svc1`. */
  readonly object?: string;
  /** A field path inside the object, e.g. `spec.ports[0].port`. */
  readonly field?: string;
  /** The offending text (a rule line, a value). */
  readonly text?: string;
}

export class KpemuError extends Error {
  override readonly name = 'KpemuError';
  readonly code: ErrorCode;
  readonly location: SourceLocation | undefined;

  constructor(code: ErrorCode, message: string, options: { location?: SourceLocation; cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.location = options.location;
  }

  /** The message prefixed with its location, the way a compiler prints errors. */
  describe(): string {
    const where = formatLocation(this.location);
    return where === '' ? this.message : `${where}: ${this.message}`;
  }

  /** A copy of this error with more location filled in (fields already set win). */
  withLocation(extra: SourceLocation): KpemuError {
    const merged: SourceLocation = { ...extra, ...stripUndefined(this.location ?? {}) };
    return new KpemuError(this.code, this.message, { location: merged, cause: this.cause });
  }
}

function stripUndefined(loc: SourceLocation): SourceLocation {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(loc)) if (v !== undefined) out[k] = v;
  return out as SourceLocation;
}

export function formatLocation(loc: SourceLocation | undefined): string {
  if (loc === undefined) return '';
  const parts: string[] = [];
  if (loc.file !== undefined) parts.push(loc.line !== undefined ? `${loc.file}:${loc.line}` : loc.file);
  else if (loc.line !== undefined) parts.push(`line ${loc.line}`);
  if (loc.object !== undefined) parts.push(loc.field !== undefined ? `${loc.object} ${loc.field}` : loc.object);
  else if (loc.field !== undefined) parts.push(loc.field);
  return parts.join(': ');
}

export function isKpemuError(e: unknown): e is KpemuError {
  return e instanceof KpemuError;
}

import { KpemuError } from '../core/index.js';
import type { EndpointSlice, FlannelNetConf, KubeProxyConfiguration, Node, Pod, Service } from './types.js';
import type { Parsed } from './fields.js';
import { readEndpointSlice } from './endpointslice.js';
import { isFlannelConfigMap, readFlannelConfigMap } from './flannel-config.js';
import { readNode } from './node.js';
import { readPod } from './pod.js';
import { readKubeProxyConfiguration } from './proxy-config.js';
import { child, fail, got, isSet, list, rootField, Scope, str, type Field, type Issues } from './reader.js';
import { readService } from './service.js';
import type { SourceNode } from './source-node.js';
import { streamYamlFast } from './yaml-fast-path.js';
import { parseYamlStreamGeneral, type YamlDocument } from './yaml-source.js';

/**
 * From text to typed objects: documents, `kind: List` (what `kubectl get -o yaml` prints) and
 * typed lists such as `ServiceList` whose items carry no kind, then dispatch on apiVersion/kind.
 */

/** One object read successfully, tagged by kind. */
export type ParsedObject =
  | { readonly kind: 'Service'; readonly parsed: Parsed<Service> }
  | { readonly kind: 'EndpointSlice'; readonly parsed: Parsed<EndpointSlice> }
  | { readonly kind: 'Node'; readonly parsed: Parsed<Node> }
  | { readonly kind: 'Pod'; readonly parsed: Parsed<Pod> }
  | { readonly kind: 'KubeProxyConfiguration'; readonly parsed: Parsed<KubeProxyConfiguration> }
  | { readonly kind: 'FlannelNetConf'; readonly parsed: Parsed<FlannelNetConf> };

export interface TextReadResult {
  readonly objects: ParsedObject[];
  /** Objects of kinds kpemu does not use, by `apiVersion/kind`. */
  readonly skipped: Map<string, number>;
}

/** The kinds kpemu reads and the apiVersions each may come in. */
const SUPPORTED: ReadonlyMap<string, readonly string[]> = new Map([
  ['Service', ['v1']],
  ['EndpointSlice', ['discovery.k8s.io/v1', 'discovery.k8s.io/v1beta1']],
  ['Node', ['v1']],
  ['Pod', ['v1']],
  ['KubeProxyConfiguration', ['kubeproxy.config.k8s.io/v1alpha1']],
]);

/** Beyond this many objects per text we stop: only alias tricks produce so many. */
const MAX_OBJECTS = 100_000;

/** Reads every object of one text; problems go to `issues`. */
export function readClusterText(text: string, file: string, issues: Issues): TextReadResult {
  // The fast path hands over each document as soon as it is parsed, so that its tree is short-lived
  // garbage. Should it give up part-way, whatever its documents reported is taken back and the
  // text read again through the general path, which then reports as it always did.
  const fast = new DocumentReader(file, issues);
  const before = markOf(issues, fast.result);
  if (streamYamlFast(text, (doc) => fast.read(doc))) return fast.result;
  rollBack(issues, fast.result, before);

  const general = new DocumentReader(file, issues);
  const parsed = parseYamlStreamGeneral(text, file);
  issues.errors.push(...parsed.errors);
  for (const doc of parsed.documents) {
    general.read(doc);
    if (general.stopped) break;
  }
  return general.result;
}

/** Reads documents one by one into one result; stops for good after too many objects. */
class DocumentReader {
  readonly result: TextReadResult = { objects: [], skipped: new Map() };
  /** Set once the object limit was hit: later documents are ignored (but still parsed). */
  stopped = false;
  private readonly counter = { objects: 0 };

  constructor(
    private readonly file: string,
    private readonly issues: Issues,
  ) {}

  read(doc: YamlDocument): void {
    if (this.stopped || doc.node === null) return; // kubectl ignores empty documents too
    const { issues, result, file } = this;
    const mark = markOf(issues, result);
    try {
      readItem(doc.node, file, issues, result, null, this.counter, 0);
    } catch (e) {
      if (!(e instanceof TooManyObjects)) throw e;
      // Drop the runaway document whole, with everything it reported, and stop reading the file.
      rollBack(issues, result, mark);
      issues.errors.push(
        new KpemuError('KUBE_YAML', `more than ${MAX_OBJECTS} objects in one file (nested lists or aliases?)`, { location: { file, line: doc.line } }),
      );
      this.stopped = true;
    }
  }
}

/** How far a read had got, to take back what came after. */
interface Mark {
  readonly objects: number;
  readonly errors: number;
  readonly warnings: number;
  readonly skipped: ReadonlyMap<string, number>;
}

/** The skipped counts of a mark taken before anything was skipped (the usual case): no copy per document. */
const NOTHING_SKIPPED: ReadonlyMap<string, number> = new Map();

function markOf(issues: Issues, result: TextReadResult): Mark {
  const skipped = result.skipped.size === 0 ? NOTHING_SKIPPED : new Map(result.skipped);
  return { objects: result.objects.length, errors: issues.errors.length, warnings: issues.warnings.length, skipped };
}

function rollBack(issues: Issues, result: TextReadResult, mark: Mark): void {
  result.objects.length = mark.objects;
  issues.errors.length = mark.errors;
  issues.warnings.length = mark.warnings;
  result.skipped.clear();
  for (const [k, v] of mark.skipped) result.skipped.set(k, v);
}

class TooManyObjects extends Error {}

interface Inherited {
  readonly apiVersion: string;
  readonly kind: string;
}

function readItem(
  node: SourceNode,
  file: string,
  issues: Issues,
  out: TextReadResult,
  inherited: Inherited | null,
  counter: { objects: number },
  depth: number,
): void {
  if (++counter.objects > MAX_OBJECTS) throw new TooManyObjects();
  const scope = new Scope(file, '', issues);
  const root = rootField(scope, node);
  if (node.kind !== 'map') {
    fail(root, `expected a Kubernetes object (a mapping with apiVersion and kind), got ${got(root)}`);
    return;
  }
  const apiVersionField = child(root, 'apiVersion');
  const kindField = child(root, 'kind');
  const apiVersion = str(apiVersionField) ?? inherited?.apiVersion ?? '';
  const kind = str(kindField) ?? inherited?.kind ?? '';
  if (kind === '' || apiVersion === '') {
    const missing = kind === '' ? kindField : apiVersionField;
    if (scope.errorCount === 0) fail(missing, `expected a Kubernetes object with apiVersion and kind, got no ${missing.path}`);
    return;
  }
  scope.object = kind;

  if (kind.endsWith('List') && (kind === 'List' || isSet(child(root, 'items')))) {
    // `kind: List` items are whole objects; a typed list (ServiceList) omits their kind.
    const itemInherited = kind === 'List' ? null : { apiVersion, kind: kind.slice(0, -'List'.length) };
    const itemsField = child(root, 'items');
    if (depth > 20) {
      fail(itemsField, 'expected lists nested at most 20 deep');
      return;
    }
    for (const item of list(itemsField)) {
      if (item.node !== undefined) readItem(item.node, file, issues, out, itemInherited, counter, depth + 1);
    }
    return;
  }

  const versions = SUPPORTED.get(kind);
  if (versions !== undefined && !versions.includes(apiVersion)) {
    fail(apiVersionField, `expected apiVersion ${versions.join(' or ')} for kind ${kind}, got ${JSON.stringify(apiVersion)}`, { text: apiVersion });
    return;
  }
  const parsed = dispatch(root, kind, apiVersion);
  if (parsed === 'skip') {
    const key = `${apiVersion}/${kind}`;
    out.skipped.set(key, (out.skipped.get(key) ?? 0) + 1);
    if (kind === 'Endpoints' && apiVersion === 'v1') {
      scope.issues.warnings.push(
        new KpemuError('KUBE_INVALID', 'v1 Endpoints are not read (kube-proxy uses EndpointSlices); convert them to discovery.k8s.io/v1 EndpointSlices', {
          location: scope.location(root.line, ''),
        }),
      );
    }
    return;
  }
  if (parsed !== null) out.objects.push(parsed);
}

function dispatch(root: Field, kind: string, apiVersion: string): ParsedObject | null | 'skip' {
  switch (kind) {
    case 'Service':
      return tag('Service', readService(root));
    case 'EndpointSlice':
      return tag('EndpointSlice', readEndpointSlice(root, apiVersion));
    case 'Node':
      return tag('Node', readNode(root));
    case 'Pod':
      return tag('Pod', readPod(root));
    case 'KubeProxyConfiguration':
      return tag('KubeProxyConfiguration', readKubeProxyConfiguration(root));
    case 'ConfigMap':
      if (apiVersion !== 'v1' || !isFlannelConfigMap(root)) return 'skip';
      return tag('FlannelNetConf', readFlannelConfigMap(root));
    default:
      return 'skip';
  }
}

function tag<K extends ParsedObject['kind']>(kind: K, parsed: Extract<ParsedObject, { kind: K }>['parsed'] | null): ParsedObject | null {
  return parsed === null ? null : ({ kind, parsed } as ParsedObject);
}

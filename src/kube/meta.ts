import type { ObjectMeta } from './types.js';
import { checkName, type NameRule } from './names.js';
import { child, expectMap, fail, got, isSet, str, stringMap, warnUnknownFields, type Field } from './reader.js';

/** Fields of `metadata` that kubectl prints; anything else is probably a typo. */
const META_FIELDS: ReadonlySet<string> = new Set([
  'name',
  'generateName',
  'namespace',
  'selfLink',
  'uid',
  'resourceVersion',
  'generation',
  'creationTimestamp',
  'deletionTimestamp',
  'deletionGracePeriodSeconds',
  'labels',
  'annotations',
  'ownerReferences',
  'finalizers',
  'managedFields',
]);

export interface MetaOptions {
  /** The kind, for the object label (`Service ns1/svc1`). */
  readonly kind: string;
  /** Cluster-scoped kinds (Node) have no namespace. */
  readonly namespaced: boolean;
  readonly nameRule: NameRule;
}

/**
 * Reads `metadata` and names the scope after the object, so that every later error says which
 * object it is about. A missing namespace is `default`, as for `kubectl apply` without `-n`.
 */
export function readMeta(root: Field, options: MetaOptions): ObjectMeta {
  const md = child(root, 'metadata');
  expectMap(md);
  warnUnknownFields(md, META_FIELDS);
  const nameField = child(md, 'name');
  const nameText = str(nameField);
  const name = nameText ?? '';
  let namespace = '';
  if (options.namespaced) {
    const nsField = child(md, 'namespace');
    namespace = str(nsField) ?? '';
    if (namespace === '') namespace = 'default';
    else {
      const bad = checkName(namespace, 'dns1123-label');
      if (bad !== null) fail(nsField, `expected ${bad}, got ${JSON.stringify(namespace)}`, { text: namespace });
    }
  }
  const label = name === '' ? '<unnamed>' : name;
  root.scope.object = options.namespaced ? `${options.kind} ${namespace}/${label}` : `${options.kind} ${label}`;
  // A name of the wrong type has been reported by str() already.
  if (name === '' && (nameText === '' || !isSet(nameField))) fail(nameField, `expected a name in metadata.name, got ${got(nameField)}`);
  else {
    const bad = checkName(name, options.nameRule);
    if (bad !== null) fail(nameField, `expected ${bad}, got ${JSON.stringify(name)}`, { text: name });
  }
  return {
    name,
    namespace,
    labels: stringMap(child(md, 'labels')),
    annotations: stringMap(child(md, 'annotations')),
  };
}

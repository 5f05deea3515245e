/**
 * kpemu's public face: what the command line and library users import. The high-level layers are
 * re-exported flat (cluster building and tracing, Kubernetes object loading, the emulated node,
 * netfilter text, kube-proxy's proxiers, trace rendering, and the core types they speak in); the
 * kernel's lower-level pieces, whose names overlap (several formats have a `parseIpv4`, ipset and
 * netfilter both have `RestoreOptions`), are namespaces: `wire.writePcapng`, `ipset.IpsetRegistry`,
 * `ipvs.Ipvs`, `conntrack.Conntrack`, `route.Fib`, `overlay.subnetLeases`.
 *
 * Each folder's own index.ts decides what it exposes; this file only chooses the shape.
 */
export * from './core/index.js';
export * from './addr/index.js';
export * from './packet/index.js';
export * from './kube/index.js';
export * from './netfilter/index.js';
export * from './node/index.js';
export * from './proxy/index.js';
export * from './cluster/index.js';
export * from './trace/index.js';
export * as wire from './wire/index.js';
export * as conntrack from './conntrack/index.js';
export * as route from './route/index.js';
export * as overlay from './overlay/index.js';
export * as ipset from './ipset/index.js';
export * as ipvs from './ipvs/index.js';

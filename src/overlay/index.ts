/**
 * flannel's VXLAN backend as flanneld programs it: subnet leases from Nodes, the flannel.<VNI>
 * device, the routes / neighbours / FDB entries per remote node, flannel's iptables rules, and
 * the pure pieces of the VXLAN data path (encapsulation, receive checks, MTU). Everything here
 * is data and pure functions; the node and cluster layers load it into their namespaces.
 */
export * from './network.js';
export * from './annotations.js';
export * from './leases.js';
export * from './vtep.js';
export * from './programming.js';
export * from './render.js';
export * from './iptables-rules.js';
export * from './vxlan-drop.js';
export * from './vxlan-path.js';
export * from './vxlan-decap.js';
export * from './vxlan-mtu.js';
export { parseIpv4Text, parseCidrText } from './text.js';

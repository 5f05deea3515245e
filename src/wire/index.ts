/**
 * Byte formats: Ethernet, ARP, IPv4, UDP, TCP, SCTP, ICMP, VXLAN, their checksums, whole-frame
 * encode/decode, VXLAN encapsulation as Linux does it for flannel, and pcap/pcapng files.
 * Each format offers a checked view over bytes (`XxxView.wrap` checks the length once; its
 * accessors then cannot fail) and a plain parsed value (`parseXxx` / `writeXxx`).
 * Off the per-packet fast path: used when bytes, pcap or byte-level traces are asked for.
 */
export * from './errors.js';
export * from './checksum.js';
export * from './mac.js';
export * from './ethernet.js';
export * from './arp.js';
export * from './ipv4.js';
export * from './udp.js';
export * from './tcp.js';
export * from './sctp.js';
export * from './icmp.js';
export * from './vxlan.js';
export * from './vxlan-port.js';
export * from './vxlan-encap.js';
export * from './frame.js';
export * from './capture-record.js';
export * from './pcap.js';
export * from './pcapng.js';

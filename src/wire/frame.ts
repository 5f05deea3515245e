/**
 * Whole frames: build bytes from a plain description, read bytes into a plain tree, and move
 * between frames and the emulator's per-packet state. The pieces live in frame-*.ts.
 */
export type * from './frame-types.js';
export { encodeFrame, writeFrame, frameLength, ipv4TotalLength, l4Length, protoOfL4, type EncodeOptions } from './frame-encode.js';
export { decodeFrame, type DecodeOptions } from './frame-decode.js';
export { frameSpecOf } from './frame-spec.js';
export { fillPacketFromFrame, frameSpecFromPacket, innermostFrame, type PacketFields, type PacketFrameOptions } from './frame-packet.js';

/**
 * The binary trace container: a fixed header in front of the protobuf `Trace` message, so that a `.pb` cut short
 * (a killed `trace convert`, a full disk) or damaged is an error instead of loading as a smaller network. Plain
 * protobuf cannot tell: a message cut at a layer boundary is itself a valid message with fewer layers.
 *
 *   bytes  0..7   magic "EYSTRACE"
 *   bytes  8..11  container version, uint32 little-endian (1)
 *   bytes 12..15  number of layers, uint32 LE
 *   bytes 16..23  payload length in bytes, uint64 LE
 *   bytes 24..55  SHA-256 of the payload
 *   bytes 56..    the payload: an `eyeriss.trace.Trace` message (traces/trace.proto)
 *
 * Files without the header (written before it existed) are refused by the loader with a message naming
 * `eyeriss-sim trace convert`, which reads them once (with a warning that they cannot be checked) and writes
 * them with the header.
 */
import { createHash, type Hash } from 'node:crypto';
import { InputError } from '../errors.js';

const MAGIC = Buffer.from('EYSTRACE', 'latin1');
const CONTAINER_VERSION = 1;
export const HEADER_BYTES = 56;

/** Builds the header for a payload of `length` bytes with this hash and layer count. */
export function containerHeader(layers: number, length: number, sha256: Buffer): Buffer {
  const h = Buffer.alloc(HEADER_BYTES);
  MAGIC.copy(h, 0);
  h.writeUInt32LE(CONTAINER_VERSION, 8);
  h.writeUInt32LE(layers, 12);
  h.writeBigUInt64LE(BigInt(length), 16);
  sha256.copy(h, 24);
  return h;
}

/** Accumulates a payload's length and hash as it is written piece by piece. */
export class PayloadDigest {
  length = 0;
  private readonly hash: Hash = createHash('sha256');

  add(piece: Uint8Array): Uint8Array {
    this.length += piece.length;
    this.hash.update(piece);
    return piece;
  }

  header(layers: number): Buffer {
    return containerHeader(layers, this.length, this.hash.digest());
  }
}

/** The checked payload of a container, the layer count its header promises, or null for a headerless file. */
export function openContainer(bytes: Uint8Array, shown: string): { payload: Uint8Array; layers: number } | null {
  const buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length);
  if (buf.length < MAGIC.length || !buf.subarray(0, MAGIC.length).equals(MAGIC)) return null;
  const fail = (what: string): never => {
    throw new InputError(`${shown}: ${what}`);
  };
  if (buf.length < HEADER_BYTES) fail(`truncated: ${buf.length} bytes, shorter than the ${HEADER_BYTES}-byte header (an interrupted write?)`);
  const version = buf.readUInt32LE(8);
  if (version !== CONTAINER_VERSION) fail(`trace container version ${version}, expected ${CONTAINER_VERSION} (written by another eyeriss-sim version)`);
  const layers = buf.readUInt32LE(12);
  const length = buf.readBigUInt64LE(16);
  const actual = BigInt(buf.length - HEADER_BYTES);
  if (length !== actual) {
    fail(`${actual < length ? 'truncated' : 'has trailing bytes'}: the header says ${length} bytes of layers, the file has ${actual} (an interrupted write? write it again)`);
  }
  const payload = buf.subarray(HEADER_BYTES);
  if (!createHash('sha256').update(payload).digest().equals(buf.subarray(24, HEADER_BYTES))) {
    fail('corrupt: the checksum of its layers does not match the header (the file was changed or damaged; write it again)');
  }
  return { payload, layers };
}

/** The message for a headerless .pb, which the loader refuses. */
export function legacyMessage(shown: string): string {
  return `${shown}: no integrity header (a .pb from before eyeriss-sim checked them, or not a trace), so truncation cannot be detected; convert it once with \`eyeriss-sim trace convert ${shown} NEW.pb\` and check the layer count it prints`;
}

/**
 * Watches the raw bytes a WebSocket client sends and reports the first frame whose payload is over a
 * limit. API Gateway limits frames (32 KB) separately from messages (128 KB), and the `ws` package
 * only enforces the message limit, so frames are measured here from their headers (RFC 6455 §5.2).
 * Connections never negotiate compression, so a frame's wire length is its payload length.
 */

/** Returns a `data` listener that calls `onTooLarge` once, for the first oversized frame. */
export function frameSizeGuard(limit: number, onTooLarge: () => void): (chunk: Buffer) => void {
  let pending: Buffer = Buffer.alloc(0);
  let payloadLeft = 0;
  let tripped = false;

  return (chunk) => {
    if (tripped) return;
    const data = pending.length > 0 ? Buffer.concat([pending, chunk]) : chunk;
    let offset = 0;
    for (;;) {
      if (payloadLeft > 0) {
        const skipped = Math.min(payloadLeft, data.length - offset);
        payloadLeft -= skipped;
        offset += skipped;
        if (payloadLeft > 0) break;
      }
      if (data.length - offset < 2) break;
      const second = data.readUInt8(offset + 1);
      const shortLength = second & 0x7f;
      const extendedBytes = shortLength === 126 ? 2 : shortLength === 127 ? 8 : 0;
      const headerLength = 2 + extendedBytes + (second & 0x80 ? 4 : 0);
      if (data.length - offset < headerLength) break;
      const length =
        shortLength === 126
          ? data.readUInt16BE(offset + 2)
          : shortLength === 127
            ? Number(data.readBigUInt64BE(offset + 2))
            : shortLength;
      if (length > limit) {
        tripped = true;
        onTooLarge();
        return;
      }
      offset += headerLength;
      payloadLeft = length;
    }
    pending = Buffer.from(data.subarray(offset));
  };
}

import { fromBufferPromise } from 'yauzl';

/**
 * Every entry of a ZIP file, by name, read with yauzl (an independent reader: the server writes
 * its ZIPs with yazl), each entry's CRC and size checked by the reader.
 */
export async function readZip(zip: Buffer): Promise<Map<string, Buffer>> {
  const file = await fromBufferPromise(zip, { lazyEntries: true, validateEntrySizes: true });
  const out = new Map<string, Buffer>();
  try {
    for await (const entry of file.eachEntry()) {
      const parts: Buffer[] = [];
      for await (const c of await file.openReadStreamPromise(entry)) parts.push(c as Buffer);
      out.set(entry.fileName, Buffer.concat(parts));
    }
  } finally {
    file.close();
  }
  return out;
}

// Jest's node environment gives each test file its own typed-array constructors; onnxruntime's
// native addon makes its tensors with the process's own, and then refuses ours ("A float32
// tensor's data must be type of Float32Array"). Test files that run the Silero model use this
// environment, which hands them the process's constructors. Production code runs in one realm.
const { TestEnvironment } = require('jest-environment-node');

const SHARED = [
  'ArrayBuffer',
  'Float32Array',
  'Float64Array',
  'Int8Array',
  'Int16Array',
  'Int32Array',
  'Uint8Array',
  'Uint8ClampedArray',
  'Uint16Array',
  'Uint32Array',
  'BigInt64Array',
  'BigUint64Array',
];

class NativeRealmEnvironment extends TestEnvironment {
  constructor(config, context) {
    super(config, context);
    for (const name of SHARED) this.global[name] = globalThis[name];
  }
}

module.exports = NativeRealmEnvironment;

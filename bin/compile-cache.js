// A V8 code cache for CommonJS modules, in build/compile-cache/ (git-ignored): a run starts from
// the bytecode of the previous run's functions instead of parsing and compiling the bundle and
// its packages again (about a third of a synth's wall time otherwise).
//
// Node >= 22.1 has this built in (module.enableCompileCache), which is used when present. On
// Node 20, Module.prototype._compile is wrapped as the v8-compile-cache package does: each
// module is compiled with the cached data of its file, and at exit the modules whose cache was
// missing or rejected write theirs, taken after the run so that it holds every function the run
// compiled. Entries are keyed by path, size, modification time and inode (V8 itself checks only
// the length), and a file's older entries are removed when a new one is written.
//
// Require it first (`node -r ./bin/compile-cache.js …`, or from a launcher); ALP_NO_COMPILE_CACHE=1 turns it off.
'use strict';
const crypto = require('node:crypto');
const fs = require('node:fs');
const Module = require('node:module');
const path = require('node:path');
const vm = require('node:vm');

const directory = path.join(__dirname, '..', 'build', 'compile-cache');

function enable() {
  if (process.env.ALP_NO_COMPILE_CACHE || Module.prototype._compile.alpCompileCache) return;
  if (typeof Module.enableCompileCache === 'function') {
    Module.enableCompileCache(directory);
    return;
  }
  const compile = Module.prototype._compile;
  const pending = [];
  function cachedCompile(content, filename) {
    if (content.startsWith('#!') || !path.isAbsolute(filename)) return compile.call(this, content, filename);
    const id = crypto.createHash('sha1').update(filename).digest('hex').slice(0, 16);
    // The file's size, modification time (ns) and inode stand for its content: hashing the
    // content would cost ~10 ms per run (the bundle is megabytes).
    const stat = fs.statSync(filename, { bigint: true, throwIfNoEntry: false });
    const version =
      stat && BigInt(Buffer.byteLength(content)) === stat.size
        ? `${stat.size}-${stat.mtimeNs}-${stat.ino}`
        : crypto.createHash('sha1').update(content).digest('hex').slice(0, 16);
    const file = path.join(directory, `${id}-${version}.bin`);
    let cachedData;
    try {
      cachedData = fs.readFileSync(file);
    } catch {
      cachedData = undefined;
    }
    const script = new vm.Script(Module.wrap(content), {
      filename,
      cachedData,
      importModuleDynamically: vm.constants?.USE_MAIN_CONTEXT_DEFAULT_LOADER,
    });
    if (cachedData === undefined || script.cachedDataRejected) pending.push({ script, id, file });
    const wrapper = script.runInThisContext({ displayErrors: true });
    const mod = this;
    const require = (request) => mod.require(request);
    require.resolve = (request, options) => Module._resolveFilename(request, mod, false, options);
    require.resolve.paths = (request) => Module._resolveLookupPaths(request, mod);
    require.main = process.mainModule;
    require.extensions = Module._extensions;
    require.cache = Module._cache;
    return wrapper.call(mod.exports, mod.exports, require, mod, filename, path.dirname(filename));
  }
  cachedCompile.alpCompileCache = true;
  Module.prototype._compile = cachedCompile;
  process.once('exit', () => {
    if (pending.length === 0) return;
    try {
      fs.mkdirSync(directory, { recursive: true });
      const entries = fs.readdirSync(directory);
      for (const { script, id, file } of pending) {
        for (const old of entries) if (old.startsWith(`${id}-`)) fs.rmSync(path.join(directory, old), { force: true });
        const staging = `${file}.${process.pid}.tmp`;
        fs.writeFileSync(staging, script.createCachedData());
        fs.renameSync(staging, file);
      }
    } catch {
      // A cache is an optimization: never fail a run over it.
    }
  });
}

enable();
module.exports = { enable };

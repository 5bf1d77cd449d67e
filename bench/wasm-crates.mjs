// Where the wasm's code size goes, by crate: reads a wasm file that still has its name section
// (cargo's output before wasm-bindgen and wasm-opt, built with symbols kept) and sums the
// function body sizes per crate (the first path segment of each function's name).
//
//   CARGO_PROFILE_RELEASE_STRIP=false cargo build --release --target wasm32-unknown-unknown --bin rounds
//   node bench/wasm-crates.mjs target/wasm32-unknown-unknown/release/rounds.wasm [top N] [crate]
//
// With a crate name as the third argument it lists that crate's largest functions instead.
// The sizes are before wasm-opt (which shrinks everything by roughly a fifth), so compare runs of
// this script with each other, not with the shipped file.
import { readFileSync } from 'node:fs';

const [file, topArg = '25', only] = process.argv.slice(2);
if (!file) {
  console.error('usage: node bench/wasm-crates.mjs FILE.wasm [TOP] [CRATE]');
  process.exit(2);
}
const bytes = readFileSync(file);
let at = 8;
const u32 = () => {
  let result = 0;
  let shift = 0;
  for (;;) {
    const byte = bytes[at++];
    result |= (byte & 0x7f) << shift;
    if (!(byte & 0x80)) return result >>> 0;
    shift += 7;
  }
};
const name = () => {
  const length = u32();
  const text = bytes.subarray(at, at + length).toString('utf8');
  at += length;
  return text;
};

let imported = 0;
const bodies = [];
const names = new Map();
let data = 0;
while (at < bytes.length) {
  const id = bytes[at++];
  const size = u32();
  const end = at + size;
  if (id === 2) {
    // Imported functions come first in the function index space.
    for (let n = u32(); n > 0; n--) {
      name();
      name();
      const kind = bytes[at++];
      if (kind === 0) {
        u32();
        imported++;
      } else if (kind === 1) {
        at++;
        const flags = u32();
        u32();
        if (flags & 1) u32();
      } else if (kind === 2) {
        const flags = u32();
        u32();
        if (flags & 1) u32();
      } else if (kind === 3) at += 2;
      else if (kind === 4) { at++; u32(); }
    }
  } else if (id === 10) {
    for (let n = u32(); n > 0; n--) {
      const length = u32();
      bodies.push(length);
      at += length;
    }
  } else if (id === 11) {
    data = size;
  } else if (id === 0 && name() === 'name') {
    while (at < end) {
      const sub = bytes[at++];
      const subSize = u32();
      const subEnd = at + subSize;
      if (sub === 1) for (let n = u32(); n > 0; n--) names.set(u32(), name());
      at = subEnd;
    }
  }
  at = end;
}

// `_ZN6tachys4view…E` (legacy mangling) or `tachys::view::…` (demangled): the first segment.
function crateOf(fn) {
  const legacy = /^_ZN(\d+)/.exec(fn);
  if (legacy) return fn.slice(3 + legacy[1].length, 3 + legacy[1].length + Number(legacy[1]));
  const plain = fn.replace(/^<+/, '').replace(/^(dyn |&mut |&)/, '');
  return plain.split('::')[0].split(' ')[0] || '?';
}

const total = bodies.reduce((a, b) => a + b, 0);
const byCrate = new Map();
const functions = [];
bodies.forEach((size, i) => {
  const fn = names.get(i + imported) ?? `#${i + imported}`;
  const crate = crateOf(fn);
  byCrate.set(crate, (byCrate.get(crate) ?? 0) + size);
  if (!only || crate === only) functions.push([fn, size]);
});
const kb = (b) => `${(b / 1024).toFixed(1)} KB`;
const top = Number(topArg);
console.log(`${file}: code ${kb(total)} in ${bodies.length} functions, data ${kb(data)}${names.size ? '' : ' (no name section: build with symbols kept)'}`);
if (only) {
  for (const [fn, size] of functions.sort((a, b) => b[1] - a[1]).slice(0, top)) console.log(`${kb(size).padStart(10)}  ${fn.slice(0, 160)}`);
} else {
  for (const [crate, size] of [...byCrate].sort((a, b) => b[1] - a[1]).slice(0, top)) {
    console.log(`${kb(size).padStart(10)} ${((100 * size) / total).toFixed(1).padStart(5)} %  ${crate}`);
  }
}

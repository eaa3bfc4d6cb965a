// Build the writing room's bundle into static/dist/ (committed, so running Binôme needs no Node),
// then write a brotli (.br) and a gzip (.gz) copy beside every script and style sheet of static/
// (the bundle and the hand-written static/js/*.js, static/css/*.css), and in static/compressed.json
// the SHA-256 of the file each pair of copies was made from (the server ignores stale copies).
//   node build.mjs          write static/dist/ and the compressed copies
//   node build.mjs --check  rebuild elsewhere and fail if static/dist/ differs from its sources,
//                           or if a compressed copy is missing, stale or left over
import * as esbuild from 'esbuild'
import { createHash } from 'node:crypto'
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { extname, join } from 'node:path'
import { brotliCompressSync, brotliDecompressSync, constants, gunzipSync, gzipSync } from 'node:zlib'

const here = new URL('.', import.meta.url).pathname
const staticDir = join(here, '..', 'static')
const dist = join(staticDir, 'dist')
const COMPRESSED_FOLDERS = ['dist', 'js', 'css']
const COMPRESSIBLE = new Set(['.js', '.css', '.svg', '.json'])
const COPIES = ['.br', '.gz']
const MANIFEST = join(staticDir, 'compressed.json')
const fonts = join(here, 'node_modules', '@fontsource', 'opendyslexic', 'files')
const FONT_FILES = ['opendyslexic-latin-400-normal.woff2', 'opendyslexic-latin-700-normal.woff2']

async function build (out) {
  mkdirSync(join(out, 'fonts'), { recursive: true })
  await esbuild.build({
    entryPoints: [join(here, 'src', 'room.js')],
    bundle: true,
    minify: true,
    format: 'esm',
    target: ['es2020'],
    legalComments: 'none',
    outfile: join(out, 'room.js'),
    logLevel: 'warning'
  })
  for (const name of FONT_FILES) copyFileSync(join(fonts, name), join(out, 'fonts', name))
}

function files (dir, prefix = '') {
  return readdirSync(join(dir, prefix), { withFileTypes: true }).flatMap((entry) =>
    entry.isDirectory() ? files(dir, join(prefix, entry.name)) : [join(prefix, entry.name)]
  ).sort()
}

// The files of static/ that get compressed copies, as paths relative to static/.
function compressible () {
  return COMPRESSED_FOLDERS.flatMap((folder) => files(staticDir, folder))
    .filter((name) => COMPRESSIBLE.has(extname(name)))
}

function sha256 (bytes) {
  return createHash('sha256').update(bytes).digest('hex')
}

function compress (bytes, copy) {
  return copy === '.br'
    ? brotliCompressSync(bytes, {
      params: {
        [constants.BROTLI_PARAM_QUALITY]: constants.BROTLI_MAX_QUALITY,
        [constants.BROTLI_PARAM_MODE]: constants.BROTLI_MODE_TEXT,
        [constants.BROTLI_PARAM_SIZE_HINT]: bytes.length
      }
    })
    : gzipSync(bytes, { level: 9 })
}

function manifestOf (names) {
  return JSON.stringify(Object.fromEntries(names.map((name) =>
    [name, sha256(readFileSync(join(staticDir, name)))])), null, 2) + '\n'
}

function writeCompressed () {
  for (const folder of COMPRESSED_FOLDERS) {
    for (const name of files(staticDir, folder)) {
      if (COPIES.includes(extname(name))) rmSync(join(staticDir, name))
    }
  }
  const names = compressible()
  for (const name of names) {
    const bytes = readFileSync(join(staticDir, name))
    for (const copy of COPIES) writeFileSync(join(staticDir, name + copy), compress(bytes, copy))
  }
  writeFileSync(MANIFEST, manifestOf(names))
  return names
}

// What is wrong with the committed compressed copies: missing, not the file's content, left over.
function compressedProblems () {
  const names = compressible()
  const problems = []
  for (const name of names) {
    const bytes = readFileSync(join(staticDir, name))
    for (const copy of COPIES) {
      const path = join(staticDir, name + copy)
      if (!existsSync(path)) { problems.push(name + copy + ' (missing)'); continue }
      const packed = readFileSync(path)
      const unpacked = copy === '.br' ? brotliDecompressSync(packed) : gunzipSync(packed)
      if (!unpacked.equals(bytes)) problems.push(name + copy + ' (stale)')
    }
  }
  for (const folder of COMPRESSED_FOLDERS) {
    for (const name of files(staticDir, folder)) {
      const base = name.slice(0, -3)
      if (COPIES.includes(extname(name)) && !names.includes(base)) problems.push(name + ' (left over)')
    }
  }
  if (!existsSync(MANIFEST) || readFileSync(MANIFEST, 'utf8') !== manifestOf(names)) {
    problems.push('compressed.json (stale)')
  }
  return problems
}

if (process.argv.includes('--check')) {
  const fresh = mkdtempSync(join(tmpdir(), 'binome-dist-'))
  try {
    await build(fresh)
    const expected = files(fresh)
    const committed = files(dist).filter((name) => !COPIES.includes(extname(name)))
    const differing = expected.filter((name) => !committed.includes(name) ||
      !readFileSync(join(fresh, name)).equals(readFileSync(join(dist, name))))
    const extra = committed.filter((name) => !expected.includes(name))
    if (differing.length || extra.length) {
      console.error('static/dist/ does not match frontend/src: run `make bundle` and commit.')
      console.error('  differs: ' + [...differing, ...extra].join(', '))
      process.exit(1)
    }
    console.log('static/dist/ matches its sources')
    const problems = compressedProblems()
    if (problems.length) {
      console.error('the compressed copies of static/ are not up to date: run `make bundle` and commit.')
      console.error('  ' + problems.join(', '))
      process.exit(1)
    }
    console.log('the compressed copies of static/ are up to date')
  } finally {
    rmSync(fresh, { recursive: true, force: true })
  }
} else {
  rmSync(dist, { recursive: true, force: true })
  await build(dist)
  console.log('built ' + files(dist).map((name) => join('static/dist', name)).join(', '))
  console.log('compressed (.br, .gz) ' + writeCompressed().map((name) => join('static', name)).join(', '))
}

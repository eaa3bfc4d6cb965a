// Build the writing room's bundle into static/dist/ (committed, so running Binôme needs no Node).
//   node build.mjs          write static/dist/
//   node build.mjs --check  rebuild elsewhere and fail if static/dist/ differs from its sources
import * as esbuild from 'esbuild'
import { copyFileSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

const here = new URL('.', import.meta.url).pathname
const dist = join(here, '..', 'static', 'dist')
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

if (process.argv.includes('--check')) {
  const fresh = mkdtempSync(join(tmpdir(), 'binome-dist-'))
  try {
    await build(fresh)
    const expected = files(fresh)
    const committed = files(dist)
    const differing = expected.filter((name) => !committed.includes(name) ||
      !readFileSync(join(fresh, name)).equals(readFileSync(join(dist, name))))
    const extra = committed.filter((name) => !expected.includes(name))
    if (differing.length || extra.length) {
      console.error('static/dist/ does not match frontend/src: run `make bundle` and commit.')
      console.error('  differs: ' + [...differing, ...extra].join(', '))
      process.exit(1)
    }
    console.log('static/dist/ matches its sources')
  } finally {
    rmSync(fresh, { recursive: true, force: true })
  }
} else {
  rmSync(dist, { recursive: true, force: true })
  await build(dist)
  console.log('built ' + files(dist).map((name) => join('static/dist', name)).join(', '))
}

// Binôme's service worker (served at /sw.js): the pupils' pages keep working without the network.
// - Pages: from the network first. A page the server marks « Binome-Offline: keep » (a pupil's own
//   room and home) is kept and served from here when the network fails; a page never kept gets a
//   short French notice instead of the browser's error page. Teachers' pages are never kept.
// - /static/ files with a hash in their name never change: from here first. Other static files:
//   from the network first, the kept copy when it fails.
// - The dictation's audio, once heard (the page asks): the whole file is kept and the player's
//   Range requests are answered from it.
// - Signing in or out forgets the kept pages and audio: never another pupil's room on a shared
//   tablet. (Edits not yet sent stay in IndexedDB, under the pupil's own name, until they are.)
// Nothing else goes through here: API answers, the room's state and sockets go to the network.
const STATIC_CACHE = 'binome-static-v1'
const PAGES_CACHE = 'binome-pages-v1'
const HASHED = /\.[0-9a-f]{12}(\.[A-Za-z0-9]+)$/
const SIGN_IN_OR_OUT = /^\/(deconnexion(\/partout)?|connexion|classe\/[^/]+\/[^/]+)$/
const OFFLINE_PAGE = 'Cette page n’est pas gardée sur la tablette.</p><p>Quand le réseau revient, recharge la page.'
const NO_SIGN_IN_OR_OUT = 'La connexion ou la déconnexion n’a pas pu se faire : le serveur ne l’a pas reçue.</p>' +
  '<p>Quand le réseau revient, recommence.'

function notice (text) {
  const html = '<!doctype html><html lang="fr"><head><meta charset="utf-8">' +
    '<meta name="viewport" content="width=device-width, initial-scale=1"><title>Pas de réseau — Binôme</title></head>' +
    '<body style="font: 1.25rem/1.5 sans-serif; margin: 2rem; color: #1a1a1a">' +
    '<h1>Pas de réseau</h1><p>' + text + '</p></body></html>'
  return new Response(html, { status: 503, headers: { 'content-type': 'text/html; charset=utf-8' } })
}

self.addEventListener('install', () => self.skipWaiting())

self.addEventListener('activate', (event) => {
  event.waitUntil((async () => {
    for (const name of await caches.keys()) {
      if (name !== STATIC_CACHE && name !== PAGES_CACHE) await caches.delete(name)
    }
    await self.clients.claim()
  })())
})

self.addEventListener('fetch', (event) => {
  const request = event.request
  const url = new URL(request.url)
  if (url.origin !== self.location.origin) return
  if (request.method === 'POST' && SIGN_IN_OR_OUT.test(url.pathname)) {
    event.waitUntil(caches.delete(PAGES_CACHE))
    // without the network the server never heard it: say so, rather than the browser's error page
    event.respondWith(fetch(request).catch(() => notice(NO_SIGN_IN_OR_OUT)))
    return
  }
  if (request.method !== 'GET') return
  if (request.mode === 'navigate') event.respondWith(page(event))
  else if (url.pathname.startsWith('/static/')) event.respondWith(staticFile(event, url))
  else if (url.pathname.startsWith('/media/')) event.respondWith(media(request))
})

async function page (event) {
  const request = event.request
  const key = request.url.split('#')[0]
  const cache = await caches.open(PAGES_CACHE)
  let response
  try {
    response = await fetch(request)
  } catch (error) {
    return (await cache.match(key)) || notice(OFFLINE_PAGE)
  }
  if (response.ok && response.headers.get('Binome-Offline') === 'keep') {
    event.waitUntil(cache.put(key, response.clone()))
  } else if (response.status >= 500) { // the server or the school's proxy is down: as if offline
    return (await cache.match(key)) || response
  } else if (response.type === 'opaqueredirect' || response.redirected || response.status === 401 || response.status === 403) {
    // signed out (here or everywhere), or no more this pupil's: nothing kept may come back
    event.waitUntil(caches.delete(PAGES_CACHE))
  } else {
    event.waitUntil(cache.delete(key)) // moved, gone: the old copy must not come back
  }
  return response
}

function unhashed (pathname) {
  return pathname.replace(HASHED, '$1')
}

async function keepStatic (cache, url, response) {
  if (HASHED.test(url.pathname)) { // the other versions of this file are of no use any more
    for (const old of await cache.keys()) {
      const path = new URL(old.url).pathname
      if (path !== url.pathname && unhashed(path) === unhashed(url.pathname)) await cache.delete(old)
    }
  }
  await cache.put(url.href, response)
}

async function staticFile (event, url) {
  const cache = await caches.open(STATIC_CACHE)
  if (HASHED.test(url.pathname)) {
    const kept = await cache.match(url.href, { ignoreVary: true })
    if (kept) return kept
  }
  let response
  try {
    response = await fetch(event.request)
  } catch (error) {
    const kept = await cache.match(url.href, { ignoreVary: true })
    if (kept) return kept
    throw error
  }
  if (response.status === 200) event.waitUntil(keepStatic(cache, url, response.clone()))
  return response
}

async function media (request) {
  const kept = await (await caches.open(PAGES_CACHE)).match(request.url.split('#')[0], { ignoreVary: true })
  return kept ? ranged(kept, request.headers.get('range')) : fetch(request)
}

// A kept whole file, or the part of it a Range header asks for (the audio player seeks with them).
async function ranged (response, range) {
  const blob = await response.blob()
  const size = blob.size
  const type = response.headers.get('content-type') || blob.type
  const asked = /^bytes=(\d*)-(\d*)$/.exec((range || '').trim())
  if (!asked || (asked[1] === '' && asked[2] === '')) {
    return new Response(blob, { status: 200, headers: { 'content-type': type, 'content-length': String(size), 'accept-ranges': 'bytes' } })
  }
  let start = Number(asked[1])
  let end = asked[2] === '' ? size - 1 : Math.min(Number(asked[2]), size - 1)
  if (asked[1] === '') { // the last N bytes
    start = Math.max(0, size - Number(asked[2]))
    end = size - 1
  }
  if (start >= size || start > end) {
    return new Response(null, { status: 416, headers: { 'content-range': `bytes */${size}` } })
  }
  return new Response(blob.slice(start, end + 1), {
    status: 206,
    headers: {
      'content-type': type,
      'content-length': String(end - start + 1),
      'content-range': `bytes ${start}-${end}/${size}`,
      'accept-ranges': 'bytes'
    }
  })
}

// The page asks: keep this page (loaded before the worker was there), these static files, this audio.
self.addEventListener('message', (event) => {
  const data = event.data || {}
  if (data.type !== 'keep') return
  event.waitUntil(keep(data).then((kept) => event.source && event.source.postMessage({ type: 'kept', ...kept })))
})

function ours (href, prefix) {
  try {
    const url = new URL(href, self.location.origin)
    return url.origin === self.location.origin && url.pathname.startsWith(prefix) ? url : null
  } catch (error) {
    return null
  }
}

async function keep ({ page: pageUrl, files, audio }) {
  const kept = { page: false, files: 0, audio: 0 }
  try {
    const pages = await caches.open(PAGES_CACHE)
    const statics = await caches.open(STATIC_CACHE)
    const pageAt = pageUrl && ours(pageUrl, '/')
    if (pageAt) {
      const response = await fetch(pageAt.href.split('#')[0], { credentials: 'same-origin' })
      if (response.ok && response.headers.get('Binome-Offline') === 'keep') {
        await pages.put(pageAt.href.split('#')[0], response)
        kept.page = true
      }
    }
    for (const href of files || []) {
      const url = ours(href, '/static/')
      if (!url || await statics.match(url.href, { ignoreVary: true })) continue
      const response = await fetch(url.href) // from the browser's own cache, most often
      if (response.status === 200) { await keepStatic(statics, url, response); kept.files += 1 }
    }
    for (const href of audio || []) {
      const url = ours(href, '/media/')
      if (!url || await pages.match(url.href)) { kept.audio += url ? 1 : 0; continue }
      const response = await fetch(url.href, { credentials: 'same-origin' }) // the whole file
      if (response.status === 200) { await pages.put(url.href, response); kept.audio += 1 }
    }
  } catch (error) { /* the network went away meanwhile: kept next time */ }
  return kept
}

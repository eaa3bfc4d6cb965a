// The pupils' pages keep working without the network: register the service worker (static/js/sw.js,
// served at /sw.js), have it keep this page and its files when it was not there yet to see them
// pass, and keep the dictation's audio once it has been heard.
// When done, <html data-offline="ready"> (and data-offline-audio="kept" for the audio).
(function () {
  if (!('serviceWorker' in navigator)) return
  const root = document.documentElement
  const firstVisit = !navigator.serviceWorker.controller

  function staticFiles () {
    return performance.getEntriesByType('resource').map((entry) => entry.name)
      .filter((name) => new URL(name).origin === location.origin && new URL(name).pathname.startsWith('/static/'))
  }

  function tell (message) {
    return navigator.serviceWorker.ready.then((registration) => {
      const worker = navigator.serviceWorker.controller || registration.active
      if (worker) worker.postMessage(message)
    })
  }

  navigator.serviceWorker.addEventListener('message', (event) => {
    const data = event.data || {}
    if (data.type !== 'kept') return
    if (data.audio) root.dataset.offlineAudio = 'kept'
    else root.dataset.offline = 'ready'
  })
  navigator.serviceWorker.register('/sw.js', { scope: '/' }).catch(() => { root.dataset.offline = 'unavailable' })

  function keepPage () {
    tell({ type: 'keep', page: firstVisit ? location.href : null, files: staticFiles() })
  }
  if (document.readyState === 'complete') keepPage()
  else window.addEventListener('load', keepPage)

  // A kept page shown without the network says so (the room says it in its own light).
  function offlineNotice () {
    const main = document.querySelector('main')
    let notice = document.querySelector('[data-offline-notice]')
    if (navigator.onLine || !main || document.getElementById('room')) {
      if (notice) notice.remove()
      return
    }
    if (notice) return
    notice = document.createElement('p')
    notice.className = 'notice offline-notice'
    notice.setAttribute('role', 'status')
    notice.dataset.offlineNotice = ''
    notice.textContent = 'Pas de réseau : tu vois la page gardée sur la tablette.'
    main.prepend(notice)
  }
  window.addEventListener('online', offlineNotice)
  window.addEventListener('offline', offlineNotice)
  offlineNotice()

  document.querySelectorAll('[data-player] audio').forEach((audio) => {
    audio.addEventListener('play', () => tell({ type: 'keep', audio: [audio.currentSrc || audio.src] }), { once: true })
  })
})()

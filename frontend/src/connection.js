// The room's connection: WebSocket first, HTTP when a proxy blocks it, and the light that says
// how it goes. Permanent close codes stop it (4409, a normal end, waits for the text to reopen);
// others retry with jittered back-off.
import { WebsocketProvider } from 'y-websocket'
import { HttpProvider } from './http-provider.js'
import { closeMessage, isPermanent } from './messages.js'

const FRENCH_PLURAL = new Intl.PluralRules('fr') // 0 and 1 are singular in French

// `room`: { root, config, $, ydoc, writer, confirmations, presence, editor, agreement }.
export function createConnection (room) {
  const { root, config, $, ydoc, writer } = room
  const statusBox = $('[data-connection]')
  let provider = null
  let permanentlyClosed = false
  let attempts = 0
  let everOpened = false
  let reconnectTimer = null

  function showConnection (state, text, detail = '') {
    statusBox.dataset.state = state
    statusBox.querySelector('[data-text]').textContent = text
    const more = statusBox.querySelector('[data-waiting]')
    more.textContent = detail
    more.hidden = !detail
    root.dataset.link = state
  }

  function describe () {
    if (permanentlyClosed) return
    const { confirmations } = room
    const { outcome } = room.agreement
    const count = confirmations.waiting
    const counted = FRENCH_PLURAL.select(count) === 'one'
      ? `${count} changement attend le réseau.`
      : `${count} changements attendent le réseau.`
    root.dataset.waiting = String(count)
    if (confirmations.dead || !navigator.onLine) {
      showConnection('offline', 'Pas de réseau : ton texte est gardé sur la tablette.', count ? counted : '')
    } else if (provider && provider.synced && outcome.finished) {
      showConnection('done', 'Connecté : votre texte est terminé, il ne change plus.')
    } else if (provider && provider.synced && provider instanceof HttpProvider) {
      showConnection('connected', 'Connecté (connexion de secours, sans WebSocket)')
    } else if (provider && provider.synced) {
      showConnection(count ? 'saving' : 'connected', count ? 'Connecté : enregistrement…' : 'Connecté : tout est enregistré')
    } else if (attempts > 0 || everOpened) {
      showConnection('reconnecting', 'Reconnexion…', count ? counted : '')
    } else {
      showConnection('connecting', 'Connexion…')
    }
  }

  // Jittered exponential back-off, so that a whole class does not reconnect in the same instant.
  function backoff () {
    const base = Math.min(30000, 500 * 2 ** Math.min(attempts, 6))
    return base / 2 + Math.random() * base / 2
  }

  // 4409 (closed to writing: paused, ended, published) is a normal end, not a failure: the light
  // says so without red, and who was here stays as it was.
  async function closedForGood (code, reason) {
    permanentlyClosed = true
    clearTimeout(reconnectTimer)
    let message = closeMessage(code)
    let state = null
    if (code === 4409) {
      room.presence.frozen = true
      try {
        state = await (await fetch(config.state, { credentials: 'same-origin' })).json()
        if (state.message) message = state.message
      } catch (error) { /* keep the generic message */ }
    }
    room.editor.setEditable(false)
    if (state && state.post) {
      room.agreement.outcome.show(state.post)
      showConnection('done', 'Ton texte est terminé : il ne change plus.')
    } else {
      showConnection(code === 4409 ? 'paused' : 'closed', message)
    }
    if (code === 4409) waitForReopening(state)
    root.dataset.closeCode = String(code)
    if (reason) root.dataset.closeReason = reason
  }

  // A text the teacher paused (or whose time has not come) may open again, a text sent to the
  // teacher may be published or sent back: ask now and then, and follow by ourselves.
  function waitForReopening (last) {
    setTimeout(async () => {
      const { outcome } = room.agreement
      let state = last
      try {
        state = await (await fetch(config.state, { credentials: 'same-origin' })).json()
        if (state.status === 'open' && !state.message && state.writable && !writer) {
          window.location.reload() // a page built for reading (opened while closed): the writer's page, with why
          return
        }
        if (state.status === 'open' && !state.message) {
          const wasFinished = outcome.finished
          permanentlyClosed = false
          room.presence.frozen = false
          delete root.dataset.closeCode
          if (wasFinished) outcome.reopen(null)
          room.editor.setEditable(writer)
          attempts = 0
          provider.connect()
          describe()
          return
        }
        if (state.post) outcome.show(state.post)
      } catch (error) { /* try again later */ }
      if (!(state && state.post && !state.post.submitted)) waitForReopening(state) // published: nothing more to wait for
    }, 3000 + Math.random() * 3000)
  }

  function useWebSocket () {
    const ws = new WebsocketProvider(config.socket, config.doc, ydoc, {
      connect: false,
      disableBc: true,
      // Every server close comes to us: permanent codes stop, others retry with jitter.
      shouldReconnect: () => false
    })
    room.confirmations.attach(ws)
    ws.on('status', ({ status }) => {
      if (status === 'connected') {
        everOpened = true
        attempts = 0
      }
      describe()
    })
    ws.on('sync', describe)
    ws.on('closed', ({ code, reason }) => {
      if (isPermanent(code)) {
        closedForGood(code, reason)
        return
      }
      scheduleReconnect()
    })
    ws.on('connection-error', () => {
      if (!everOpened && attempts >= 2 && config.sync && navigator.onLine) switchToHttp()
    })
    return ws
  }

  function scheduleReconnect () {
    attempts += 1
    describe()
    clearTimeout(reconnectTimer)
    if (!everOpened && attempts >= 3 && config.sync && navigator.onLine) { // offline is not a blocking proxy
      switchToHttp()
      return
    }
    reconnectTimer = setTimeout(() => { if (!permanentlyClosed) provider.connect() }, backoff())
  }

  function switchToHttp () {
    if (provider instanceof HttpProvider || permanentlyClosed) return
    const awarenessState = provider.awareness.getLocalState()
    provider.destroy()
    room.confirmations.detach()
    provider = new HttpProvider(config.sync, ydoc, { csrf: config.csrf })
    provider.awareness.setLocalState(awarenessState)
    room.presence.wire(provider)
    provider.on('status', describe)
    provider.on('sync', (synced) => {
      if (synced) room.confirmations.confirmAll()
      describe()
    })
    provider.on('closed', ({ code, reason }) => closedForGood(code, reason))
    root.dataset.transport = 'http'
    provider.connect()
    room.editor.attach()
  }

  // A probe left unanswered: the socket is dead even if the browser thinks it is open.
  function watchProbes () {
    setInterval(() => {
      if (!(provider instanceof WebsocketProvider) || permanentlyClosed || !room.confirmations.overdue()) return
      provider.disconnect() // the stock local close (no 'closed' event): we reconnect ourselves
      scheduleReconnect()
    }, 500)
  }

  window.addEventListener('online', () => {
    describe()
    if (!permanentlyClosed && provider && (room.confirmations.dead || !provider.synced)) {
      clearTimeout(reconnectTimer)
      if (provider instanceof WebsocketProvider) provider.disconnect() // a socket opened while offline may hang
      provider.connect()
    }
  })
  window.addEventListener('offline', describe)

  return {
    get provider () { return provider },
    get permanentlyClosed () { return permanentlyClosed },
    // The WebSocket provider, made (not connected yet) once the tablet's kept edits are back.
    open () {
      provider = useWebSocket()
      return provider
    },
    isHttp: () => provider instanceof HttpProvider,
    describe,
    closedForGood,
    watchProbes
  }
}

// The pupils' writing room: one Y.Text ("text") shared live through the stock y-websocket
// provider, edited in CodeMirror 6 with the partner's cursor; edits are kept in IndexedDB so that
// a reload or a lost connection loses nothing; « On est d'accord » publishes when both agree.
// When WebSockets are blocked (some school proxies), the same messages go over HTTP.
// A probe (sync step 1, answered by the server's step 2 once what came before is durable)
// every few seconds notices a dead network at once and counts the edits it has not confirmed.
import * as Y from 'yjs'
import { WebsocketProvider } from 'y-websocket'
import { IndexeddbPersistence } from 'y-indexeddb'
import { yCollab } from 'y-codemirror.next'
import { EditorState, Compartment } from '@codemirror/state'
import { EditorView, keymap, placeholder } from '@codemirror/view'
import { defaultKeymap } from '@codemirror/commands'
import { HttpProvider } from './http-provider.js'
import { closeMessage, isPermanent } from './messages.js'
import { Confirmations } from './confirmations.js'
import { Outcome } from './outcome.js'

const root = document.getElementById('room')
const config = JSON.parse(root.dataset.room)
const $ = (selector) => root.querySelector(selector)
const me = config.members.find((m) => m.id === config.me) || { id: config.me, name: 'Moi', colour: '#0072B2' }
const writer = config.access === 'write'

// -- the document, kept on the tablet until the server has it --------------------------------

const ydoc = new Y.Doc()
const ytext = ydoc.getText('text')
const local = writer ? new IndexeddbPersistence(`binome:${config.me}:${config.doc}`, ydoc) : null

// -- connection: WebSocket first, HTTP when a proxy blocks it ----------------------------------

const statusBox = $('[data-connection]')
let provider = null
let permanentlyClosed = false
let attempts = 0
let everOpened = false
let reconnectTimer = null
let presenceFrozen = false // closed as a normal end (4409): who was here stays as it was

const confirmations = new Confirmations(ydoc, () => describe(), writer ? `binome:waiting:${config.me}:${config.doc}` : null)

function showConnection (state, text, detail = '') {
  statusBox.dataset.state = state
  statusBox.querySelector('[data-text]').textContent = text
  const more = statusBox.querySelector('[data-waiting]')
  more.textContent = detail
  more.hidden = !detail
  root.dataset.link = state
}

const FRENCH_PLURAL = new Intl.PluralRules('fr') // 0 and 1 are singular in French

function describe () {
  if (permanentlyClosed) return
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
    presenceFrozen = true
    try {
      state = await (await fetch(config.state, { credentials: 'same-origin' })).json()
      if (state.message) message = state.message
    } catch (error) { /* keep the generic message */ }
  }
  setEditable(false)
  if (state && state.post) {
    outcome.show(state.post)
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
        presenceFrozen = false
        delete root.dataset.closeCode
        if (wasFinished) outcome.reopen(null)
        setEditable(writer)
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
  confirmations.attach(ws)
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
  confirmations.detach()
  provider = new HttpProvider(config.sync, ydoc, { csrf: config.csrf })
  provider.awareness.setLocalState(awarenessState)
  wireCommon(provider)
  provider.on('status', describe)
  provider.on('sync', (synced) => {
    if (synced) confirmations.confirmAll()
    describe()
  })
  provider.on('closed', ({ code, reason }) => closedForGood(code, reason))
  root.dataset.transport = 'http'
  provider.connect()
  attachEditor()
}

window.addEventListener('online', () => {
  describe()
  if (!permanentlyClosed && provider && (confirmations.dead || !provider.synced)) {
    clearTimeout(reconnectTimer)
    if (provider instanceof WebsocketProvider) provider.disconnect() // a socket opened while offline may hang
    provider.connect()
  }
})
window.addEventListener('offline', describe)

// -- awareness: name, colour, role ------------------------------------------------------------

const roleKey = `binome-role:${config.doc}`
const defaultRole = config.members.length && config.members[0].id === config.me ? 'dicte' : 'tape'
let myRole = sessionStorage.getItem(roleKey) || defaultRole

function wireCommon (p) {
  p.awareness.setLocalStateField('user', { name: me.name, color: me.colour, colorLight: me.colour + '33', id: me.id })
  p.awareness.setLocalStateField('role', myRole)
  p.awareness.on('change', ({ updated, added }) => {
    const states = p.awareness.getStates()
    for (const id of [...added, ...updated]) {
      if (id === ydoc.clientID) continue
      const state = states.get(id) || {}
      // the room's state (agreement, the teacher's message) comes from the server's own client id only
      if (id === config.presence && state.binome) showRoomState(state.binome)
      // two pupils: when my partner takes my role, I take the other one
      if (state.user && state.user.id !== config.me && config.members.length === 2 && state.role === myRole) {
        setRole(myRole === 'dicte' ? 'tape' : 'dicte', false)
      }
    }
    showPresence(p)
  })
  p.awareness.on('update', () => showPresence(p))
}

function setRole (role, announce = true) {
  myRole = role
  sessionStorage.setItem(roleKey, role)
  if (announce || provider) provider.awareness.setLocalStateField('role', role)
  root.dataset.role = role
  const label = $('[data-role-label]') // only where there is a recording to dictate from
  if (label) label.textContent = role === 'dicte' ? 'Je dicte' : 'Je tape'
  const player = document.querySelector('[data-player]')
  if (player) player.closest('[data-player-box]').dataset.forRole = role
}

function showPresence (p) {
  if (presenceFrozen) return
  const list = $('[data-presence]')
  const here = new Set()
  for (const [id, state] of p.awareness.getStates()) {
    if (state.user && id !== ydoc.clientID) here.add(state.user.id)
  }
  list.innerHTML = ''
  for (const member of config.members) {
    const item = document.createElement('li')
    const present = member.id === config.me || here.has(member.id)
    item.className = present ? 'present' : 'absent'
    item.style.setProperty('--colour', member.colour)
    item.textContent = member.id === config.me ? member.name + ' (moi)' : member.name
    item.title = present ? 'connecté' : 'pas connecté'
    list.appendChild(item)
  }
}

// -- the editor ----------------------------------------------------------------------------------

const editable = new Compartment()
let view = null

function attachEditor () {
  if (view) view.destroy()
  const undoManager = new Y.UndoManager(ytext)
  view = new EditorView({
    parent: $('[data-editor]'),
    state: EditorState.create({
      doc: ytext.toString(),
      extensions: [
        keymap.of(defaultKeymap),
        EditorView.lineWrapping,
        EditorView.contentAttributes.of({ 'aria-label': 'Notre texte', spellcheck: 'false', autocorrect: 'off', autocapitalize: 'sentences' }),
        placeholder(writer ? 'Écrivez ici votre texte…' : ''),
        editable.of(editableExtensions(writer && !permanentlyClosed)),
        yCollab(ytext, provider.awareness, { undoManager })
      ]
    })
  })
}

function editableExtensions (on) {
  return [EditorView.editable.of(on), EditorState.readOnly.of(!on)]
}

function setEditable (on) {
  if (view) view.dispatch({ effects: editable.reconfigure(editableExtensions(on)) })
  if (agreeButton) agreeButton.disabled = !on
}

ydoc.on('update', (update, origin) => {
  if (local && origin === local) {
    confirmations.restored() // what this tablet kept: the changes that were still waiting
  } else if (origin !== provider) {
    // the HTTP fallback confirms by its own requests (as before): counted only while it is not synced
    confirmations.edited(provider instanceof HttpProvider && provider.synced)
    markMyAgreementStale()
  }
  describe()
})

// -- « On est d'accord » ---------------------------------------------------------------------

let roomState = { agreed: [], members: config.members.map((m) => m.id), published: false, post: null }
const agreeButton = $('[data-agree]')
const agreeNote = $('[data-agree-note]')

function markMyAgreementStale () {
  if (roomState.agreed.length && !outcome.finished) showRoomState({ ...roomState, agreed: [] })
}

let lastMessageAt = 0

function showTeacherMessage (message) {
  if (!message || message.at <= lastMessageAt) return
  lastMessageAt = message.at
  const box = $('[data-teacher-message]')
  box.querySelector('[data-teacher-text]').textContent = message.text
  box.hidden = false
}

function showRoomState (state) {
  showTeacherMessage(state.message)
  roomState = state
  const list = $('[data-agreements]')
  list.innerHTML = ''
  for (const member of config.members) {
    const item = document.createElement('li')
    const agreed = state.agreed.includes(member.id)
    item.dataset.agreed = String(agreed)
    item.textContent = (member.id === config.me ? 'Moi' : member.name) + (agreed ? ' : d’accord ✓' : ' : pas encore')
    list.appendChild(item)
  }
  root.dataset.agreed = state.agreed.join(',')
  if (agreeButton) {
    const mine = state.agreed.includes(config.me)
    agreeButton.setAttribute('aria-pressed', String(mine))
    agreeButton.textContent = mine ? 'Je suis d’accord ✓' : 'On est d’accord'
  }
  if (state.published) outcome.show(outcome.postOf(state))
  else if (outcome.finished && !permanentlyClosed) outcome.reopen(state.returned)
  if (state.returned) outcome.showReturned(state.returned)
}

// Sent, published, sent back: the outcome's box says it; the room stops or starts writing.
const outcome = new Outcome(root, config, {
  closed (post) {
    roomState = { ...roomState, published: true, post: post && post.id, submitted: !!(post && post.submitted) }
    setEditable(false)
    // everyone agreed; the button and its hints are done
    $('[data-agreements]').querySelectorAll('li').forEach((item, i) => {
      const member = config.members[i]
      item.dataset.agreed = 'true'
      item.textContent = (member.id === config.me ? 'Moi' : member.name) + ' : d’accord ✓'
    })
    agreeNote.textContent = ''
    if (agreeButton) agreeButton.hidden = true
    describe()
  },
  reopened () {
    if (agreeButton) {
      agreeButton.hidden = false
      agreeButton.disabled = false
    }
    setEditable(writer)
    describe()
  }
})

async function agree () {
  agreeNote.textContent = ''
  // just typed: the server confirms within a moment (a probe answer)
  if (provider && provider.synced && !confirmations.dead) await confirmations.whenConfirmed(3000)
  if (!provider || !provider.synced || confirmations.waiting > 0) {
    agreeNote.textContent = 'Attends que le voyant soit vert (tout est enregistré), puis réessaie.'
    return
  }
  agreeButton.disabled = true
  try {
    const version = btoa(String.fromCharCode(...Y.encodeStateVector(ydoc)))
    const response = await fetch(config.agree, {
      method: 'POST',
      credentials: 'same-origin',
      headers: { 'content-type': 'application/json', 'x-csrf-token': config.csrf },
      body: JSON.stringify({ version })
    })
    const answer = await response.json()
    if (!response.ok) {
      agreeNote.textContent = answer.error || 'Ça n’a pas marché. Réessaie.'
    } else {
      if (answer.post) {
        outcome.show(answer.post)
      } else {
        showRoomState({ ...roomState, agreed: answer.agreed })
        agreeNote.textContent = 'C’est noté. Quand ton binôme sera d’accord aussi, le texte sera envoyé.'
      }
    }
  } catch (error) {
    agreeNote.textContent = 'Le serveur ne répond pas. Réessaie dans un instant.'
  } finally {
    if (!root.dataset.published) agreeButton.disabled = false
  }
}

// -- reading comfort ---------------------------------------------------------------------------

function comfort (name) {
  const box = $(`[data-comfort="${name}"]`)
  const key = `binome-${name}`
  const apply = (on) => {
    document.body.classList.toggle(name, on)
    box.setAttribute('aria-pressed', String(on))
  }
  apply(localStorage.getItem(key) === '1')
  box.addEventListener('click', () => {
    const on = box.getAttribute('aria-pressed') !== 'true'
    localStorage.setItem(key, on ? '1' : '0')
    apply(on)
  })
}

// -- start ---------------------------------------------------------------------------------------

async function start () {
  comfort('dyslexic-font')
  comfort('large-text')
  if (local) await local.whenSynced // edits not sent before a reload come back first
  provider = useWebSocket()
  wireCommon(provider)
  setRole(myRole, false)
  attachEditor()
  showPresence(provider)
  showRoomState(roomState)
  if (agreeButton) agreeButton.addEventListener('click', agree)
  const swap = $('[data-swap]')
  if (swap) swap.addEventListener('click', () => setRole(myRole === 'dicte' ? 'tape' : 'dicte'))
  $('[data-teacher-message] button').addEventListener('click', () => { $('[data-teacher-message]').hidden = true })
  setInterval(() => {
    if (!(provider instanceof WebsocketProvider) || permanentlyClosed || !confirmations.overdue()) return
    provider.disconnect() // the stock local close (no 'closed' event): we reconnect ourselves
    scheduleReconnect()
  }, 500)
  const showPlayer = $('[data-show-player]')
  if (showPlayer) showPlayer.addEventListener('click', () => showPlayer.closest('[data-player-box]').classList.toggle('show'))
  if (config.closed) {
    closedForGood(4409, '')
  } else {
    provider.connect()
  }
  describe()
  window.binomeRoom = { ydoc, ytext, get provider () { return provider }, get view () { return view } }
  root.dataset.ready = 'true'
}

start()

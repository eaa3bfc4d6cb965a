// The pupils' writing room: one Y.Text ("text") shared live through the stock y-websocket
// provider, edited in CodeMirror 6 with the partner's cursor; edits are kept in IndexedDB so that
// a reload or a lost connection loses nothing; « On est d'accord » publishes when both agree.
// When WebSockets are blocked (some school proxies), the same messages go over HTTP.
// A probe (sync step 1, answered by the server's step 2 once what came before is durable)
// every few seconds notices a dead network at once and counts the edits it has not confirmed.
//
// This module puts the room together; each part has its module: connection.js (WebSocket,
// HTTP fallback, the light), presence.js (names, colours, roles), editor.js (CodeMirror),
// agreement.js (« On est d'accord » and the outcome), confirmations.js (what the server has),
// comfort.js (reading comfort). They share one `room` object.
import * as Y from 'yjs'
import { IndexeddbPersistence } from 'y-indexeddb'
import { Confirmations } from './confirmations.js'
import { createConnection } from './connection.js'
import { createPresence } from './presence.js'
import { createEditor } from './editor.js'
import { createAgreement } from './agreement.js'
import { comfort } from './comfort.js'

const root = document.getElementById('room')
const config = JSON.parse(root.dataset.room)
const $ = (selector) => root.querySelector(selector)
const me = config.members.find((m) => m.id === config.me) || { id: config.me, name: 'Moi', colour: '#0072B2' }
const writer = config.access === 'write'

// -- the document, kept on the tablet until the server has it --------------------------------

const ydoc = new Y.Doc()
const ytext = ydoc.getText('text')
const local = writer ? new IndexeddbPersistence(`binome:${config.me}:${config.doc}`, ydoc) : null

const room = { root, config, $, me, writer, ydoc, ytext }
room.confirmations = new Confirmations(ydoc, () => room.connection.describe(), writer ? `binome:waiting:${config.me}:${config.doc}` : null)
room.connection = createConnection(room)
room.presence = createPresence(room)
room.editor = createEditor(room)
room.agreement = createAgreement(room)

ydoc.on('update', (update, origin) => {
  const { provider } = room.connection
  if (local && origin === local) {
    room.confirmations.restored() // what this tablet kept: the changes that were still waiting
  } else if (origin !== provider) {
    // the HTTP fallback confirms by its own requests (as before): counted only while it is not synced
    room.confirmations.edited(room.connection.isHttp() && provider.synced)
    room.agreement.markMyAgreementStale()
  }
  room.connection.describe()
})

// -- start ---------------------------------------------------------------------------------------

async function start () {
  const { presence, editor, agreement, connection } = room
  comfort(root, 'dyslexic-font')
  comfort(root, 'large-text')
  if (local) await local.whenSynced // edits not sent before a reload come back first
  const provider = connection.open()
  presence.wire(provider)
  presence.setRole(presence.role, false)
  editor.attach()
  presence.show(provider)
  agreement.showRoomState(agreement.state)
  if (agreement.button) agreement.button.addEventListener('click', agreement.agree)
  const swap = $('[data-swap]')
  if (swap) swap.addEventListener('click', () => presence.setRole(presence.role === 'dicte' ? 'tape' : 'dicte'))
  $('[data-teacher-message] button').addEventListener('click', () => { $('[data-teacher-message]').hidden = true })
  connection.watchProbes()
  const showPlayer = $('[data-show-player]')
  if (showPlayer) showPlayer.addEventListener('click', () => showPlayer.closest('[data-player-box]').classList.toggle('show'))
  if (config.closed) {
    connection.closedForGood(4409, '')
  } else {
    provider.connect()
  }
  connection.describe()
  window.binomeRoom = { ydoc, ytext, get provider () { return connection.provider }, get view () { return editor.view } }
  root.dataset.ready = 'true'
}

start()

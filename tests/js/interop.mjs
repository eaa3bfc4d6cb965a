// The stock y-websocket client under Node, editing alongside a Python client.
// Usage: node interop.mjs WS_BASE DOC_ID TOKEN
// Prints one JSON line per event on stdout: {"event": "synced"|"done", "text": ...}.
import WebSocket from 'ws'
import * as Y from 'yjs'
import { WebsocketProvider } from 'y-websocket'

const [base, docId, token] = process.argv.slice(2)
const doc = new Y.Doc()
const text = doc.getText('text')
const provider = new WebsocketProvider(base, docId, doc, {
  WebSocketPolyfill: WebSocket,
  params: { token },
  disableBc: true
})
const say = (event, extra = {}) => console.log(JSON.stringify({ event, text: text.toString(), ...extra }))
const timer = setTimeout(() => { say('timeout'); process.exit(2) }, 20000)

provider.on('connection-close', (event) => {
  if (event && event.code >= 4400 && event.code < 4500) { say('refused', { code: event.code }); process.exit(3) }
})

provider.once('sync', () => {
  say('synced')
  provider.awareness.setLocalStateField('user', { name: 'Zoé', color: '#ff9800' })
  text.insert(text.length, 'Salut de Node ! ')
  text.observe(() => {
    if (text.toString().endsWith('Fin.')) {
      const others = [...provider.awareness.getStates().entries()]
        .filter(([id]) => id !== doc.clientID)
        .map(([, state]) => state)
      say('done', { others })
      clearTimeout(timer)
      provider.destroy()
      setTimeout(() => process.exit(0), 200)
    }
  })
})

// The stock y-websocket client replaying a recorded editing trace at full speed (no pause between
// transactions: one update message each, as fast as Yjs makes them).
// Usage: node replay.mjs WS_BASE DOC_ID TOKEN TRACE.json.gz [LIMIT]
// Prints JSON lines on stdout: {"event": "synced"}, then {"event": "sent", "txns": n, "text": ...} once
// every message has left the socket's buffer; {"event": "closed", "code": c} if the server closes.
// It stays connected until its stdin closes.
import fs from 'node:fs'
import zlib from 'node:zlib'
import WebSocket from 'ws'
import * as Y from 'yjs'
import { WebsocketProvider } from 'y-websocket'

const [base, docId, token, tracePath, limitArg] = process.argv.slice(2)
const trace = JSON.parse(zlib.gunzipSync(fs.readFileSync(tracePath)))
const txns = trace.txns.slice(0, limitArg ? Number(limitArg) : trace.txns.length)
const doc = new Y.Doc()
const text = doc.getText('text')
const provider = new WebsocketProvider(base, docId, doc, {
  WebSocketPolyfill: WebSocket,
  params: { token },
  disableBc: true
})
const say = (event, extra = {}) => console.log(JSON.stringify({ event, ...extra }))

let leaving = false
provider.on('connection-close', (event) => { if (!leaving) say('closed', { code: event ? event.code : null }) })

provider.once('sync', () => {
  say('synced')
  for (const txn of txns) {
    doc.transact(() => {
      for (const [position, deleted, inserted] of txn.patches) {
        if (deleted) text.delete(position, deleted)
        if (inserted) text.insert(position, inserted)
      }
    })
  }
  const drained = () => {
    if (provider.ws && provider.ws.bufferedAmount === 0) {
      say('sent', { txns: txns.length, text: text.toString() })
    } else {
      setTimeout(drained, 50)
    }
  }
  drained()
})

process.stdin.on('data', () => {})
process.stdin.on('end', () => {
  leaving = true
  provider.destroy()
  setTimeout(() => process.exit(0), 100)
})

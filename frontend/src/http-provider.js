// The same y-websocket messages (sync step 1/2, updates, awareness) over plain HTTP, for school
// networks whose proxy blocks WebSockets: POST sends our frames, a long-polling GET brings the
// server's. Same permission checks on the server; same events as WebsocketProvider
// ('status', 'sync', 'closed') so that the room page treats both alike.
import * as encoding from 'lib0/encoding'
import * as decoding from 'lib0/decoding'
import { ObservableV2 } from 'lib0/observable'
import * as syncProtocol from 'y-protocols/sync'
import * as awarenessProtocol from 'y-protocols/awareness'

const MESSAGE_SYNC = 0
const MESSAGE_AWARENESS = 1
const MESSAGE_QUERY_AWARENESS = 3

export class HttpProvider extends ObservableV2 {
  constructor (url, doc, { csrf }) {
    super()
    this.url = url
    this.doc = doc
    this.csrf = csrf
    this.awareness = new awarenessProtocol.Awareness(doc)
    this.session = null
    this.synced = false
    this.shouldConnect = false
    this.outbox = []
    this.flushing = null
    this.failures = 0
    this._onUpdate = (update, origin) => {
      if (origin === this) return
      const encoder = encoding.createEncoder()
      encoding.writeVarUint(encoder, MESSAGE_SYNC)
      syncProtocol.writeUpdate(encoder, update)
      this.send(encoding.toUint8Array(encoder))
    }
    this._onAwareness = ({ added, updated, removed }, origin) => {
      if (origin === this) return
      this.send(this.awarenessFrame([...added, ...updated, ...removed]))
    }
    doc.on('update', this._onUpdate)
    this.awareness.on('update', this._onAwareness)
  }

  awarenessFrame (clients) {
    const encoder = encoding.createEncoder()
    encoding.writeVarUint(encoder, MESSAGE_AWARENESS)
    encoding.writeVarUint8Array(encoder, awarenessProtocol.encodeAwarenessUpdate(this.awareness, clients))
    return encoding.toUint8Array(encoder)
  }

  async connect () {
    if (this.shouldConnect) return
    this.shouldConnect = true
    this.emit('status', [{ status: 'connecting' }])
    while (this.shouldConnect) {
      try {
        if (this.session === null) await this.open()
        await this.poll()
        this.failures = 0
      } catch (error) {
        if (error.code) {
          this.stop(error.code, error.reason)
          return
        }
        this.setSynced(false)
        this.session = null
        this.failures += 1
        this.emit('status', [{ status: 'disconnected' }])
        const base = Math.min(30000, 500 * 2 ** Math.min(this.failures, 6))
        await new Promise((resolve) => setTimeout(resolve, base / 2 + Math.random() * base / 2))
      }
    }
  }

  async open () {
    const response = await this.request('POST', this.url, null)
    this.session = (await response.json()).session
    this.emit('status', [{ status: 'connected' }])
    const encoder = encoding.createEncoder()
    encoding.writeVarUint(encoder, MESSAGE_SYNC)
    syncProtocol.writeSyncStep1(encoder, this.doc)
    this.send(encoding.toUint8Array(encoder))
    if (this.awareness.getLocalState() !== null) this.send(this.awarenessFrame([this.doc.clientID]))
  }

  async poll () {
    const response = await this.request('GET', `${this.url}/${this.session}`, null)
    const frames = decoding.createDecoder(new Uint8Array(await response.arrayBuffer()))
    while (decoding.hasContent(frames)) this.receive(decoding.readVarUint8Array(frames))
  }

  receive (frame) {
    const decoder = decoding.createDecoder(frame)
    const type = decoding.readVarUint(decoder)
    if (type === MESSAGE_SYNC) {
      const encoder = encoding.createEncoder()
      encoding.writeVarUint(encoder, MESSAGE_SYNC)
      const kind = syncProtocol.readSyncMessage(decoder, encoder, this.doc, this)
      if (encoding.length(encoder) > 1) this.send(encoding.toUint8Array(encoder))
      if (kind === syncProtocol.messageYjsSyncStep2) this.setSynced(true)
    } else if (type === MESSAGE_AWARENESS) {
      awarenessProtocol.applyAwarenessUpdate(this.awareness, decoding.readVarUint8Array(decoder), this)
    } else if (type === MESSAGE_QUERY_AWARENESS) {
      this.send(this.awarenessFrame(Array.from(this.awareness.getStates().keys())))
    }
  }

  setSynced (state) {
    if (this.synced !== state) {
      this.synced = state
      this.emit('sync', [state])
    }
  }

  send (frame) {
    this.outbox.push(frame)
    if (!this.flushing) this.flushing = Promise.resolve().then(() => this.flush())
  }

  async flush () {
    try {
      while (this.outbox.length && this.session !== null) {
        const frames = this.outbox.splice(0, 200) // the server takes at most 256 frames a request
        const encoder = encoding.createEncoder()
        for (const frame of frames) encoding.writeVarUint8Array(encoder, frame)
        try {
          await this.request('POST', `${this.url}/${this.session}`, encoding.toUint8Array(encoder))
        } catch (error) {
          this.outbox.unshift(...frames) // kept: sent again after reconnecting
          if (error.code) this.stop(error.code, error.reason)
          return
        }
      }
    } finally {
      this.flushing = null
    }
  }

  async request (method, url, body) {
    const response = await fetch(url, {
      method,
      body,
      credentials: 'same-origin',
      headers: { 'x-csrf-token': this.csrf, 'content-type': 'application/octet-stream' }
    })
    if (response.ok) return response
    let answer = {}
    try { answer = await response.json() } catch (error) { /* not JSON */ }
    const failure = new Error(answer.error || `HTTP ${response.status}`)
    if (answer.close_code >= 4400 && answer.close_code < 4500) {
      failure.code = answer.close_code
      failure.reason = answer.detail || ''
    }
    throw failure
  }

  stop (code, reason) {
    this.shouldConnect = false
    this.session = null
    this.setSynced(false)
    this.emit('closed', [{ code, reason }, this])
  }

  disconnect () {
    this.shouldConnect = false
  }

  destroy () {
    this.disconnect()
    this.doc.off('update', this._onUpdate)
    this.awareness.off('update', this._onAwareness)
    this.awareness.destroy()
  }
}

// What the server has confirmed, for the pupils' room. Every local change counts one; a sync
// step 1 sent after it and answered (the server answers in order, and only with what is
// durable) confirms it. Such a probe goes every PROBE_EVERY ms, and soon after an edit; no
// answer within PROBE_TIMEOUT means the network is dead, whatever navigator.onLine says.
import * as decoding from 'lib0/decoding'
import * as encoding from 'lib0/encoding'
import * as syncProtocol from 'y-protocols/sync'

const MESSAGE_SYNC = 0 // y-websocket's message type for the sync protocol
export const PROBE_EVERY = 2000
export const PROBE_TIMEOUT = 4000

export class Confirmations {
  // `storageKey`: where the count of changes waiting is kept on the tablet, so that a page
  // reloaded offline still counts the changes its IndexedDB holds for the server.
  constructor (ydoc, onChange, storageKey = null) {
    this.ydoc = ydoc
    this.onChange = onChange
    this.storageKey = storageKey
    this.restoredOnce = false
    this.provider = null // the WebsocketProvider being watched
    this.edits = 0 // local changes made on this tablet
    this.confirmed = 0 // ...of which the server confirmed this many
    this.probes = [] // sync steps 1 sent and not answered yet: { seq, at }
    this.lastProbeAt = 0
    this.soon = null
    this.dead = false
    this.waiters = []
  }

  get waiting () {
    return this.edits - this.confirmed
  }

  save () {
    if (!this.storageKey) return
    try { window.localStorage.setItem(this.storageKey, String(this.waiting)) } catch (error) { /* private mode */ }
  }

  // The changes kept on the tablet came back (IndexedDB, after a reload): they count as what
  // was still waiting when the page was left, not as one change.
  restored () {
    if (this.restoredOnce || !this.storageKey) return
    this.restoredOnce = true
    let kept = 0
    try { kept = Number(window.localStorage.getItem(this.storageKey)) || 0 } catch (error) { /* private mode */ }
    this.edits += Math.max(0, kept)
  }

  // Watch a stock WebsocketProvider: its step 2 answers our oldest step 1; after it answered the
  // server's step 1 (our edits made meanwhile go with that answer), ask for a confirmation.
  attach (provider) {
    this.provider = provider
    const handleSync = provider.messageHandlers[MESSAGE_SYNC]
    provider.messageHandlers[MESSAGE_SYNC] = (encoder, decoder, p, emitSynced, type) => {
      const step = decoding.peekVarUint(decoder)
      handleSync(encoder, decoder, p, emitSynced, type)
      if (step === syncProtocol.messageYjsSyncStep2) this.answered()
      else if (step === syncProtocol.messageYjsSyncStep1) setTimeout(() => this.probe(), 0)
    }
    provider.on('status', ({ status }) => {
      // the stock client sends a step 1 on opening, before our edits: its answer confirms nothing new
      this.probes = status === 'connected' ? [{ seq: this.confirmed, at: Date.now() }] : []
      this.lastProbeAt = Date.now()
    })
  }

  detach () {
    this.provider = null
    this.probes = []
    this.dead = false
  }

  // A local change; `sent` when a transport other than the WebSocket already confirmed it.
  edited (sent = false) {
    this.edits += 1
    if (sent) this.confirmed = this.edits
    else if (!this.probes.length && !this.soon) this.soon = setTimeout(() => this.probe(), 250)
    this.save()
  }

  confirmAll () {
    this.confirmed = this.edits
    this.save()
    this.settle()
  }

  probe () {
    clearTimeout(this.soon)
    this.soon = null
    const p = this.provider
    const ws = p ? p.ws : null
    if (!ws || !p.wsconnected || ws.readyState !== WebSocket.OPEN || this.probes.length) return
    const encoder = encoding.createEncoder()
    encoding.writeVarUint(encoder, MESSAGE_SYNC)
    syncProtocol.writeSyncStep1(encoder, this.ydoc)
    ws.send(encoding.toUint8Array(encoder))
    this.probes.push({ seq: this.edits, at: Date.now() })
    this.lastProbeAt = Date.now()
  }

  answered () {
    const probe = this.probes.shift()
    if (probe) this.confirmed = Math.max(this.confirmed, probe.seq)
    this.save()
    this.dead = false
    this.settle()
    this.onChange()
    if (this.waiting > 0 && !this.probes.length) this.probe()
  }

  // Called every half second: true when the oldest probe went unanswered too long (a room that
  // loads while a whole class arrives may take longer to answer the first time).
  overdue () {
    const p = this.provider
    if (!p) return false
    const timeout = p.synced ? PROBE_TIMEOUT : 3 * PROBE_TIMEOUT
    if (this.probes.length && Date.now() - this.probes[0].at > timeout) {
      this.dead = true
      return true
    }
    if (!this.probes.length && Date.now() - this.lastProbeAt >= PROBE_EVERY) this.probe()
    return false
  }

  // Resolves true once the server confirmed every change made so far, false after `ms`.
  whenConfirmed (ms) {
    if (this.waiting === 0) return Promise.resolve(true)
    if (!this.probes.length) this.probe()
    return new Promise((resolve) => {
      const waiter = { resolve }
      waiter.timer = setTimeout(() => {
        this.waiters.splice(this.waiters.indexOf(waiter), 1)
        resolve(false)
      }, ms)
      this.waiters.push(waiter)
    })
  }

  settle () {
    if (this.waiting > 0) return
    for (const waiter of this.waiters.splice(0)) {
      clearTimeout(waiter.timer)
      waiter.resolve(true)
    }
  }
}

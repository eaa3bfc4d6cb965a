// The teacher's live dashboard: one socket for the whole task (the class feed), one card per
// pair, redrawn when the feed says the pair changed (at most ~10 times a second).
(function () {
  const root = document.getElementById('dashboard')
  if (!root) return
  const config = JSON.parse(root.dataset.config)
  const grid = root.querySelector('[data-grid]')
  const template = root.querySelector('template[data-card]')
  const status = root.querySelector('[data-connection]')
  const errorBox = root.querySelector('[data-error]')
  const IDLE_SECONDS = 120
  const DRAFTS = { 2: 'deuxième jet', 3: 'troisième jet', 4: 'quatrième jet' }
  // A text's state and its words come with each card (collab/states.py names them, once).
  const WRITABLE = ['writing', 'sent_back']
  const LOCKABLE = ['not_open', 'writing', 'sent_back', 'paused']
  const cards = new Map() // doc id -> { element, pair }
  let clockOffset = 0 // server time - our time
  let attempts = 0
  let openedAt = null // server time of the first snapshot

  function say (state, text) {
    status.dataset.state = state
    status.querySelector('[data-text]').textContent = text
  }

  function fail (message) {
    errorBox.textContent = message
    errorBox.hidden = !message
  }

  function url (pattern, doc) {
    return pattern.replace('DOC', encodeURIComponent(doc))
  }

  async function post (target, fields) {
    const body = new URLSearchParams({ csrf: config.csrf, ...fields })
    const response = await fetch(target, { method: 'POST', body, credentials: 'same-origin', headers: { accept: 'application/json' } })
    if (!response.ok) {
      let message = 'L’action a échoué.'
      try { message = (await response.json()).error || message } catch (error) { /* not JSON */ }
      throw new Error(message)
    }
  }

  function card (pair) {
    let entry = cards.get(pair.doc)
    if (!entry) {
      const element = template.content.firstElementChild.cloneNode(true)
      element.dataset.doc = pair.doc
      element.querySelector('[data-open]').href = url(config.room, pair.doc)
      element.querySelector('[data-replay]').href = url(config.replay, pair.doc)
      element.querySelector('[data-lock]').addEventListener('click', async () => {
        const action = entry.pair.state === 'paused' ? 'unlock' : 'lock'
        try { await post(url(config.lockOne, pair.doc), { action }) } catch (error) { fail(error.message) }
      })
      element.querySelector('[data-message-form]').addEventListener('submit', async (event) => {
        event.preventDefault()
        const input = event.target.querySelector('input')
        try {
          await post(url(config.message, pair.doc), { text: input.value })
          input.value = ''
          fail('')
        } catch (error) { fail(error.message) }
      })
      grid.appendChild(element)
      entry = { element, pair }
      cards.set(pair.doc, entry)
    }
    const { keep, add, ...changed } = pair // updates carry only what changes
    if (add !== undefined) {
      // the text's first `keep` characters (code points, as the server counts them) stay
      changed.text = Array.from(entry.pair.text || '').slice(0, keep).join('') + add
    }
    entry.pair = { ...entry.pair, ...changed }
    draw(entry)
  }

  function draw ({ element, pair }) {
    const now = Date.now() / 1000 + clockOffset
    const names = window.binomeWords.joinList(pair.members.map((m) => m.name))
    element.dataset.state = pair.state
    const draft = pair.draft > 1 ? ' (' + (DRAFTS[pair.draft] || 'jet n° ' + pair.draft) + ')' : ''
    element.querySelector('[data-names]').textContent = 'Binôme ' + pair.pair + draft + ' : ' + names
    const state = element.querySelector('[data-state]')
    state.className = 'tag state-' + pair.state
    state.textContent = pair.label
    state.title = pair.hint
    const presence = element.querySelector('[data-presence]')
    presence.innerHTML = ''
    for (const member of pair.members) {
      const item = document.createElement('li')
      const here = pair.connected.includes(member.id)
      item.className = here ? 'present' : 'absent'
      item.style.setProperty('--colour', member.colour)
      item.textContent = member.name + (pair.agreed.includes(member.id) ? ' ✓' : '')
      item.title = here ? 'connecté' : 'pas connecté'
      presence.appendChild(item)
    }
    const text = element.querySelector('[data-open]')
    const atEnd = text.scrollTop + text.clientHeight >= text.scrollHeight - 4
    text.querySelector('[data-text]').textContent = pair.text || '…'
    if (atEnd) text.scrollTop = text.scrollHeight
    element.querySelector('[data-words]').textContent = window.binomeWords.count(pair.words, 'mot', 'mots')
    element.querySelector('[data-progress]').textContent = pair.progress
      ? pair.progress.matched + ' / ' + pair.progress.total + ' mots de la dictée'
      : ''
    const last = pair.members.find((m) => m.id === pair.last_author)
    element.querySelector('[data-last]').textContent = pair.last_edit
      ? 'dernier : ' + (last ? last.name : '?') + ', ' + window.binomeWords.ago(pair.last_edit, now)
      : 'pas encore écrit'
    const activity = element.querySelector('[data-activity]')
    const peak = Math.max(1, ...pair.activity)
    activity.innerHTML = ''
    for (const count of pair.activity) {
      const bar = document.createElement('span')
      bar.style.height = (100 * count / peak) + '%'
      activity.appendChild(bar)
    }
    // idle or away: no edit for 2 minutes (since the dashboard opened, for a pair not started)
    const since = pair.last_edit === null ? openedAt : pair.last_edit
    const flagged = WRITABLE.includes(pair.state) && now - since > IDLE_SECONDS
    element.classList.toggle('idle', flagged)
    element.querySelector('[data-flag]').hidden = !flagged
    const lock = element.querySelector('[data-lock]')
    lock.textContent = pair.state === 'paused' ? lock.dataset.resume : lock.dataset.pause
    lock.disabled = !LOCKABLE.includes(pair.state)
  }

  function connect () {
    const socket = new WebSocket(config.feed)
    socket.addEventListener('open', () => { attempts = 0 })
    socket.addEventListener('message', (event) => {
      const message = JSON.parse(event.data)
      clockOffset = message.now - Date.now() / 1000
      if (openedAt === null) openedAt = message.now
      if (message.type === 'snapshot') {
        grid.innerHTML = ''
        cards.clear()
      }
      message.pairs.forEach(card)
      say('connected', 'En direct')
      root.dataset.updates = String(Number(root.dataset.updates || 0) + 1)
    })
    socket.addEventListener('close', (event) => {
      if (event.code >= 4400 && event.code < 4500) {
        say('closed', event.code === 4403 ? 'Ce tableau n’est pas celui de votre classe.' : 'Connexion refusée (' + event.code + ').')
        return
      }
      attempts += 1
      say('reconnecting', 'Reconnexion…')
      const base = Math.min(30000, 500 * 2 ** Math.min(attempts, 6))
      setTimeout(connect, base / 2 + Math.random() * base / 2)
    })
  }

  root.querySelectorAll('[data-lock-all]').forEach((button) => {
    button.addEventListener('click', async () => {
      try { await post(config.lockAll, { action: button.dataset.lockAll }) } catch (error) { fail(error.message) }
    })
  })
  root.querySelector('[data-end]').addEventListener('click', async () => {
    if (!window.confirm('Terminer la tâche ? Plus personne ne pourra écrire ; les textes sans accord des deux ne sont pas publiés.')) return
    try { await post(config.end, {}) } catch (error) { fail(error.message) }
  })
  // "2 minutes without activity" changes with time alone: redraw every few seconds.
  setInterval(() => cards.forEach(draw), 5000)
  connect()
})()

// The administrators' live page: the same figures again every few seconds (counts only).
(function () {
  const root = document.getElementById('live')
  if (!root) return
  const every = Number(root.dataset.refresh) || 3000
  const status = root.querySelector('[data-status]')
  const statusText = root.querySelector('[data-status-text]')

  function say (state, text) {
    status.dataset.state = state
    statusText.textContent = text
  }

  function fillRefusals (list, refusals) {
    const items = refusals.length ? refusals : [null]
    list.replaceChildren(...items.map(function (r) {
      const li = document.createElement('li')
      if (!r) {
        li.textContent = 'aucun'
        return li
      }
      const count = document.createElement('strong')
      count.textContent = String(r.count)
      li.append(r.label + ' : ', count)
      return li
    }))
  }

  function show (figures) {
    for (const school of figures.schools) {
      const row = root.querySelector('tr[data-school="' + school.id + '"]')
      if (!row) continue
      for (const field of ['pupils_writing', 'rooms', 'connections']) {
        row.querySelector('[data-field="' + field + '"]').textContent = String(school[field])
      }
      fillRefusals(row.querySelector('[data-field="refused"]'), school.refused)
    }
    for (const key of ['count', 'max_ms', 'p99_ms']) {
      root.querySelector('[data-commits="' + key + '"]').textContent = String(figures.commits[key])
    }
    if (figures.totals) {
      for (const key of ['rooms', 'connections']) {
        const cell = root.querySelector('[data-total="' + key + '"]')
        if (cell) cell.textContent = String(figures.totals[key])
      }
      const list = root.querySelector('[data-total="refused"]')
      if (list) fillRefusals(list, figures.totals.refused)
    }
  }

  async function refresh () {
    if (document.hidden) { // nobody looks: ask again once the tab is shown
      document.addEventListener('visibilitychange', refresh, { once: true })
      return
    }
    try {
      const response = await fetch(root.dataset.url, { credentials: 'same-origin', headers: { accept: 'application/json' } })
      if (response.status === 401 || response.status === 403) {
        say('closed', 'Vous n\u2019êtes plus connecté : rechargez la page.')
        return
      }
      if (!response.ok) throw new Error('HTTP ' + response.status)
      show(await response.json())
      const now = new Date()
      say('connected', 'À jour à ' + now.toLocaleTimeString('fr-FR'))
    } catch (error) {
      say('reconnecting', 'Serveur injoignable : nouvel essai dans quelques secondes')
    }
    setTimeout(refresh, every)
  }

  setTimeout(refresh, every)
})()

// Replay of how a pair's text was written: the server sends each step of the update log as the
// characters kept ("r"), inserted ("i") and deleted ("d"), with author and time; this page
// rebuilds every intermediate text exactly and colours each pupil's characters. Choosing one
// pupil shows only what they wrote (the others' characters fade) and plays only their steps.
(function () {
  const root = document.getElementById('replay')
  if (!root) return
  const words = window.binomeWords // static/js/words.js: French plurals, as the server writes them
  const $ = (selector) => root.querySelector(selector)
  const slider = $('[data-slider]')
  const textBox = $('[data-text]')
  const CHECKPOINT = 250 // keep the text every N steps, so that seeking stays fast
  let steps = []
  let colours = {}
  let checkpoints = []
  let position = 0
  let chars = [] // [character, author] of the text after `position` steps
  let speed = 1
  let playing = null
  let chosen = '' // the author shown alone ('' for everyone)
  let members = []

  function apply (state, step) {
    let pos = 0
    for (const [kind, value] of step.ops) {
      if (kind === 'r') pos += value
      else if (kind === 'i') {
        const inserted = Array.from(value, (c) => [c, step.author])
        state.splice(pos, 0, ...inserted)
        pos += inserted.length
      } else state.splice(pos, value)
    }
  }

  function seek (target) {
    const base = Math.min(Math.floor(target / CHECKPOINT), checkpoints.length - 1)
    chars = checkpoints[base].slice()
    for (let i = base * CHECKPOINT; i < target; i++) apply(chars, steps[i])
    position = target
    draw()
  }

  function draw () {
    textBox.innerHTML = ''
    let run = null
    for (const [c, author] of chars) {
      if (!run || run.dataset.author !== String(author)) {
        run = document.createElement('span')
        run.dataset.author = String(author)
        const mine = chosen === '' || String(author) === chosen
        run.className = chosen === '' ? '' : (mine ? 'chosen' : 'faded')
        run.style.setProperty('--colour', colours[author] || '#1d2433')
        textBox.appendChild(run)
      }
      run.textContent += c
    }
    slider.value = String(position)
    $('[data-position]').textContent = String(position)
    const step = steps[position - 1]
    $('[data-when]').textContent = step ? step.when : 'début'
    root.dataset.position = String(position)
    root.dataset.text = chars.map((entry) => entry[0]).join('')
  }

  function byChosen (step) {
    return chosen === '' || String(step.author) === chosen
  }

  function tick () {
    // with one pupil chosen, the others' steps pass at once: each tick is one of theirs
    while (position < steps.length && !byChosen(steps[position])) {
      apply(chars, steps[position])
      position += 1
    }
    if (position >= steps.length) { draw(); stop(); return }
    apply(chars, steps[position])
    position += 1
    draw()
    const next = steps[position]
    // the real pauses between steps, divided by the speed, never longer than 1 s
    const gap = next ? Math.min(1, Math.max(0, next.at - steps[position - 1].at)) * 1000 / speed : 0
    playing = setTimeout(tick, gap)
  }

  function stop () {
    clearTimeout(playing)
    playing = null
    $('[data-play]').textContent = 'Lecture'
  }

  $('[data-play]').addEventListener('click', () => {
    if (playing) { stop(); return }
    if (position >= steps.length) seek(0)
    $('[data-play]').textContent = 'Pause'
    tick()
  })
  root.querySelectorAll('[data-speed]').forEach((button) => {
    button.addEventListener('click', () => {
      speed = Number(button.dataset.speed)
      root.querySelectorAll('[data-speed]').forEach((b) => b.setAttribute('aria-pressed', String(b === button)))
    })
  })
  slider.addEventListener('input', () => { stop(); seek(Number(slider.value)) })

  function summarise () {
    const summary = $('[data-summary]')
    const member = members.find((m) => String(m.id) === chosen)
    if (!member) { summary.textContent = ''; return }
    let count = 0
    let typed = 0
    for (const step of steps) {
      if (String(step.author) !== chosen) continue
      count += 1
      for (const [kind, value] of step.ops) if (kind === 'i') typed += Array.from(value).length
    }
    summary.textContent = count
      ? member.name + ' : ' + words.count(count, 'étape', 'étapes') + ', ' +
        words.count(typed, 'caractère tapé', 'caractères tapés') + '. Les autres caractères sont en gris.'
      : member.name + ' n’a rien écrit dans ce texte.'
  }

  root.querySelectorAll('[data-author]').forEach((button) => {
    button.addEventListener('click', () => {
      chosen = button.dataset.author
      root.dataset.author = chosen
      root.querySelectorAll('[data-author]').forEach((b) => b.setAttribute('aria-pressed', String(b === button)))
      summarise()
      draw()
    })
  })

  fetch(root.dataset.url, { credentials: 'same-origin' }).then((r) => r.json()).then((data) => {
    steps = data.steps
    members = data.members
    colours = Object.fromEntries(data.members.map((m) => [m.id, m.colour]))
    const state = []
    checkpoints = [state.slice()]
    steps.forEach((step, i) => {
      apply(state, step)
      if ((i + 1) % CHECKPOINT === 0) checkpoints.push(state.slice())
    })
    slider.max = String(steps.length)
    $('[data-count]').textContent = String(steps.length)
    seek(steps.length)
    root.dataset.ready = 'true'
  }).catch(() => {
    $('[data-error]').textContent = 'Impossible de charger l’historique du texte.'
    $('[data-error]').hidden = false
  })
})()

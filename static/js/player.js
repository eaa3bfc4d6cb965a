// The listening player: big buttons instead of the browser's small controls, slow speed,
// back 5 s, and replay by phrase (each phrase stops by itself at its end).
// Keys: Space play/pause, ← back 5 s, 1–9 a phrase, → next phrase, R replay, L slow/normal;
// inside a text field the same keys with Alt, so that typing is never taken over.
(function () {
  const BACK_SECONDS = 5

  function clock (seconds) {
    const s = Math.max(0, Math.floor(seconds || 0))
    return Math.floor(s / 60) + ':' + String(s % 60).padStart(2, '0')
  }

  function setUp (root) {
    const audio = root.querySelector('audio')
    const starts = JSON.parse(root.dataset.segments || '[]')
    const ends = JSON.parse(root.dataset.ends || '[]')
    const play = root.querySelector('[data-action="play"]')
    const label = play.querySelector('[data-label]')
    const bar = root.querySelector('[data-bar]')
    const time = root.querySelector('[data-time]')
    const total = root.querySelector('[data-duration]')
    const phrase = root.querySelector('[data-phrase]')
    const phraseButtons = Array.from(root.querySelectorAll('[data-segment]'))
    let current = -1 // the phrase being played or last played
    let stopAt = null // end of the phrase being played, in seconds

    audio.controls = false
    root.querySelectorAll('div[hidden], p[hidden], details[hidden]').forEach((el) => { el.hidden = false })

    function show () {
      label.textContent = audio.paused ? 'Écouter' : 'Pause'
      play.querySelector('[data-icon="play"]').toggleAttribute('hidden', !audio.paused)
      play.querySelector('[data-icon="pause"]').toggleAttribute('hidden', audio.paused)
      play.setAttribute('aria-pressed', String(!audio.paused))
      time.textContent = clock(audio.currentTime)
      if (Number.isFinite(audio.duration)) {
        total.textContent = clock(audio.duration)
        bar.style.width = (100 * audio.currentTime / audio.duration) + '%'
      }
      phraseButtons.forEach((button, i) => button.classList.toggle('current', i === current))
      phrase.textContent = current >= 0 && starts.length > 1
        ? ' — phrase ' + (current + 1) + ' sur ' + starts.length
        : ''
      root.dataset.state = audio.paused ? 'paused' : 'playing'
      root.dataset.current = String(current)
    }

    function phraseAt (seconds) {
      let found = 0
      starts.forEach((start, i) => { if (seconds >= start) found = i })
      return found
    }

    // Stop at the end of a phrase: timeupdate comes only every ~250 ms, so watch each frame.
    function watch () {
      if (stopAt !== null && audio.currentTime >= stopAt) {
        audio.pause()
        audio.currentTime = stopAt
        stopAt = null
      }
      if (!audio.paused) requestAnimationFrame(watch)
      show()
    }

    function playPhrase (i) {
      if (i < 0 || i >= starts.length) return
      current = i
      stopAt = ends[i]
      audio.currentTime = starts[i]
      audio.play().catch(() => {})
    }

    function toggle () {
      if (audio.paused) {
        stopAt = null
        if (audio.ended) audio.currentTime = 0
        audio.play().catch(() => {})
      } else {
        audio.pause()
      }
    }

    function back () {
      audio.currentTime = Math.max(0, audio.currentTime - BACK_SECONDS)
      show()
    }

    function setRate (rate) {
      audio.playbackRate = rate
      audio.defaultPlaybackRate = rate
      root.querySelectorAll('[data-rate]').forEach((b) => {
        b.setAttribute('aria-pressed', String(Number(b.dataset.rate) === rate))
      })
    }

    play.addEventListener('click', toggle)
    root.querySelector('[data-action="back"]').addEventListener('click', back)
    root.querySelectorAll('[data-rate]').forEach((b) => {
      b.addEventListener('click', () => setRate(Number(b.dataset.rate)))
    })
    phraseButtons.forEach((b) => b.addEventListener('click', () => playPhrase(Number(b.dataset.segment))))
    audio.addEventListener('play', () => requestAnimationFrame(watch))
    audio.addEventListener('timeupdate', () => {
      if (stopAt === null && !audio.paused) current = phraseAt(audio.currentTime)
      show()
    })
    ;['pause', 'ended', 'loadedmetadata', 'seeked'].forEach((e) => audio.addEventListener(e, show))

    document.addEventListener('keydown', (event) => {
      const target = event.target
      const typing = target.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(target.tagName)
      if (typing !== event.altKey || event.ctrlKey || event.metaKey) return
      if (!typing && target.tagName === 'BUTTON' && (event.key === ' ' || event.key === 'Enter')) return
      // Digits by their place (AZERTY needs Shift for them), letters by their meaning,
      // or by their place when Alt changes what they type.
      const place = (event.code || '').match(/^(?:Digit|Numpad)([1-9])$/)
      const letter = (event.code || '').match(/^Key([A-Z])$/)
      const key = event.altKey && letter ? letter[1].toLowerCase()
        : (event.key.length === 1 ? event.key.toLowerCase() : event.key)
      if (place) playPhrase(Number(place[1]) - 1)
      else if (key === ' ' || key === 'k') toggle()
      else if (key === 'ArrowLeft' || key === 'j') back()
      else if (key === 'ArrowRight' || key === 'n') playPhrase(current + 1)
      else if (key === 'r') playPhrase(Math.max(current, 0))
      else if (key === 'l') setRate(audio.playbackRate < 1 ? 1 : 0.75)
      else return
      event.preventDefault()
    })

    root.player = { playPhrase, toggle, back, setRate }
    show()
  }

  document.querySelectorAll('[data-player]').forEach(setUp)
})()

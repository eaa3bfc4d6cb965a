// Recording a dictation in the browser (MediaRecorder): pause and resume, a level meter, the
// elapsed time, no length limit; the recording is listened to, named, then kept (« Garder cet
// enregistrement ») in the médiathèque through the ordinary upload form. Nothing is lost on a
// failed save: the teacher can try again or download the file; a new take over one not kept yet,
// or « Effacer et recommencer », asks first (a dialog in the page).
(function () {
  const root = document.getElementById('recorder')
  if (!root) return
  const $ = (selector) => root.querySelector(selector)
  const startButton = $('[data-rec="start"]')
  const pauseButton = $('[data-rec="pause"]')
  const stopButton = $('[data-rec="stop"]')
  const saveButton = $('[data-rec="save"]')
  const discardButton = $('[data-rec="discard"]')
  const elapsedText = $('[data-elapsed]')
  const level = $('[data-level]')
  const statusText = $('[data-status]')
  const errorText = $('[data-error]')
  const done = $('[data-done]')
  const preview = $('[data-preview]')
  const download = $('[data-download]')
  const replaceDialog = $('[data-replace]')
  const nameInput = $('[data-name]')

  const TYPES = ['audio/webm;codecs=opus', 'audio/ogg;codecs=opus', 'audio/mp4', 'audio/webm']
  let recorder = null
  let stream = null
  let audioContext = null
  let chunks = []
  let recording = null // the finished Blob, until it is saved
  let elapsedBefore = 0 // milliseconds recorded before the last resume
  let resumedAt = null
  let ticker = null

  root.hidden = false

  function fail (message) {
    errorText.textContent = message
    errorText.hidden = !message
  }

  function clock (ms) {
    const s = Math.floor(ms / 1000)
    return Math.floor(s / 60) + ':' + String(s % 60).padStart(2, '0')
  }

  function elapsed () {
    return elapsedBefore + (resumedAt === null ? 0 : performance.now() - resumedAt)
  }

  function buttons (state) {
    root.dataset.state = state
    startButton.disabled = state === 'recording' || state === 'paused'
    pauseButton.disabled = !(state === 'recording' || state === 'paused')
    stopButton.disabled = !(state === 'recording' || state === 'paused')
    pauseButton.querySelector('span').textContent = state === 'paused' ? 'Reprendre' : 'Pause'
    startButton.querySelector('span').textContent = state === 'stopped' ? 'Nouvel enregistrement' : 'Enregistrer'
    done.hidden = state !== 'stopped'
  }

  if (!window.isSecureContext) {
    fail("L'enregistrement demande une adresse sécurisée (https://). Demandez-la à l'administrateur, " +
      'ou déposez un fichier son enregistré ailleurs.')
    startButton.disabled = true
    return
  }
  if (!navigator.mediaDevices || !navigator.mediaDevices.getUserMedia || !window.MediaRecorder) {
    fail("Ce navigateur ne sait pas enregistrer. Essayez avec Firefox ou Chrome, ou déposez un fichier son.")
    startButton.disabled = true
    return
  }

  function meter (source) {
    const analyser = audioContext.createAnalyser()
    analyser.fftSize = 1024
    source.connect(analyser)
    const samples = new Float32Array(analyser.fftSize)
    function draw () {
      if (!audioContext || audioContext.state === 'closed') return
      analyser.getFloatTimeDomainData(samples)
      let sum = 0
      for (const v of samples) sum += v * v
      const rms = Math.sqrt(sum / samples.length)
      level.style.width = (recorder && recorder.state === 'recording' ? Math.min(100, rms * 400) : 0) + '%'
      root.dataset.level = String(rms)
      requestAnimationFrame(draw)
    }
    draw()
  }

  // A take not kept yet is never thrown away without asking: `then` runs once the teacher agrees.
  let afterReplace = null
  function askBeforeReplacing (then) {
    if (!recording) { then(); return }
    afterReplace = then
    $('[data-replace-length]').textContent = clock(elapsedBefore)
    replaceDialog.returnValue = ''
    replaceDialog.showModal()
  }

  replaceDialog.addEventListener('close', () => {
    const then = afterReplace
    afterReplace = null
    if (replaceDialog.returnValue === 'replace') {
      forget()
      if (then) then()
    } else {
      nameInput.focus() // keep it: its name and « Garder cet enregistrement » are right here
    }
  })

  async function start () {
    fail('')
    try {
      stream = await navigator.mediaDevices.getUserMedia({ audio: true })
    } catch (error) {
      if (error.name === 'NotAllowedError' || error.name === 'SecurityError') {
        fail('Le micro est refusé. Autorisez le micro pour ce site (icône à gauche de l’adresse), puis réessayez.')
      } else if (error.name === 'NotFoundError' || error.name === 'OverconstrainedError') {
        fail('Aucun micro n’est branché. Branchez un micro ou un casque-micro, puis réessayez.')
      } else if (error.name === 'NotReadableError') {
        fail('Le micro est déjà utilisé par un autre logiciel. Fermez-le, puis réessayez.')
      } else {
        fail('Le micro ne répond pas (' + error.name + ').')
      }
      return
    }
    const type = TYPES.find((t) => MediaRecorder.isTypeSupported(t)) || ''
    recorder = new MediaRecorder(stream, type ? { mimeType: type } : {})
    chunks = []
    recorder.addEventListener('dataavailable', (event) => { if (event.data.size) chunks.push(event.data) })
    recorder.addEventListener('stop', finish)
    audioContext = new AudioContext()
    meter(audioContext.createMediaStreamSource(stream))
    recorder.start(1000) // a chunk a second: a long dictation never waits in one piece
    elapsedBefore = 0
    resumedAt = performance.now()
    ticker = setInterval(() => { elapsedText.textContent = clock(elapsed()) }, 250)
    statusText.textContent = 'Enregistrement en cours…'
    buttons('recording')
  }

  function pauseOrResume () {
    if (recorder.state === 'recording') {
      recorder.pause()
      elapsedBefore = elapsed()
      resumedAt = null
      statusText.textContent = 'En pause. « Reprendre » pour continuer le même enregistrement.'
      buttons('paused')
    } else if (recorder.state === 'paused') {
      recorder.resume()
      resumedAt = performance.now()
      statusText.textContent = 'Enregistrement en cours…'
      buttons('recording')
    }
  }

  function stop () {
    elapsedBefore = elapsed()
    resumedAt = null
    recorder.stop()
  }

  function finish () {
    clearInterval(ticker)
    elapsedText.textContent = clock(elapsedBefore)
    stream.getTracks().forEach((track) => track.stop())
    audioContext.close()
    recording = new Blob(chunks, { type: recorder.mimeType || 'audio/webm' })
    const url = URL.createObjectURL(recording)
    preview.src = url
    download.href = url
    download.download = 'dictee.' + extension(recording.type)
    statusText.textContent = 'Terminé (' + clock(elapsedBefore) + '). Pas encore gardé : écoutez, donnez un nom, ' +
      'puis « Garder cet enregistrement ».'
    buttons('stopped')
    nameInput.focus({ preventScroll: true })
    done.scrollIntoView({ block: 'nearest' }) // the whole next step on screen, « Garder » included
  }

  function extension (type) {
    if (type.startsWith('audio/ogg')) return 'ogg'
    if (type.startsWith('audio/mp4')) return 'm4a'
    return 'webm'
  }

  async function save () {
    fail('')
    saveButton.disabled = true
    statusText.textContent = 'Envoi en cours…'
    const body = new FormData()
    body.append('csrf', root.dataset.csrf)
    body.append('name', nameInput.value)
    body.append('shelf', $('[data-shelf]:checked').value)
    body.append('file', recording, 'dictee.' + extension(recording.type))
    try {
      const response = await fetch(root.dataset.upload, {
        method: 'POST', body, credentials: 'same-origin', headers: { accept: 'application/json' }
      })
      if (response.ok) {
        recording = null
        window.location.href = response.url
        return
      }
      let message = 'L’envoi a échoué.'
      try { message = (await response.json()).error || message } catch (error) { /* not JSON */ }
      fail(message +
        ' L’enregistrement est toujours là : réessayez ou téléchargez-le.')
    } catch (error) {
      fail('Le serveur ne répond pas. L’enregistrement est toujours là : réessayez ou téléchargez-le.')
    }
    statusText.textContent = ''
    saveButton.disabled = false
  }

  function forget () {
    recording = null
    preview.removeAttribute('src')
    elapsedText.textContent = '0:00'
    statusText.textContent = 'Prêt à enregistrer.'
    buttons('ready')
  }

  startButton.addEventListener('click', () => askBeforeReplacing(start))
  pauseButton.addEventListener('click', pauseOrResume)
  stopButton.addEventListener('click', stop)
  saveButton.addEventListener('click', save)
  discardButton.addEventListener('click', () => askBeforeReplacing(null))
  window.addEventListener('beforeunload', (event) => {
    if (recording || (recorder && recorder.state !== 'inactive')) event.preventDefault()
  })
  buttons('ready')
})()

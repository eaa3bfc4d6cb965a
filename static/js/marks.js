// The pupil's corrected text: a tablet has no hover, so each underlined word is a button. A tap,
// a click, or Enter / Space on a focused word shows what was to be written under the text.
//   <div data-annotated> … <span class="mark" title="accord : « arrivent »">arrive</span> … </div>
//   <p data-mark-explain hidden></p>
const explain = document.querySelector('[data-mark-explain]')
const marks = explain ? document.querySelectorAll('[data-annotated] .mark[title]') : []
let chosen = null

function show (mark) {
  if (chosen) {
    chosen.classList.remove('chosen')
    chosen.setAttribute('aria-expanded', 'false')
  }
  if (chosen === mark) { // a second tap closes it
    chosen = null
    explain.hidden = true
    return
  }
  chosen = mark
  mark.classList.add('chosen')
  mark.setAttribute('aria-expanded', 'true')
  const word = mark.classList.contains('missing') ? 'Un mot oublié' : `« ${mark.firstChild.textContent.trim()} »`
  explain.textContent = `${word} — ${mark.title}`
  explain.hidden = false
  explain.scrollIntoView({ block: 'nearest' }) // under a long text: bring it up to the eyes
}

for (const mark of marks) {
  mark.tabIndex = 0
  mark.setAttribute('role', 'button')
  mark.setAttribute('aria-expanded', 'false')
  mark.setAttribute('aria-controls', explain.id)
  mark.addEventListener('click', () => show(mark))
  mark.addEventListener('keydown', (event) => {
    if (event.key === 'Enter' || event.key === ' ') {
      event.preventDefault()
      show(mark)
    }
  })
}

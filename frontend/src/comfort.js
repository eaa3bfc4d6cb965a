// Reading comfort: a switch (dyslexic font, large text) remembered on the tablet.
export function comfort (root, name) {
  const box = root.querySelector(`[data-comfort="${name}"]`)
  const key = `binome-${name}`
  const apply = (on) => {
    document.body.classList.toggle(name, on)
    box.setAttribute('aria-pressed', String(on))
  }
  apply(localStorage.getItem(key) === '1')
  box.addEventListener('click', () => {
    const on = box.getAttribute('aria-pressed') !== 'true'
    localStorage.setItem(key, on ? '1' : '0')
    apply(on)
  })
}

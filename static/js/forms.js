// Behaviour the pages ask for in data attributes (no inline scripts: the Content-Security-Policy
// allows scripts from our own files only).
//   <form data-confirm="Supprimer ce fichier ?">  asks before sending the form;
//   <button data-print>                           prints the page.
document.addEventListener('submit', (event) => {
  const form = event.target
  if (form instanceof HTMLFormElement && form.dataset.confirm && !window.confirm(form.dataset.confirm)) {
    event.preventDefault()
  }
})
document.addEventListener('click', (event) => {
  const button = event.target instanceof Element ? event.target.closest('[data-print]') : null
  if (button) window.print()
})

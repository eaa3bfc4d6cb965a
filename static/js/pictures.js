// Picture password: touch (or press Enter on) three pictures in order; the form is sent
// by itself after the last one.
(function () {
  const form = document.getElementById('picture-form')
  if (!form) return
  const count = Number(form.dataset.count)
  const field = document.getElementById('pictures')
  const slots = document.querySelectorAll('#chosen .slot')
  const chosen = []

  function show () {
    slots.forEach((slot, i) => {
      slot.innerHTML = ''
      if (i < chosen.length) {
        const source = form.querySelector('.picture[data-number="' + chosen[i] + '"] svg')
        slot.appendChild(source.cloneNode(true))
      }
    })
    field.value = chosen.join(',')
  }

  form.querySelectorAll('.picture').forEach((button) => {
    button.addEventListener('click', () => {
      if (chosen.length >= count) return
      chosen.push(button.dataset.number)
      show()
      if (chosen.length === count) form.submit()
    })
  })
  document.getElementById('erase').addEventListener('click', () => {
    chosen.length = 0
    show()
  })
})()

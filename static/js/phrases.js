// The teacher's phrase editor: "take the moment heard" fills the split field from the player.
(function () {
  const take = document.querySelector('[data-take-time]')
  const audio = document.querySelector('[data-player] audio')
  if (!take || !audio) return
  take.hidden = false
  take.addEventListener('click', () => {
    document.getElementById('split-at').value = audio.currentTime.toFixed(2)
  })
})()

// Who is in the room: each pupil's name, colour and role (« Je dicte » / « Je tape ») in the
// awareness, the list of the pair's members present, and the room's own state that the server
// announces from its client id (agreement, the teacher's message).

// `room`: { root, config, $, me, ydoc, connection, agreement }.
export function createPresence (room) {
  const { root, config, $, me, ydoc } = room
  const roleKey = `binome-role:${config.doc}`
  const defaultRole = config.members.length && config.members[0].id === config.me ? 'dicte' : 'tape'
  let myRole = sessionStorage.getItem(roleKey) || defaultRole

  const presence = {
    frozen: false, // closed as a normal end (4409): who was here stays as it was
    get role () { return myRole },
    wire,
    setRole,
    show
  }

  function wire (p) {
    p.awareness.setLocalStateField('user', { name: me.name, color: me.colour, colorLight: me.colour + '33', id: me.id })
    p.awareness.setLocalStateField('role', myRole)
    p.awareness.on('change', ({ updated, added }) => {
      const states = p.awareness.getStates()
      for (const id of [...added, ...updated]) {
        if (id === ydoc.clientID) continue
        const state = states.get(id) || {}
        // the room's state (agreement, the teacher's message) comes from the server's own client id only
        if (id === config.presence && state.binome) room.agreement.showRoomState(state.binome)
        // two pupils: when my partner takes my role, I take the other one
        if (state.user && state.user.id !== config.me && config.members.length === 2 && state.role === myRole) {
          setRole(myRole === 'dicte' ? 'tape' : 'dicte', false)
        }
      }
      show(p)
    })
    p.awareness.on('update', () => show(p))
  }

  function setRole (role, announce = true) {
    const { provider } = room.connection
    myRole = role
    sessionStorage.setItem(roleKey, role)
    if (announce || provider) provider.awareness.setLocalStateField('role', role)
    root.dataset.role = role
    const label = $('[data-role-label]') // only where there is a recording to dictate from
    if (label) label.textContent = role === 'dicte' ? 'Je dicte' : 'Je tape'
    const player = document.querySelector('[data-player]')
    if (player) player.closest('[data-player-box]').dataset.forRole = role
  }

  function show (p) {
    if (presence.frozen) return
    const list = $('[data-presence]')
    const here = new Set()
    for (const [id, state] of p.awareness.getStates()) {
      if (state.user && id !== ydoc.clientID) here.add(state.user.id)
    }
    list.innerHTML = ''
    for (const member of config.members) {
      const item = document.createElement('li')
      const present = member.id === config.me || here.has(member.id)
      item.className = present ? 'present' : 'absent'
      item.style.setProperty('--colour', member.colour)
      item.textContent = member.id === config.me ? member.name + ' (moi)' : member.name
      item.title = present ? 'connecté' : 'pas connecté'
      list.appendChild(item)
    }
  }

  return presence
}

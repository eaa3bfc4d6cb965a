// « On est d'accord »: who agreed on this version, the teacher's message, and what became of the
// text (sent, published, sent back) through the outcome's box.
import * as Y from 'yjs'
import { Outcome } from './outcome.js'

// `room`: { root, config, $, ydoc, connection, confirmations, editor, writer }.
export function createAgreement (room) {
  const { root, config, $, ydoc, writer } = room
  let roomState = { agreed: [], members: config.members.map((m) => m.id), published: false, post: null }
  const agreeButton = $('[data-agree]')
  const agreeNote = $('[data-agree-note]')
  let lastMessageAt = 0

  function markMyAgreementStale () {
    if (roomState.agreed.length && !outcome.finished) showRoomState({ ...roomState, agreed: [] })
  }

  function showTeacherMessage (message) {
    if (!message || message.at <= lastMessageAt) return
    lastMessageAt = message.at
    const box = $('[data-teacher-message]')
    box.querySelector('[data-teacher-text]').textContent = message.text
    box.hidden = false
  }

  function showRoomState (state) {
    showTeacherMessage(state.message)
    roomState = state
    const list = $('[data-agreements]')
    list.innerHTML = ''
    for (const member of config.members) {
      const item = document.createElement('li')
      const agreed = state.agreed.includes(member.id)
      item.dataset.agreed = String(agreed)
      item.textContent = (member.id === config.me ? 'Moi' : member.name) + (agreed ? ' : d’accord ✓' : ' : pas encore')
      list.appendChild(item)
    }
    root.dataset.agreed = state.agreed.join(',')
    if (agreeButton) {
      const mine = state.agreed.includes(config.me)
      agreeButton.setAttribute('aria-pressed', String(mine))
      agreeButton.textContent = mine ? 'Je suis d’accord ✓' : 'On est d’accord'
    }
    if (state.published) outcome.show(outcome.postOf(state))
    else if (outcome.finished && !room.connection.permanentlyClosed) outcome.reopen(state.returned)
    if (state.returned) outcome.showReturned(state.returned)
  }

  // Sent, published, sent back: the outcome's box says it; the room stops or starts writing.
  const outcome = new Outcome(root, config, {
    closed (post) {
      roomState = { ...roomState, published: true, post: post && post.id, submitted: !!(post && post.submitted) }
      room.editor.setEditable(false)
      // everyone agreed; the button and its hints are done
      $('[data-agreements]').querySelectorAll('li').forEach((item, i) => {
        const member = config.members[i]
        item.dataset.agreed = 'true'
        item.textContent = (member.id === config.me ? 'Moi' : member.name) + ' : d’accord ✓'
      })
      agreeNote.textContent = ''
      if (agreeButton) agreeButton.hidden = true
      room.connection.describe()
    },
    reopened () {
      if (agreeButton) {
        agreeButton.hidden = false
        agreeButton.disabled = false
      }
      room.editor.setEditable(writer)
      room.connection.describe()
    }
  })

  async function agree () {
    const { provider } = room.connection
    const { confirmations } = room
    agreeNote.textContent = ''
    // just typed: the server confirms within a moment (a probe answer)
    if (provider && provider.synced && !confirmations.dead) await confirmations.whenConfirmed(3000)
    if (!provider || !provider.synced || confirmations.waiting > 0) {
      agreeNote.textContent = 'Attends que le voyant soit vert (tout est enregistré), puis réessaie.'
      return
    }
    agreeButton.disabled = true
    try {
      const version = btoa(String.fromCharCode(...Y.encodeStateVector(ydoc)))
      const response = await fetch(config.agree, {
        method: 'POST',
        credentials: 'same-origin',
        headers: { 'content-type': 'application/json', 'x-csrf-token': config.csrf },
        body: JSON.stringify({ version })
      })
      const answer = await response.json()
      if (!response.ok) {
        agreeNote.textContent = answer.error || 'Ça n’a pas marché. Réessaie.'
      } else {
        if (answer.post) {
          outcome.show(answer.post)
        } else {
          showRoomState({ ...roomState, agreed: answer.agreed })
          agreeNote.textContent = 'C’est noté. Quand ton binôme sera d’accord aussi, le texte sera envoyé.'
        }
      }
    } catch (error) {
      agreeNote.textContent = 'Le serveur ne répond pas. Réessaie dans un instant.'
    } finally {
      if (!root.dataset.published) agreeButton.disabled = false
    }
  }

  return {
    outcome,
    button: agreeButton,
    get state () { return roomState },
    showRoomState,
    markMyAgreementStale,
    agree
  }
}

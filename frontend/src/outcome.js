// What the pair sees when its text is done: success at the top of the room, in green, with the
// true state (sent to the teacher while the post waits for approval, on the blog once published,
// with the link); and when the teacher sends it back, why, with the teacher's comment.

export class Outcome {
  // hooks.closed(post): the room stops writing; hooks.reopened(): the room writes again.
  constructor (root, config, hooks) {
    this.root = root
    this.config = config
    this.hooks = hooks
    this.finished = false // the pair agreed: the text is sent to the teacher, or on the blog
    this.box = root.querySelector('[data-outcome]')
    this.returnedBox = root.querySelector('[data-returned]')
    this.lastReturnedAt = 0
    this.returnedBox.querySelector('button').addEventListener('click', () => { this.returnedBox.hidden = true })
  }

  // The post as the server announces it in the room's state (submitted while it waits).
  postOf (state) {
    if (!state.post) return null
    const submitted = !!state.submitted
    const url = submitted ? `${this.config.blog}#billet-${state.post}` : this.config.postPage + state.post
    return { id: state.post, submitted, url }
  }

  show (post) {
    const box = this.box
    const wasShown = !box.hidden
    this.finished = true
    this.root.dataset.published = 'true'
    box.hidden = false
    this.returnedBox.hidden = true
    const published = !(post && post.submitted)
    box.dataset.outcome = published ? 'published' : 'sent'
    box.querySelector('[data-outcome-title]').textContent = published
      ? '✓ Publié sur le blog'
      : '✓ Envoyé à la maîtresse ou au maître'
    box.querySelector('[data-outcome-text]').textContent = published
      ? 'Bravo ! Vous êtes d’accord tous les deux : votre texte est sur le blog de la classe.'
      : 'Bravo ! Vous êtes d’accord tous les deux. Votre texte sera sur le blog quand la maîtresse ou le maître l’aura lu.'
    const link = box.querySelector('[data-outcome-link]')
    link.textContent = published ? 'Lire notre texte sur le blog' : 'Voir le blog de la classe'
    link.href = post && post.url ? post.url : this.config.blog
    link.hidden = !this.config.blog
    this.hooks.closed(post)
    if (!wasShown) box.scrollIntoView({ block: 'start' })
  }

  // The teacher sent the text back: the pair writes again (``returned``: when, and the comment).
  reopen (returned) {
    this.finished = false
    delete this.root.dataset.published
    this.box.hidden = true
    this.hooks.reopened()
    // The server's word may come in a later state: the box opens now, without a comment, and the
    // word fills it when it arrives (its time is the server's, never this tablet's clock).
    if (returned) this.showReturned(returned)
    else this.openReturned('')
  }

  showReturned (returned) {
    if (!returned.at || returned.at <= this.lastReturnedAt) return
    this.lastReturnedAt = returned.at
    this.openReturned(returned.comment || '')
  }

  openReturned (text) {
    const box = this.returnedBox
    const comment = box.querySelector('[data-returned-comment]')
    comment.querySelector('[data-text]').textContent = text
    comment.hidden = !text
    box.hidden = false
    box.scrollIntoView({ block: 'start' })
  }
}

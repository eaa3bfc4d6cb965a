// What a closed connection means, in words a 9-year-old understands (close codes: docs/design.md).

const MESSAGES = {
  4400: 'Ton texte a reçu quelque chose d’illisible. Recharge la page.',
  4401: 'Ta session est terminée. Reconnecte-toi avec tes images, puis reviens.',
  4403: 'Ce texte n’est pas le tien : tu ne peux pas l’ouvrir.',
  4404: 'Ce texte n’existe pas (ou plus).',
  4409: 'Ce texte est fermé : on ne peut plus l’écrire.',
  4413: 'Ton texte est devenu trop long pour être enregistré.',
  4429: 'Tu as tapé trop vite ! Attends un peu, puis recharge la page.'
}

// 4400–4499 are permanent: retrying cannot help, so the page stops and says why.
export function isPermanent (code) {
  return code >= 4400 && code < 4500
}

export function closeMessage (code) {
  return MESSAGES[code] || 'La connexion est fermée. Recharge la page.'
}

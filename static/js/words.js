// French words for times that change while a page stays open (the dashboard's « dernier : … »):
// the browser's twin of collab/words.py's ago(), same rules, same words (tests/test_words.py
// runs both on one table). Everything else is written in words by the server.
(function (root) {
  const JUST_NOW_SECONDS = 60
  const HOURS_ACROSS_MIDNIGHT = 6
  const DAYS_IN_WORDS = 7
  const short = new Intl.RelativeTimeFormat('fr', { numeric: 'always', style: 'short' })
  const long = new Intl.RelativeTimeFormat('fr', { numeric: 'always', style: 'long' })
  const parisDay = new Intl.DateTimeFormat('en-CA', { timeZone: 'Europe/Paris', year: 'numeric', month: '2-digit', day: '2-digit' })
  const parisDate = new Intl.DateTimeFormat('fr-FR', { timeZone: 'Europe/Paris', year: 'numeric', month: 'long', day: 'numeric' })
  const list = new Intl.ListFormat('fr', { type: 'conjunction' })
  const plurals = new Intl.PluralRules('fr')

  // Babel (the server) puts a no-break space between a number and its unit: so do we.
  function tidy (text) {
    return text.replace(/(\d)[ \u202f](min|h)\b/g, '$1\u00a0$2')
  }

  function dayNumber (timestamp) {
    return Date.parse(parisDay.format(new Date(timestamp * 1000)) + 'T00:00:00Z') / 86400000
  }

  // How long ago `timestamp` (seconds) was at `now` (seconds): « à l'instant », « il y a 5 min »,
  // « il y a 2 h », « hier », « il y a 3 jours », « le 5 novembre 2026 ».
  function ago (timestamp, now) {
    const seconds = now - timestamp
    if (seconds < JUST_NOW_SECONDS) return "à l'instant"
    if (seconds < 3600) return tidy(short.format(-Math.max(1, Math.round(seconds / 60)), 'minute'))
    const days = Math.round(dayNumber(now) - dayNumber(timestamp))
    if (days === 0 || seconds < HOURS_ACROSS_MIDNIGHT * 3600) {
      return tidy(short.format(-Math.max(1, Math.round(seconds / 3600)), 'hour'))
    }
    if (days === 1) return 'hier'
    if (days < DAYS_IN_WORDS) return long.format(-days, 'day')
    return 'le ' + parisDate.format(new Date(timestamp * 1000))
  }

  // « Mila, Raphaël et Tom »
  function joinList (names) {
    return list.format(names)
  }

  // « 0 mot », « 1 mot », « 3 mots » (French: 0 and 1 are singular)
  function count (n, singular, plural) {
    return n + ' ' + (plurals.select(n) === 'one' ? singular : plural)
  }

  root.binomeWords = { ago, joinList, count }
})(typeof window !== 'undefined' ? window : globalThis)

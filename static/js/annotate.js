// The teacher selects words of a text to annotate them: the selection becomes the form's
// start and end (character offsets in the text, read from each piece's data-start).
(function () {
  'use strict'
  const text = document.querySelector('[data-annotated]')
  const form = document.querySelector('[data-annotate-form]')
  if (!text || !form) return
  const startField = form.querySelector('[data-start-field]')
  const endField = form.querySelector('[data-end-field]')
  const button = form.querySelector('[data-annotate]')
  const shown = form.querySelector('[data-selection]')

  // The offset in the text of a point (node, offset) of the page, or null outside the text.
  function offsetOf (node, offset) {
    let element = node.nodeType === Node.TEXT_NODE ? node.parentElement : node
    if (element && element.classList.contains('mark-label')) return null
    while (element && element !== text && !element.hasAttribute('data-start')) element = element.parentElement
    if (!element || element === text || element.classList.contains('missing')) return null
    // The server counts characters (code points); the browser counts UTF-16 units (an emoji is 2).
    const characters = (text) => Array.from(text).length
    const base = Number(element.dataset.start)
    if (node.nodeType === Node.TEXT_NODE) return base + characters(node.textContent.slice(0, offset))
    return base + (offset > 0 ? characters(element.textContent) : 0)
  }

  function update () {
    const selection = window.getSelection()
    if (!selection || selection.rangeCount === 0 || selection.isCollapsed) return
    const range = selection.getRangeAt(0)
    if (!text.contains(range.commonAncestorContainer)) return
    const start = offsetOf(range.startContainer, range.startOffset)
    const end = offsetOf(range.endContainer, range.endOffset)
    if (start === null || end === null || end <= start) return
    startField.value = String(start)
    endField.value = String(end)
    shown.textContent = 'Mots choisis : « ' + selection.toString().trim() + ' »'
    button.disabled = false
  }

  document.addEventListener('selectionchange', update)
  text.addEventListener('keyup', update)
})()

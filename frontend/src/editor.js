// The editor: CodeMirror 6 bound to the shared Y.Text (with the partner's cursor and an undo
// that undoes only my own edits), writable or not.
import * as Y from 'yjs'
import { yCollab } from 'y-codemirror.next'
import { EditorState, Compartment } from '@codemirror/state'
import { EditorView, keymap, placeholder } from '@codemirror/view'
import { defaultKeymap } from '@codemirror/commands'

function editableExtensions (on) {
  return [EditorView.editable.of(on), EditorState.readOnly.of(!on)]
}

// `room`: { $, ytext, writer, connection, agreement }.
export function createEditor (room) {
  const { $, ytext, writer } = room
  const editable = new Compartment()
  let view = null

  // (Again when the HTTP fallback takes over: the cursors follow the new provider's awareness.)
  function attach () {
    if (view) view.destroy()
    const undoManager = new Y.UndoManager(ytext)
    view = new EditorView({
      parent: $('[data-editor]'),
      state: EditorState.create({
        doc: ytext.toString(),
        extensions: [
          keymap.of(defaultKeymap),
          EditorView.lineWrapping,
          EditorView.contentAttributes.of({ 'aria-label': 'Notre texte', spellcheck: 'false', autocorrect: 'off', autocapitalize: 'sentences' }),
          placeholder(writer ? 'Écrivez ici votre texte…' : ''),
          editable.of(editableExtensions(writer && !room.connection.permanentlyClosed)),
          yCollab(ytext, room.connection.provider.awareness, { undoManager })
        ]
      })
    })
  }

  function setEditable (on) {
    if (view) view.dispatch({ effects: editable.reconfigure(editableExtensions(on)) })
    const button = room.agreement.button
    if (button) button.disabled = !on
  }

  return {
    get view () { return view },
    attach,
    setEditable
  }
}

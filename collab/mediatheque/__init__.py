"""The class médiathèque: files, their types, audio, and the phrases of a recording."""

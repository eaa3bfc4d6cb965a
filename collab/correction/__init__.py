"""Dictation correction: tokens, alignment, classification, the lexicon. Pure."""

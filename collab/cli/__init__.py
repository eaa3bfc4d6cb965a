"""The ``collab`` command line."""

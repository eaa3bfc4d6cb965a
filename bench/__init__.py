"""The Binôme load benchmark: ``python -m bench`` (``make bench``).

It runs the real server (``collab serve``) as a subprocess pinned to one core and drives
it from this process pinned to another, with precomputed y-websocket traffic: pairs of
pupils typing, optional read-only observers, a memory census of open rooms and the cold
load of a 20,000-update document. See ``bench/README.md``.
"""

"""The real-time core: the y-websocket protocol, rooms, the hub; it knows no HTTP and no feature."""

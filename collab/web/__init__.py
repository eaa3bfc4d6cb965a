"""The HTTP and WebSocket edge: the app, who is asking, pages, notices, bodies, headers, sockets."""

"""What tests share: a live server, a Yjs client, web sign-in, sample data."""

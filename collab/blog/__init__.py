"""The class blog: posts, moderation, comments, the Atom feed."""

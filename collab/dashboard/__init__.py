"""The teacher's live dashboard: the class feed, each pair's progress, the replay."""

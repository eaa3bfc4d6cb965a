"""Writing: tasks, the pupils' room, the agreement, second drafts."""

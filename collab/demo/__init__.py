"""The demo school and its lesson."""

"""Thin HTTP endpoints, by area."""

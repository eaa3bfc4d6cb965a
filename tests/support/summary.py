"""What a test asks to show at the end of the run (printed by tests/conftest.py's terminal summary)."""

#: A test's ``record_property`` of this name is printed at the end of the run (also from xdist workers).
SUMMARY_PROPERTY = "summary"

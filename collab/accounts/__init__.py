"""Accounts: sign-in (pictures, passwords, throttling), classes and rosters, pairs, administration, RGPD."""

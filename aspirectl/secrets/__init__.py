"""Credentials (env, then OS keyring, with timeouts) and redaction of every secret shape."""

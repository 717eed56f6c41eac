"""Audit: the append-only log of who read, changed, exported or failed to log in, when, from where,
on which record. Each entry is chained to the one before by SHA-256, so an edited or deleted entry
is detected by ``onestop audit verify``. Does not decide who may do what."""

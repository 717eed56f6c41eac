"""Deletion support for digital sex crimes: hashing, hash banks, takedown tracking (layer 5)."""

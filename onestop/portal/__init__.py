"""The victim portal at ``/portal/`` (layer 8): access by case code and passphrase, and what she
sees of her case."""

"""Core: the base model, domain errors, field encryption with a key ring, blind indexes, the clock
and phone-number normalisation. Knows nothing about cases, people or staff."""

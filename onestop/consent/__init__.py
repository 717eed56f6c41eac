"""Consent: the victim's consents as rows (purpose, recipient, data categories, how and when
given, expiry, withdrawal) and the one gate every disclosure outside the owning agency passes
(``services.disclosure_authorize``), which records what went to whom and on which basis. Not
responsible for what a disclosure contains: the app that discloses builds it and names its
categories."""

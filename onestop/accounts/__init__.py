"""Accounts: agencies (what kind, which region) and the staff who work for them, with one role each.
Not responsible for what a staff member may see of a case: that is decided in ``cases.selectors``."""

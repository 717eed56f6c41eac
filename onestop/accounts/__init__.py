"""Accounts: agencies (what kind, which region) and the staff who work for them, one role each.
Not responsible for what a staff member may see of a case: ``cases.selectors`` decides that."""

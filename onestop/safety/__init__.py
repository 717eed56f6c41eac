"""The victim's safety plan (layer 5): a guided plan — when to call 112, trusted people and code
words, routes and safe places, what to keep ready, what to do if he appears at home, work or
school, a phone and account security checklist, children and pets — saved to her case as sealed
versions, filled in by her in the portal or by her team with her, and printed on a neutral sheet.

Not here: the portal's sign-in and pages shell (``portal``), risk scoring (``risk``)."""

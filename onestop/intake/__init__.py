"""Intake: every entry channel (hotline call, chat, walk-in, web, police) becomes one case. Finds
the victim again before anything is created, and either attaches the contact to her open case or
opens a new one. Not responsible for the case workflow after that (``cases``)."""

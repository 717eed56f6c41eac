"""Secure messages and live chat between a victim (in the portal) and her case team.

The case is the thread: one conversation per case, kept with it. Messages are sealed at rest,
never deleted by either side, and never sent to her phone — a portal message waits until she
signs in. This app writes and reads messages, tells the team of a new message, and pushes each
message to the open sockets of the case; it does not hold the portal's sign-in (``portal``) nor
the case's access rule (``cases.permissions``)."""

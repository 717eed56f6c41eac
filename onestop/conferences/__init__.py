"""Expert case conferences: referrals, meetings, decisions and actions, minutes (layer 6)."""

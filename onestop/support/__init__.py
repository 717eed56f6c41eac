"""Support services under program policies, partner referrals and deliveries (layer 6)."""

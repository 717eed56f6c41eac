"""Risk instruments (versioned data packs), assessments and the case's risk level (layer 5)."""

"""Stage 2, content: the shared aftercare text merged with one clinic's overrides."""

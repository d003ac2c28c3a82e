"""Readers and normalisers of each input format into the canonical schema."""

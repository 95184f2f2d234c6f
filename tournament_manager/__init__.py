"""Tournaments: who takes part, which duels to play, the ranking and the rating."""

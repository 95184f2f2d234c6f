"""The JSON API (``/api/v1/``): the arena's data for programs, and submitting with a token."""

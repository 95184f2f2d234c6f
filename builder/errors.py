"""The builder's error for a submission that cannot be used, shared by its zip checks
(:mod:`builder.submission`) and its dependency files (:mod:`builder.dependencies`)."""

from __future__ import annotations


class SubmissionError(ValueError):
    """The submission cannot be used; the message is for the participant."""

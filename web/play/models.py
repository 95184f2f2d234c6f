"""A match a human plays in the browser against a revision, recorded move by move."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone

from core.models import Revision


class HumanMatch(models.Model):
    WAITING = "WAITING"  # created, its sandbox not started yet
    RUNNING = "RUNNING"  # a worker (or the demo's server) holds the agent's sandbox
    FINISHED = "FINISHED"
    ABANDONED = "ABANDONED"  # no move for ARENA_PLAY_IDLE_TIMEOUT, or the human left
    STATES = [(s, s.lower()) for s in (WAITING, RUNNING, FINISHED, ABANDONED)]
    ACTIVE_STATES = (WAITING, RUNNING)

    HUMAN_WIN = "HUMAN_WIN"
    AGENT_WIN = "AGENT_WIN"
    DRAW = "DRAW"
    AGENT_ERROR = "AGENT_ERROR"  # the agent crashed, timed out or chose an invalid action
    ARENA_ERROR = "ARENA_ERROR"  # ours (Docker down...): nobody's fault
    RESULTS = [
        (HUMAN_WIN, "human won"),
        (AGENT_WIN, "agent won"),
        (DRAW, "draw"),
        (AGENT_ERROR, "agent error"),
        (ARENA_ERROR, "arena error"),
    ]

    revision = models.ForeignKey(Revision, on_delete=models.CASCADE, related_name="human_matches")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="human_matches"
    )
    human_first = models.BooleanField(help_text="the human made the first move")
    rules_version = models.PositiveIntegerField(default=1)
    state = models.CharField(max_length=20, choices=STATES, default=WAITING)
    result = models.CharField(max_length=20, choices=RESULTS, blank=True)
    error_msg = models.TextField(blank=True)
    # states[0] is the start position, states[i] the one after actions[i - 1]; rewards[i] is
    # the reward of the mover of actions[i] (who moved follows from human_first).
    states = models.JSONField(default=list)
    actions = models.JSONField(default=list)
    rewards = models.JSONField(default=list)
    human_score = models.FloatField(default=0)
    created = models.DateTimeField(default=timezone.now)
    started = models.DateTimeField(null=True, blank=True)
    finished = models.DateTimeField(null=True, blank=True)
    # Last sign of life of the process holding the sandbox: finds matches whose worker died.
    updated = models.DateTimeField(default=timezone.now)
    worker = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["-created"]
        verbose_name_plural = "human matches"
        indexes = [models.Index(fields=["state"], name="play_humanmatch_state_idx")]

    def __str__(self) -> str:
        return f"human match {self.pk}: {self.user} vs {self.revision}"

    @property
    def is_active(self) -> bool:
        return self.state in self.ACTIVE_STATES

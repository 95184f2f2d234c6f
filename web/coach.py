"""The coach on the site and the API: a duel's analysis, a revision's blunder report, and the
proven value of each step of a replay, read from the kept analyses (``DuelAnalysis``, computed
by ``duel_runner.coach``; the analysis itself is ``run_duel.coach``).

Who may see it: everyone who may see the duel's replays, that is everyone. A blunder report
says nothing the public replays do not show (the moves), so a private competitor's report is
as public as its duels; its sources and logs stay private (web.access).
"""

from __future__ import annotations

from typing import Any

from django.db.models import Q
from django.urls import reverse

from core.models import Duel, DuelAnalysis, Revision
from environments.solver import solver
from run_duel import coach

#: At most this many positions on a revision's report, and links per position.
MAX_GROUPS = 200
MAX_LINKS = 20


def has_solver(slug: str) -> bool:
    return solver(slug) is not None


def analysis_state(duel: Duel, analysis: DuelAnalysis | None) -> tuple[str, str]:
    """(state, why in words) of a duel's analysis: "done", "pending", "failed", "none"."""
    if not has_solver(duel.environment.slug):
        return "none", f"{duel.environment.name} has no solver, so the coach cannot prove blunders."
    if duel.state != Duel.COMPLETED:
        return "none", "Only completed duels are analysed."
    if analysis is None or analysis.state in (DuelAnalysis.PENDING, DuelAnalysis.RUNNING):
        return "pending", "The coach's analysis of this duel is pending: come back in a minute."
    if analysis.state == DuelAnalysis.FAILED:
        return "failed", "The coach's analysis of this duel failed; the duel itself is unaffected."
    return "done", ""


def analysis_of(duel: Duel, with_positions: bool = False) -> DuelAnalysis | None:
    rows = DuelAnalysis.objects.filter(duel=duel)
    if not with_positions:
        rows = rows.defer("positions")
    return rows.first()


def replay_url(duel_id: int, match: int, step: int) -> str:
    return reverse("replay", args=[duel_id, match]) + f"#step-{step}"


def duel_analysis(duel: Duel) -> dict[str, Any]:
    """A duel's analysis for the API: state, why, figures, blunders (each occurrence with the
    replay's address) and every proven position's verdict."""
    analysis = analysis_of(duel, with_positions=True)
    state, why = analysis_state(duel, analysis)
    data: dict[str, Any] = {"duel": duel.pk, "state": state, "why": why}
    if state != "done" or analysis is None or analysis.report is None:
        return {**data, "stats": None, "blunders": [], "positions": {}}
    blunders = []
    for blunder in analysis.report.get("blunders", []):
        occurrences = [
            {**o, "replay": replay_url(duel.pk, o["match"], o["step"])}
            for o in blunder["occurrences"]
        ]
        blunders.append({**blunder, "occurrences": occurrences})
    return {
        **data,
        "stats": analysis.report.get("stats"),
        "blunders": blunders,
        "positions": analysis.positions or {},
    }


def duel_summary(duel: Duel) -> dict[str, Any]:
    """For the duel page: the analysis' state and why, each player's blunders, and where the
    first of each is."""
    analysis = analysis_of(duel)
    state, why = analysis_state(duel, analysis)
    summary: dict[str, Any] = {"state": state, "why": why}
    if state == "done" and analysis is not None and analysis.report is not None:
        firsts: dict[int, tuple[int, int]] = {}
        for blunder in analysis.report.get("blunders", []):
            side = blunder["mover"]
            for o in blunder["occurrences"]:
                where = (o["match"], o["step"])
                firsts[side] = min(firsts.get(side, where), where)
        summary["stats"] = analysis.report.get("stats")
        summary["sides"] = [
            {
                "side": side,
                "blunders": getattr(analysis, f"blunders_{side}"),
                "first": replay_url(duel.pk, *firsts[side]) if side in firsts else None,
            }
            for side in (1, 2)
        ]
    return summary


def replay_values(duel: Duel, match: dict[str, Any]) -> tuple[list[str | None] | None, str]:
    """For the replay: (each step's proven value in words, or None without an analysis;
    why there is none, in words)."""
    analysis = analysis_of(duel, with_positions=True)
    state, why = analysis_state(duel, analysis)
    if state != "done" or analysis is None or analysis.positions is None:
        return None, why
    first_side = 1 if match.get("first_player") == "PLAYER_1" else 2
    values = coach.step_values(
        duel.environment.slug, match.get("states") or [], analysis.positions, first_side
    )
    return values, ""


def revision_blunders(revision: Revision) -> dict[str, Any]:
    """The blunders of ``revision``'s own moves across its completed duels, grouped by
    position and move (most frequent first), with the duels' analysis counts and, when there
    is nothing to show, why."""
    game = revision.competitor.environment
    duels = Duel.objects.filter(
        Q(revision_1=revision) | Q(revision_2=revision), state=Duel.COMPLETED
    ).order_by("pk")
    analyses = {
        a.duel_id: a for a in DuelAnalysis.objects.filter(duel__in=duels).defer("positions")
    }
    counts = {"duels": 0, "analysed": 0, "pending": 0, "failed": 0}
    groups: dict[tuple[str, int], dict[str, Any]] = {}
    for duel_id, side_1 in duels.values_list("pk", "revision_1_id"):
        side = 1 if side_1 == revision.pk else 2
        counts["duels"] += 1
        analysis = analyses.get(duel_id)
        if analysis is None or analysis.state in (DuelAnalysis.PENDING, DuelAnalysis.RUNNING):
            counts["pending"] += 1
            continue
        if analysis.state == DuelAnalysis.FAILED or analysis.report is None:
            counts["failed"] += 1
            continue
        counts["analysed"] += 1
        for blunder in analysis.report.get("blunders", []):
            if blunder["mover"] != side:
                continue
            key = (blunder["position"], blunder["action"])
            group = groups.get(key)
            if group is None:
                group = groups[key] = {
                    k: blunder[k]
                    for k in ("position", "state", "action", "move", "before", "after")
                }
                group.update(
                    turned=blunder["turned"],
                    best=blunder["best"],
                    best_actions=blunder["best_actions"],
                    count=0,
                    occurrences=[],
                )
            group["count"] += blunder["count"]
            for o in blunder["occurrences"]:
                if len(group["occurrences"]) < MAX_LINKS:
                    group["occurrences"].append(
                        {**o, "duel": duel_id, "replay": replay_url(duel_id, o["match"], o["step"])}
                    )
    ordered = sorted(groups.values(), key=lambda g: (-g["count"], g["after"] - g["before"]))
    solved = has_solver(game.slug)
    if not solved:
        why = f"{game.name} has no solver, so the coach cannot prove blunders."
    elif counts["duels"] == 0:
        why = "This revision has no completed duel yet."
    elif not ordered and counts["pending"]:
        why = f"The analysis of {counts['pending']} of its duels is pending: come back soon."
    elif not ordered:
        why = "No blunder proven: in the positions the solver proved, every move kept its value."
    else:
        why = ""
    return {
        "solver": solved,
        "why": why,
        **counts,
        "blunders": sum(g["count"] for g in ordered),
        "positions": ordered[:MAX_GROUPS],
    }

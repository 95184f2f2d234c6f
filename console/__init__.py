"""The maintainer's console: commands that drive several stages of the arena at once.

It sits above the stages (builder, duel_runner, publisher, tournament_manager) and may import
any of them; core, below them, imports none.
"""

"""The arena's command line: ``arena submit`` (to a server, over its JSON API) and ``arena
duel`` (the dev kit's local duel). No Django here: it runs on a participant's machine."""

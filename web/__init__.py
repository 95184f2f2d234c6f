"""The website: server-rendered pages for participants and spectators."""

"""Turns a submission into a player image.

The pure part (this package minus ``tasks.py``) knows nothing of Django: it validates a zip
(:mod:`builder.submission`), works out what pip installs from a requirements.txt or conda
environment.yml (:mod:`builder.dependencies`), and builds the image with the Docker SDK
(:mod:`builder.image`, :mod:`builder.build`), so the dev kit on a participant's machine builds
exactly what the server builds. ``tasks.py`` is the Celery task that does it for a revision.
"""

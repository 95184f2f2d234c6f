"""Views, one module per part of the site; each module lists its own URLs."""

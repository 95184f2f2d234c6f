# The two commands of a fresh clone: `make demo` and `make test` (see README.md).
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
BASE_IMAGE ?= arena-player-base:latest

.PHONY: venv test lint format demo bench base-image base-image-debian clean

$(VENV)/.installed: requirements.txt requirements-dev.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -r requirements-dev.txt
	touch $@

$(VENV)/.bench-installed: $(VENV)/.installed requirements-bench.txt
	$(BIN)/pip install --quiet -r requirements-bench.txt
	touch $@

# The `arena` command in the virtualenv's bin/, as pip writes a console script, with this
# checkout on its path (the repository is not a pip package): `make demo`, `make test` and
# `make venv` leave it there, and `source .venv/bin/activate` puts it on PATH.
$(BIN)/arena: arena/cli.py Makefile
	mkdir -p $(BIN)
	printf '%s\n' '#!$(abspath $(BIN))/python' \
		'"""The arena command (arena/cli.py) of the checkout $(CURDIR)."""' \
		'import sys' 'sys.path.insert(0, "$(CURDIR)")' \
		'from arena.cli import main' 'sys.exit(main())' > $@
	chmod +x $@

venv: $(VENV)/.installed $(BIN)/arena

test: venv
	$(BIN)/python -m pytest $(PYTEST_ARGS)

# The shape checks CI runs before the tests: style, the import contracts of pyproject.toml
# (docs/architecture.md draws them) and the types of the pure layers.
lint: venv
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports
	$(BIN)/mypy

format: venv
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

# The embedded arena: SQLite, no broker, Docker when an engine answers (else local processes).
DEMO_ENV := ARENA_SANDBOX=auto ARENA_ALLOW_PROCESS_SANDBOX=true \
	ARENA_DUEL_MATCHES=$${ARENA_DUEL_MATCHES:-20} ARENA_LOG_LEVEL=$${ARENA_LOG_LEVEL:-WARNING}
demo: venv
	$(DEMO_ENV) $(BIN)/python manage.py arena_demo $(DEMO_ARGS)

bench: $(VENV)/.bench-installed
	$(BIN)/python bench/bench_rules.py
	$(BIN)/python bench/bench_protocol.py
	$(BIN)/python bench/bench_duel.py
	$(BIN)/python bench/bench_reranking.py
	$(BIN)/python bench/bench_throughput.py
	$(BIN)/python bench/bench_zip_check.py
	$(BIN)/python bench/bench_hostile.py
	$(BIN)/python bench/bench_early_stop.py
	$(BIN)/python bench/bench_training.py

# The player base image: from an official Python image when registries are reachable...
base-image:
	docker build -f builder/docker/base.Dockerfile -t $(BASE_IMAGE) builder/docker

# ...or from Debian packages alone (no image registry needed).
base-image-debian:
	builder/docker/build-debian-base.sh $(BASE_IMAGE)

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache

# The production images (docker-compose.yml builds them as well): the app and nginx. On a
# machine that cannot pull, e.g. BASE=arena-debian-root:bookworm (and PIP_CERT=docker/build-ca.pem
# holding a copy of the proxy's CA bundle).
.PHONY: images test-deploy
images:
	docker build --build-arg BASE_IMAGE=$${BASE:-python:3.11-slim-bookworm} \
		--build-arg PIP_CERT=$${PIP_CERT:-} -t $${ARENA_IMAGE:-rl-arena:latest} .
	docker build --build-arg BASE_IMAGE=$${NGINX_BASE:-$${BASE:-nginx:stable-bookworm}} \
		-t $${ARENA_NGINX_IMAGE:-rl-arena-nginx:latest} nginx

# The deployment's tests alone: compose files, nginx, and the stack with real containers.
test-deploy: venv
	$(BIN)/python -m pytest tests/deploy $(PYTEST_ARGS)

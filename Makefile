# gongjian — the two front-door commands are `make run` and `make test`.
PYTHON ?= python3.11
VENV   ?= .venv
BIN    := $(VENV)/bin
HOST   ?= 127.0.0.1
PORT   ?= 8000
STAMP  := $(VENV)/.installed
# Front-end assets (ECharts + its word-cloud plugin, htmx, Pico CSS) from the npm registry, copied to vendor/ for Django.
VENDOR := vendor
ASSETS := $(VENDOR)/.installed

.PHONY: run test install assets migrate demo lint format typecheck bench clean

$(BIN)/python:
	@command -v $(PYTHON) >/dev/null 2>&1 || { echo "需要 Python 3.11($(PYTHON) 未找到)"; exit 1; }
	$(PYTHON) -m venv $(VENV)

$(STAMP): $(BIN)/python pyproject.toml
	$(BIN)/python -m pip install --quiet --upgrade pip wheel setuptools
	# echarts-china-cities-pypkg (the city maps) imports its installer at build time
	$(BIN)/python -m pip install --quiet pyecharts-jupyter-installer
	$(BIN)/python -m pip install --quiet --no-build-isolation echarts-china-cities-pypkg
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	@touch $(STAMP)

install: $(STAMP) $(ASSETS)

$(ASSETS): package.json $(wildcard package-lock.json)
	@command -v npm >/dev/null 2>&1 || { echo "需要 Node.js/npm(npm 未找到)"; exit 1; }
	if [ -f package-lock.json ]; then npm ci --no-audit --no-fund; else npm install --no-audit --no-fund; fi
	mkdir -p $(VENDOR)/echarts $(VENDOR)/echarts-wordcloud $(VENDOR)/htmx $(VENDOR)/pico
	cp node_modules/echarts/dist/echarts.min.js node_modules/echarts/LICENSE $(VENDOR)/echarts/
	cp node_modules/echarts-wordcloud/dist/echarts-wordcloud.min.js $(VENDOR)/echarts-wordcloud/
	cp node_modules/htmx.org/dist/htmx.min.js node_modules/htmx.org/LICENSE $(VENDOR)/htmx/
	cp node_modules/@picocss/pico/css/pico.min.css node_modules/@picocss/pico/LICENSE.md $(VENDOR)/pico/
	@touch $(ASSETS)

assets: $(ASSETS)

migrate: install
	$(BIN)/gongjian migrate --no-input -v 0

demo: migrate
	$(BIN)/gongjian demo

# the job worker (imports, schedules) runs beside the development server and stops with it
run: demo
	@$(BIN)/gongjian demo_logins
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

clean:
	rm -rf $(VENV) var *.egg-info $(VENDOR) node_modules

# ConnectorHealth: `make run` starts everything, `make test` runs every test.
# Both install what this machine lacks first (scripts/prerequisites.sh).

SHELL := /bin/bash
DOTNET ?= dotnet
CONFIGURATION ?= Debug
DATA_DIR := $(CURDIR)/.data
EPMD_PORT ?= 54369

export DOTNET_CLI_TELEMETRY_OPTOUT := 1
export DOTNET_NOLOGO := 1
export DOTNET_SKIP_FIRST_TIME_EXPERIENCE := 1

.PHONY: run test build prerequisites test-prerequisites reset stop bench bench-drift bench-pipeline bench-scale

## run: start PostgreSQL, RabbitMQ, the services, the gateway and the web UI (Ctrl+C stops it all)
run: prerequisites
	@echo "ConnectorHealth: web UI http://localhost:5081, REST API http://localhost:5080/api (reference: /docs), dashboard http://localhost:18888"
	@echo "API keys (generated on first run): dotnet user-secrets list --project AppHost"
	ASPIRE_ALLOW_UNSECURED_TRANSPORT=true $(DOTNET) run --project AppHost --launch-profile http -c $(CONFIGURATION)

## test: unit, integration, end-to-end and browser tests, one test project after the other (-m:1): on two cores the
##       end-to-end system starting beside the integration tests' own servers competed for CPU with them
test: test-prerequisites build
	$(DOTNET) test ConnectorHealth.sln --no-build -c $(CONFIGURATION) -m:1

build:
	$(DOTNET) build ConnectorHealth.sln -c $(CONFIGURATION)

prerequisites:
	@bash scripts/prerequisites.sh --for run

test-prerequisites:
	@bash scripts/prerequisites.sh --for test

## bench: load 10 M runs (500 connectors, a year) into a private PostgreSQL and time the Metrics KPI endpoints next to
##        the first version's plain-view SQL; about 10 minutes on 2 cores. BENCH_ARGS="--runs 1000000" for a quick look.
##        Prints a report and writes it to bench/results/ (git-ignored); it never fails on the numbers.
bench:
	$(DOTNET) run --project bench/MetricsBench -c Release -- $(BENCH_ARGS)

## bench-drift: time the Drift service's schema inference (typical and hostile payloads), diffs, and its batch processor
##        on a private PostgreSQL with runs in order, late and delivered twice; about 4 minutes on 2 cores.
##        BENCH_ARGS="--runs 5000 --repeat 2" for a quick look. Prints a report and writes it to bench/results/ (git-ignored);
##        it never fails on the numbers.
bench-drift:
	$(DOTNET) run --project bench/DriftBench -c Release -- $(BENCH_ARGS)

## bench-pipeline: start the whole system (local mode, one replica of each service) and measure ingest end to end (3 windows
##        of 2 minutes) next to a bare MassTransit fan-out on the same broker, where the CPU goes (Linux perf, installed
##        first if missing), run reports (POST /api/runs, 32 at once) through the gateway with its
##        real rate limits next to a bare ASP.NET Core endpoint, detection latency through the gateway under load, the KPI
##        endpoints cold (Metrics restarted) and warm, and each process's memory, CPU per 1,000 runs and database size per
##        million runs; then start it again with 2 replicas of metrics, drift and alerting (--replicas N, 1 skips it) and
##        repeat the ingest windows. About 30 minutes on 2 cores; BENCH_ARGS=--quick (15 s windows, 2 repeats) about 6–7.
##        Prints a report and writes it (.md and .json) to bench/results/ (git-ignored); it never fails on the numbers.
bench-pipeline:
	@bash scripts/prerequisites.sh --for bench
	$(DOTNET) run --project bench/PipelineBench -c Release -- $(BENCH_ARGS)

## bench-scale: start the whole system (local mode, 2 runner replicas, one of each other service), create 10,000 connectors
##        through the gateway (intervals 1 min to 1 h, most every 5 min; some failing, rate-limited, drifting), run 15 minutes
##        of steady state with one runner replica killed (SIGKILL) at its midpoint, and measure start lateness, double runs and
##        missed slots, the takeover after the kill, each process's memory and CPU, table sizes, and the API's and web UI's
##        timings. About 25 minutes on 2 cores; BENCH_ARGS="--connectors 300 --minutes 7" for a quick look (about 9).
##        Prints a report and writes it (.md and .json) to bench/results/ (git-ignored); it never fails on the numbers.
bench-scale:
	@bash scripts/prerequisites.sh --for bench
	$(DOTNET) run --project bench/ScaleBench -c Release -- $(BENCH_ARGS)

## stop: end a PostgreSQL, RabbitMQ or epmd left behind by an AppHost that was killed outright
stop:
	-@pkill -INT -f -- "-D $(DATA_DIR)/postgres" && echo "stopped PostgreSQL" || true
	-@pkill -TERM -f -- "$(DATA_DIR)/rabbitmq" && echo "stopped RabbitMQ" || true
	-@pkill -TERM -f -- "epmd -port $(EPMD_PORT)" && echo "stopped epmd" || true

## reset: wipe the local data (runs, schemas, alerts, broker state)
reset: stop
	rm -rf $(DATA_DIR)
	@echo "local data wiped"

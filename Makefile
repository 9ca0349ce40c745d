# alur: two commands. `make run` serves the app with demo data; `make test` runs the whole suite.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
HOST   ?= 127.0.0.1
PORT   ?= 5000

.PHONY: run test install constraints bench screenshots clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

# constraints.txt pins every package at the version CI tested, so a fresh machine gets the same.
$(VENV)/.installed: pyproject.toml constraints.txt | $(BIN)/python
	$(BIN)/pip install --quiet -c constraints.txt -e '.[test,bench]'
	touch $@

# After changing a dependency in pyproject.toml: install it, test, then rewrite constraints.txt.
constraints: | $(BIN)/python
	$(BIN)/pip install --quiet -e '.[test,bench]'
	{ sed -n '1,/^# --- pinned/p' constraints.txt; $(BIN)/pip freeze --exclude-editable | grep -v '^#'; } > constraints.txt.new
	mv constraints.txt.new constraints.txt

install: $(VENV)/.installed

run: install
	$(BIN)/alur init --demo
	@echo
	@echo "Open http://$(HOST):$(PORT)/ and log in with one of the demo users above."
	@echo "A worker runs beside the server: timers, reminders and mail (into instance/mail/ until ALUR_SMTP_URL is set; see README)."
	$(BIN)/alur serve --host $(HOST) --port $(PORT)

test: install
	$(BIN)/python -m pytest $(PYTEST_ARGS)

screenshots: install
	ALUR_SCREENSHOTS_DIR=$(CURDIR)/docs/screenshots $(BIN)/python -m pytest tests/e2e -q

bench: install
	$(BIN)/python -m bench.run_all

clean:
	rm -rf $(VENV) instance .pytest_cache

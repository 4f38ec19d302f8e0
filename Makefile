# EPI Events: `make run` serves the demo site, `make test` runs the whole suite, `make test-fast` all but the browser tests.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
# Development commands run with DEBUG on (a throwaway secret key); tests use config.settings_test.
DEV := DJANGO_DEBUG=1

.PHONY: run test test-fast install messages compilemessages migrate demo lint bench worker clean

$(STAMP): requirements.txt requirements-dev.txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements-dev.txt
	touch $(STAMP)

install: $(STAMP)

compilemessages: $(STAMP)
	$(DEV) $(PY) manage.py compilemessages --ignore=.venv --verbosity 0

messages: $(STAMP)
	@# English is the source language: its catalogue is rebuilt each time, every string mapped to itself.
	rm -f locale/en/LC_MESSAGES/django.po
	$(DEV) $(PY) manage.py makemessages -l en -l es -l ro -l de -l sv -l pl -l it -l lv -l ar -l uk --no-obsolete --ignore=.venv --ignore=staticfiles --ignore=tests --ignore=bench --ignore=static
	msgen --no-wrap -o locale/en/LC_MESSAGES/django.po locale/en/LC_MESSAGES/django.po
	sed -i -e '0,/^#, fuzzy$$/{/^#, fuzzy$$/d}' -e 's/^"Language: \\n"$$/"Language: en\\n"/' locale/en/LC_MESSAGES/django.po
	@# The scripts' strings (gettext/ngettext in static/js, static/certificates), served by /jsi18n/<lang>.js.
	rm -f locale/en/LC_MESSAGES/djangojs.po
	$(DEV) $(PY) manage.py makemessages -d djangojs -l en -l es -l ro -l de -l sv -l pl -l it -l lv -l ar -l uk --no-obsolete --ignore=.venv --ignore=staticfiles --ignore=static/vendor --ignore=tests --ignore=bench
	msgen --no-wrap -o locale/en/LC_MESSAGES/djangojs.po locale/en/LC_MESSAGES/djangojs.po
	sed -i -e '0,/^#, fuzzy$$/{/^#, fuzzy$$/d}' -e 's/^"Language: \\n"$$/"Language: en\\n"/' locale/en/LC_MESSAGES/djangojs.po

migrate: $(STAMP)
	$(DEV) $(PY) manage.py migrate --noinput

demo: migrate compilemessages
	$(DEV) $(PY) manage.py seed_demo

run: demo
	$(DEV) $(PY) manage.py runserver 127.0.0.1:8000

test: compilemessages
	$(PY) -m ruff check .
	$(PY) manage.py makemigrations --check --dry-run --settings=config.settings_test
	$(PY) -m pytest -q $(PYTEST_ARGS)

# The edit loop: everything but the browser walks (`make test` stays the whole suite).
test-fast: compilemessages
	$(PY) -m ruff check .
	$(PY) -m pytest -q -m "not browser" $(PYTEST_ARGS)

lint: $(STAMP)
	$(PY) -m ruff check .

worker: $(STAMP)
	$(VENV)/bin/celery -A config worker --beat --loglevel=info

bench: $(STAMP)
	$(PY) bench/registration_race.py
	$(PY) bench/ical_feed.py
	$(PY) bench/certificates.py
	$(PY) bench/i18n_pages.py
	$(PY) bench/markdown_worst.py
	$(PY) bench/api.py
	$(PY) bench/purge.py
	$(PY) bench/dashboard.py

clean:
	rm -rf $(VENV) staticfiles

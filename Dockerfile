# syntax=docker/dockerfile:1
# Production image for web (gunicorn), Celery worker and beat, and one-shot migrations.

# --- Front-end assets ------------------------------------------------------------------------
# npm is needed only to fetch GOV.UK Frontend, htmx and Chart.js, so Node stays out of the runtime image.
FROM python:3.11-slim-bookworm AS assets
RUN apt-get update \
    && apt-get install -y --no-install-recommends nodejs npm \
    && rm -rf /var/lib/apt/lists/*
WORKDIR /build
COPY package.json package-lock.json* ./
RUN if [ -f package-lock.json ]; then npm ci --omit=dev; else npm install --omit=dev; fi \
    && npm cache clean --force

# --- Source tree -----------------------------------------------------------------------------
# Copy everything, then drop local state (virtualenv, host node_modules, var/ with the dev secret key
# and embedded database, .env) so none of it can reach the runtime image, even without a .dockerignore.
FROM python:3.11-slim-bookworm AS source
COPY . /src
RUN cd /src \
    && rm -rf .venv node_modules var staticfiles media .env .git build test-results \
              .pytest_cache .ruff_cache .mypy_cache ./*.egg-info \
    && find . -name __pycache__ -prune -exec rm -rf {} +

# --- Runtime ---------------------------------------------------------------------------------
FROM python:3.11-slim-bookworm
ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    # The code runs from /app (settings find node_modules/ and staticfiles/ next to it), also for
    # celery, which only puts the working directory on sys.path while it loads the app.
    PYTHONPATH=/app \
    # Hashed, compressed static files, collected at build time below.
    DJANGO_STATICFILES_STORAGE=whitenoise.storage.CompressedManifestStaticFilesStorage

# WeasyPrint renders payslip PDFs with Pango and needs a font.
RUN apt-get update \
    && apt-get install -y --no-install-recommends libpango-1.0-0 libpangoft2-1.0-0 fonts-dejavu-core \
    && rm -rf /var/lib/apt/lists/*

RUN groupadd --system --gid 10001 app \
    && useradd --system --uid 10001 --gid app --home-dir /app --no-create-home --shell /usr/sbin/nologin app

WORKDIR /app
# Dependencies from pyproject.toml alone (no packages found yet, so only the dependencies install):
# this layer is rebuilt only when pyproject.toml changes, not on every code change.
COPY pyproject.toml ./
RUN pip install . && rm -rf build ./*.egg-info

COPY --from=source /src/ ./
COPY --from=assets /build/node_modules ./node_modules

# Settings read DATABASE_URL at import but collectstatic never connects; these values live only in this RUN.
RUN DJANGO_SECRET_KEY=build-only DATABASE_URL=postgres://hr_app@localhost/unused \
        python manage.py collectstatic --noinput \
    # Code and static files stay root-owned (read-only to the app); only var/ (media) is writable.
    && mkdir -p var \
    && chown app:app var

USER app
EXPOSE 8000
CMD ["gunicorn", "shared_services.wsgi:application", "--bind", "0.0.0.0:8000", "--workers", "3"]

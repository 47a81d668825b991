# Deal Scout image: gunicorn for the web pods, the same image runs the qcluster.
#   docker build -t registry.example.com/dealscout:$(git describe --tags --always) .

# --- build: compile wheels once, with the build tools that the runtime does not need ---
FROM python:3.11-slim-bookworm AS build
ENV PIP_DISABLE_PIP_VERSION_CHECK=1 PIP_NO_CACHE_DIR=1
RUN apt-get update \
 && apt-get install -y --no-install-recommends build-essential libpq-dev \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /build
# The runtime lock only: no test, lint or benchmark tool reaches the image.
COPY requirements/base.txt requirements.txt
RUN python -m venv /opt/venv \
 && /opt/venv/bin/pip install --require-hashes -r requirements.txt

# --- runtime: the virtualenv and the code, run as an unprivileged user ---
FROM python:3.11-slim-bookworm AS runtime
ARG VERSION=0.1.0
ENV PATH=/opt/venv/bin:$PATH \
    PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    DJANGO_SETTINGS_MODULE=dealscout.settings \
    VERSION=${VERSION} \
    VAR_DIR=/tmp/dealscout \
    PROMETHEUS_MULTIPROC_DIR=/var/run/prometheus-multiproc \
    GUNICORN_BIND=0.0.0.0:8000
RUN apt-get update \
 && apt-get install -y --no-install-recommends libpq5 \
 && rm -rf /var/lib/apt/lists/* \
 && groupadd --system --gid 10001 dealscout \
 && useradd --system --uid 10001 --gid dealscout --home-dir /app --shell /usr/sbin/nologin dealscout \
 && mkdir -p /var/run/prometheus-multiproc \
 && chown dealscout:dealscout /var/run/prometheus-multiproc
COPY --from=build /opt/venv /opt/venv
WORKDIR /app
# .dockerignore leaves out tests, test data, benchmarks, docs, manifests and CI.
COPY --chown=root:root . /app
# Static files are collected at build time: the root file system is read-only at run time.
RUN SECRET_KEY=build-only DEBUG=false python manage.py collectstatic --noinput
USER 10001:10001
EXPOSE 8000 9100
CMD ["gunicorn", "-c", "gunicorn.conf.py", "dealscout.wsgi:application"]

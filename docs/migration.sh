#!/bin/bash
# Regenerates docs/migration.md from real runs: docs/migration.sh target/debug/score-x > docs/migration.md
B=$(realpath "$1")
W=$(mktemp -d)
ROOT=$(cd "$(dirname "$0")/.." && pwd)
cp "$ROOT"/examples/estate/*.yaml "$ROOT"/examples/ecs-options.yaml "$W"
cd "$W"
export SCORE_X_SEED=00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff NO_COLOR=1 COLUMNS=100
show() { # show "<command line>"  — prints the command and its output (stdout and stderr)
  echo '```console'
  echo "\$ $1"
  eval "${1/score-x/$B}" 2>&1 | sed "s#$W/##g"
  echo '```'
}
cat <<'MD'
# Migrating between runtimes

A worked example, done with this tool on the example estate (`examples/estate/`: `api` with
a Postgres database shared with `worker`, a cache and a volume; `web` calling `api` through a
`service-port`; `worker` with the database and a queue). Every command below was run as shown
and its output is copied verbatim (regenerate this page with `docs/migration.sh target/debug/score-x > docs/migration.md`; the seed
is fixed so generated names do not vary). First the `worker` moves from Kubernetes to ECS, which
makes the estate hybrid; then the estate is checked for a full move to ECS.

## 1. Today: everything on Kubernetes

MD
show "score-x translate --target kubernetes api.score.yaml web.score.yaml worker.score.yaml -o deploy/kubernetes"
cp deploy/kubernetes/manifests.yaml before.yaml
cat <<'MD'

## 2. What changes for the worker on ECS

`check --from` lists only what maps differently, before anything is written: the Score fields
whose mapping changes, the addresses callers would dial instead, and the resources provisioned
differently (another provisioner, outputs whose value, kind or secret store changes):

MD
show "score-x check --target ecs --from kubernetes --target-options ecs-options.yaml worker.score.yaml"
cat <<'MD'

## 3. The placement

MD
cat > placement.yaml <<'YAML'
apiVersion: score-x.dev/v1
kind: Placement
default: kubernetes
workloads:
  worker: ecs
YAML
show "cat placement.yaml"
show "score-x graph --placement placement.yaml api.score.yaml web.score.yaml worker.score.yaml"
cat <<'MD'

The database `postgres.default#orders-db` is shared by `api` (Kubernetes) and `worker` (ECS); it
is hosted by the target of its first consumer, Kubernetes, and provisioned there once.

## 4. Translate the hybrid estate

The queue, used by the worker only, moves with it: the ECS provisioner provisions it now, and
score-x warns that the state the Kubernetes one recorded is discarded. The worker also reads the
database password, which Kubernetes keeps in a Secret an ECS task cannot read. score-x refuses
to copy it and says what to set:

MD
show "score-x translate --placement placement.yaml api.score.yaml web.score.yaml worker.score.yaml --target-options ecs=ecs-options.yaml -o deploy"
printf 'crossRuntimeSecrets:\n  ecs: ssm\n' >> placement.yaml
cat <<'MD'

With `crossRuntimeSecrets: {ecs: ssm}` added to the placement, the task reads an SSM parameter
that `secrets-to-create.json` lists (name only) for the platform to fill:

MD
show "score-x translate --placement placement.yaml api.score.yaml web.score.yaml worker.score.yaml --target-options ecs=ecs-options.yaml -o deploy"
show "find deploy -type f | sort"
show "grep -A3 '\"secrets\"' deploy/ecs/worker/task-definition.json"
cat <<'MD'

The Kubernetes side lost only the worker: the database, its Secret and the generated password are
unchanged (same seed, same uid), so `api` keeps working during the move:

MD
show "diff <(grep -v '^#' before.yaml) <(grep -v '^#' deploy/kubernetes/manifests.yaml) | grep '^[<>] kind\|password: ' | sort | uniq -c"
show "grep -c 'name: worker' deploy/kubernetes/manifests.yaml"
cat <<'MD'

## 5. Drift and stale artifacts

`--check` compares every target's directory. Moving the worker back to Kubernetes leaves its ECS
files behind, and `--check` fails on them until they are deleted (and the ECS service removed):

MD
show "score-x translate --placement placement.yaml api.score.yaml web.score.yaml worker.score.yaml --target-options ecs=ecs-options.yaml -o deploy --check"
printf 'apiVersion: score-x.dev/v1\nkind: Placement\ndefault: kubernetes\n' > placement.yaml
show "score-x translate --placement placement.yaml api.score.yaml web.score.yaml worker.score.yaml -o deploy --check 2>&1 | grep -v '^[-+@ ]'"
cat <<'MD'

## 6. The whole estate on ECS?

MD
show "score-x check --target ecs --from kubernetes --target-options ecs-options.yaml api.score.yaml web.score.yaml worker.score.yaml --strict; echo exit=\$?"
rm -rf "$W"

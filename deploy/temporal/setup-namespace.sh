#!/bin/sh
# One-shot job (temporalio/admin-tools, or anywhere the Temporal CLI runs): creates the rotator's namespace and
# registers the search attributes rotations write. Safe to run again. Keep the attribute list in step with
# src/rotation/search-attributes.ts (test/ops/compose.test.ts runs this script against a dev server and compares).
set -eu
address="${TEMPORAL_ADDRESS:-temporal:7233}"
namespace="${ROTATOR_NAMESPACE:-rotator}"
retention="${ROTATOR_NAMESPACE_RETENTION:-720h}"

tries=0
until temporal operator cluster health --address "$address" >/dev/null 2>&1; do
  tries=$((tries + 1))
  if [ "$tries" -ge 30 ]; then echo "setup-namespace: Temporal at $address is not healthy" >&2; exit 1; fi
  sleep 2
done

if temporal operator namespace describe --namespace "$namespace" --address "$address" >/dev/null 2>&1; then
  echo "setup-namespace: namespace $namespace exists"
else
  temporal operator namespace create --namespace "$namespace" --retention "$retention" --address "$address"
  echo "setup-namespace: created namespace $namespace (retention $retention)"
fi

# a new namespace reaches every frontend's cache only after a few seconds
tries=0
until existing="$(temporal operator search-attribute list --namespace "$namespace" --address "$address" 2>/dev/null)"; do
  tries=$((tries + 1))
  if [ "$tries" -ge 30 ]; then echo "setup-namespace: namespace $namespace is not usable yet" >&2; exit 1; fi
  sleep 1
done
for attribute in RotationPhase:Keyword CredentialProvider:Keyword CredentialSubject:Keyword DeleteAt:Datetime; do
  name="${attribute%%:*}"
  type="${attribute#*:}"
  if printf '%s\n' "$existing" | grep -Eq "^[[:space:]]*$name[[:space:]]"; then
    echo "setup-namespace: search attribute $name exists"
  else
    temporal operator search-attribute create --namespace "$namespace" --address "$address" --name "$name" --type "$type"
    echo "setup-namespace: registered search attribute $name ($type)"
  fi
done

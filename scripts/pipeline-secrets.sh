#!/usr/bin/env bash
# Sourced by the pipeline before Bicep reads secrets from the environment. Azure Pipelines leaves an undefined
# variable as the literal text "$(NAME)", which Bicep would store in Key Vault as if it were a secret.
# This drops such leftovers, requires the key ring and the API's app registration, and refuses half an AWS identity.
for name in SECRET_PROTECTION_KEYS API_CLIENT_ID ALERT_EMAIL EXPORTER_AWS_ACCESS_KEY_ID EXPORTER_AWS_SECRET_ACCESS_KEY; do
  value="${!name:-}"
  if [[ "$value" == '$('*')' ]]; then
    unset "$name"
  fi
done
# The key ring's one source of truth is the Key Vault secret once a deployment has put it there: rotations happen in the
# vault (README: Rotate the secret-protection key), so the pipeline must never write its own, older copy over it. Whether
# the secret exists is read from Azure Resource Manager (metadata only; no secret value is read).
key_ring_in_vault() {
  [[ -n "${RESOURCE_GROUP:-}" ]] || return 1
  local vault
  vault=$(az resource list --resource-group "$RESOURCE_GROUP" --resource-type Microsoft.KeyVault/vaults --query "[0].id" -o tsv 2>/dev/null) || return 1
  [[ -n "$vault" ]] && az resource show --ids "$vault/secrets/secret-protection-keys" --query id -o tsv >/dev/null 2>&1
}
if key_ring_in_vault; then
  if [[ -n "${SECRET_PROTECTION_KEYS:-}" ]]; then
    echo "The key ring is in Key Vault already; it stays as it is there (SECRET_PROTECTION_KEYS is used by a first deployment only)."
  fi
  SECRET_PROTECTION_KEYS=""
elif [[ -z "${SECRET_PROTECTION_KEYS:-}" ]]; then
  echo "SECRET_PROTECTION_KEYS is not set and the environment's Key Vault holds no key ring yet: add it as a secret to the environment's variable group for the first deployment (README: Deploy to Azure)." >&2
  return 1 2>/dev/null || exit 1
fi
if [[ -z "${API_CLIENT_ID:-}" ]]; then
  echo "API_CLIENT_ID is not set: register the API's app with its roles and add its client id to the environment's variable group (README: Who may call the API)." >&2
  return 1 2>/dev/null || exit 1
fi
if [[ -n "${EXPORTER_AWS_ACCESS_KEY_ID:-}" && -z "${EXPORTER_AWS_SECRET_ACCESS_KEY:-}" ]] || [[ -z "${EXPORTER_AWS_ACCESS_KEY_ID:-}" && -n "${EXPORTER_AWS_SECRET_ACCESS_KEY:-}" ]]; then
  echo "Set both EXPORTER_AWS_ACCESS_KEY_ID and EXPORTER_AWS_SECRET_ACCESS_KEY, or neither." >&2
  return 1 2>/dev/null || exit 1
fi
export SECRET_PROTECTION_KEYS API_CLIENT_ID
if [[ -n "${EXPORTER_AWS_ACCESS_KEY_ID:-}" ]]; then
  export EXPORTER_AWS_ACCESS_KEY_ID EXPORTER_AWS_SECRET_ACCESS_KEY
fi

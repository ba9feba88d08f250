#!/usr/bin/env bash
# Sourced by the pipeline before Bicep reads secrets from the environment. Azure Pipelines leaves an undefined
# variable as the literal text "$(NAME)", which Bicep would store in Key Vault as if it were a secret.
# This drops such leftovers, requires the key rings and the API's app registration, and refuses half an AWS identity.
for name in SECRET_PROTECTION_KEYS DIGEST_SIGNING_KEYS API_CLIENT_ID ALERT_EMAIL EXPORTER_AWS_ACCESS_KEY_ID EXPORTER_AWS_SECRET_ACCESS_KEY; do
  value="${!name:-}"
  if [[ "$value" == '$('*')' ]]; then
    unset "$name"
  fi
done
# A key ring's one source of truth is its Key Vault secret once a deployment has put it there: rotations happen in the
# vault (README: Rotate the secret-protection key; For auditors), so the pipeline must never write its own, older copy
# over it. Whether the secret exists is read from Azure Resource Manager (metadata only; no secret value is read).
secret_in_vault() {
  [[ -n "${RESOURCE_GROUP:-}" ]] || return 1
  local vault
  vault=$(az resource list --resource-group "$RESOURCE_GROUP" --resource-type Microsoft.KeyVault/vaults --query "[0].id" -o tsv 2>/dev/null) || return 1
  [[ -n "$vault" ]] && az resource show --ids "$vault/secrets/$1" --query id -o tsv >/dev/null 2>&1
}
# first_ring VARIABLE SECRET WHAT: the variable's ring for a vault without that secret; emptied where the vault has one.
first_ring() {
  if secret_in_vault "$2"; then
    if [[ -n "${!1:-}" ]]; then
      echo "The $3 is in Key Vault already; it stays as it is there ($1 is used by a first deployment only)."
    fi
    printf -v "$1" '%s' ""
  elif [[ -z "${!1:-}" ]]; then
    echo "$1 is not set and the environment's Key Vault holds no $3 yet: add it as a secret to the environment's variable group for the first deployment (README: Deploy to Azure)." >&2
    return 1
  fi
}
first_ring SECRET_PROTECTION_KEYS secret-protection-keys "key ring" || { return 1 2>/dev/null || exit 1; }
first_ring DIGEST_SIGNING_KEYS digest-signing-keys "digest signing key ring" || { return 1 2>/dev/null || exit 1; }
if [[ -z "${API_CLIENT_ID:-}" ]]; then
  echo "API_CLIENT_ID is not set: register the API's app with its roles and add its client id to the environment's variable group (README: Who may call the API)." >&2
  return 1 2>/dev/null || exit 1
fi
if [[ -n "${EXPORTER_AWS_ACCESS_KEY_ID:-}" && -z "${EXPORTER_AWS_SECRET_ACCESS_KEY:-}" ]] || [[ -z "${EXPORTER_AWS_ACCESS_KEY_ID:-}" && -n "${EXPORTER_AWS_SECRET_ACCESS_KEY:-}" ]]; then
  echo "Set both EXPORTER_AWS_ACCESS_KEY_ID and EXPORTER_AWS_SECRET_ACCESS_KEY, or neither." >&2
  return 1 2>/dev/null || exit 1
fi
export SECRET_PROTECTION_KEYS DIGEST_SIGNING_KEYS API_CLIENT_ID
if [[ -n "${EXPORTER_AWS_ACCESS_KEY_ID:-}" ]]; then
  export EXPORTER_AWS_ACCESS_KEY_ID EXPORTER_AWS_SECRET_ACCESS_KEY
fi

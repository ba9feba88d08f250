// Key Vault (RBAC) holding the secret-protection key ring, the digest signing key ring and, optionally, the exporter's own AWS credentials.
param name string
param location string
param tags object
@allowed(['default', 'recover'])
param createMode string
@secure()
param secretProtectionKeys string
@secure()
param digestSigningKeys string
@description('Store the exporter\'s own AWS credentials: both secrets or neither.')
param storeAwsCredentials bool
@secure()
param awsAccessKeyId string
@secure()
param awsSecretAccessKey string

resource vault 'Microsoft.KeyVault/vaults@2025-05-01' = {
  name: name
  location: location
  tags: tags
  properties: {
    createMode: createMode
    tenantId: subscription().tenantId
    sku: { family: 'A', name: 'standard' }
    enableRbacAuthorization: true
    enableSoftDelete: true
    softDeleteRetentionInDays: 90
    enablePurgeProtection: true
    publicNetworkAccess: 'Enabled'
  }
}

// Written only when a ring is given (the first deployment): once in the vault, the vault's secret is the ring. A later
// deployment never replaces it, so a ring rotated in Key Vault is not undone and no key secrets still use is dropped.
var protectionKeysName = 'secret-protection-keys'

resource protectionKeys 'Microsoft.KeyVault/vaults/secrets@2025-05-01' = if (!empty(secretProtectionKeys)) {
  parent: vault
  name: protectionKeysName
  properties: { value: secretProtectionKeys, contentType: 'keyId:base64Key;olderKeyId:base64Key' }
}

// The same rule for the digest signing keys (Ed25519 seeds): rotated in the vault, never replaced by a deployment.
var signingKeysName = 'digest-signing-keys'

resource signingKeys 'Microsoft.KeyVault/vaults/secrets@2025-05-01' = if (!empty(digestSigningKeys)) {
  parent: vault
  name: signingKeysName
  properties: { value: digestSigningKeys, contentType: 'keyId:base64Seed;olderKeyId:base64Seed' }
}

resource awsKeyId 'Microsoft.KeyVault/vaults/secrets@2025-05-01' = if (storeAwsCredentials) {
  parent: vault
  name: 'aws-access-key-id'
  properties: { value: awsAccessKeyId }
}

resource awsSecret 'Microsoft.KeyVault/vaults/secrets@2025-05-01' = if (storeAwsCredentials) {
  parent: vault
  name: 'aws-secret-access-key'
  properties: { value: awsSecretAccessKey }
}

output id string = vault.id
output name string = vault.name
output secretProtectionKeysName string = protectionKeysName
output digestSigningKeysName string = signingKeysName

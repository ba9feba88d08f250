// Key Vault (RBAC) holding the secret-protection key ring and, optionally, the exporter's own AWS credentials.
param name string
param location string
param tags object
@secure()
param secretProtectionKeys string
@secure()
param awsAccessKeyId string
@secure()
param awsSecretAccessKey string

resource vault 'Microsoft.KeyVault/vaults@2023-07-01' = {
  name: name
  location: location
  tags: tags
  properties: {
    tenantId: subscription().tenantId
    sku: { family: 'A', name: 'standard' }
    enableRbacAuthorization: true
    enableSoftDelete: true
    softDeleteRetentionInDays: 90
    enablePurgeProtection: true
    publicNetworkAccess: 'Enabled'
  }
}

resource protectionKeys 'Microsoft.KeyVault/vaults/secrets@2023-07-01' = {
  parent: vault
  name: 'secret-protection-keys'
  properties: { value: secretProtectionKeys, contentType: 'keyId:base64Key;olderKeyId:base64Key' }
}

resource awsKeyId 'Microsoft.KeyVault/vaults/secrets@2023-07-01' = if (!empty(awsAccessKeyId)) {
  parent: vault
  name: 'aws-access-key-id'
  properties: { value: awsAccessKeyId }
}

resource awsSecret 'Microsoft.KeyVault/vaults/secrets@2023-07-01' = if (!empty(awsSecretAccessKey)) {
  parent: vault
  name: 'aws-secret-access-key'
  properties: { value: awsSecretAccessKey }
}

output id string = vault.id
output name string = vault.name
output secretProtectionKeysName string = protectionKeys.name
output hasAwsCredentials bool = !empty(awsAccessKeyId) && !empty(awsSecretAccessKey)

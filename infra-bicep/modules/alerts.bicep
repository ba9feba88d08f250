// What an operator is told about: alert rules on the handler's metrics and the host's invocation records in
// Application Insights, and on Event Hubs, sent to one action group; plus a workbook with the main charts.
param namePrefix string
param location string
param tags object
param applicationInsightsId string
param eventHubNamespaceId string

@description('Where alerts are e-mailed; empty keeps the action group without receivers (alerts still show in the portal).')
param alertEmail string

resource actionGroup 'Microsoft.Insights/actionGroups@2023-01-01' = {
  name: '${namePrefix}-alerts'
  location: 'global'
  tags: tags
  properties: {
    groupShortName: 'auditexport'
    enabled: true
    emailReceivers: empty(alertEmail) ? [] : [
      { name: 'operators', emailAddress: alertEmail, useCommonAlertSchema: true }
    ]
  }
}

// Each rule: a query over Application Insights that returns rows only when something is wrong.
var rules = [
  {
    name: 'export-late-or-failing'
    severity: 2
    description: 'A configuration is LATE or FAILING (the auditexport.configurations gauge, published by CheckExportHealth every 15 minutes). GET /api/export-configurations?health=FAILING,LATE says which and why.'
    frequency: 'PT15M'
    window: 'PT30M'
    query: 'customMetrics | where name == "auditexport.configurations" | extend state = tostring(customDimensions["health.state"]) | where state in ("LATE", "FAILING") | summarize configurations = max(value) by state | where configurations > 0'
  }
  {
    name: 'health-check-not-running'
    severity: 1
    description: 'CheckExportHealth has not succeeded for an hour: the app is down or its timers stopped, so nothing is exported and the health alert cannot fire either.'
    frequency: 'PT30M'
    window: 'PT1H'
    query: 'requests | where operation_Name == "CheckExportHealth" and success == true | summarize runs = count() | where runs == 0'
  }
  {
    name: 'export-timer-failed'
    severity: 2
    description: 'An export timer invocation (ExportEvery*Hours or ExportBacklogs) failed: at least one configuration\'s export failed. The host keeps no reasons for a failed answer: find them in traces whose customDimensions.InvocationId is the failed request\'s invocation id. The next tick redoes the same window.'
    frequency: 'PT15M'
    window: 'PT15M'
    query: 'requests | where (operation_Name startswith "ExportEvery" or operation_Name == "ExportBacklogs") and success == false | summarize failures = count() by operation_Name'
  }
  {
    name: 'events-quarantined'
    severity: 3
    description: 'Events were quarantined (kept in the quarantine table and container with the reason, not exported).'
    frequency: 'PT15M'
    window: 'PT15M'
    query: 'customMetrics | where name == "auditexport.ingest.events" and tostring(customDimensions["outcome"]) == "quarantined" | summarize events = sum(valueSum) by reason = tostring(customDimensions["reason"]) | where events > 0'
  }
  {
    name: 'ingest-failing'
    severity: 1
    description: 'IngestAuditEvents invocations fail: the host retries the batch, so events pile up in Event Hubs until storage is back.'
    frequency: 'PT5M'
    window: 'PT15M'
    query: 'requests | where operation_Name == "IngestAuditEvents" and success == false | summarize failures = count()'
  }
  {
    name: 'ingest-behind'
    severity: 2
    description: 'Events are stored more than 15 minutes after Event Hubs received them (auditexport.ingest.latency): ingest is behind.'
    frequency: 'PT15M'
    window: 'PT15M'
    query: 'customMetrics | where name == "auditexport.ingest.latency" | summarize worstSeconds = max(valueMax) | where worstSeconds > 900'
  }
]

resource queryRules 'Microsoft.Insights/scheduledQueryRules@2026-03-01' = [for rule in rules: {
  name: '${namePrefix}-${rule.name}'
  location: location
  tags: tags
  properties: {
    displayName: '${namePrefix}: ${rule.name}'
    description: rule.description
    severity: rule.severity
    enabled: true
    scopes: [applicationInsightsId]
    evaluationFrequency: rule.frequency
    windowSize: rule.window
    criteria: {
      allOf: [
        {
          query: rule.query
          timeAggregation: 'Count'
          operator: 'GreaterThan'
          threshold: 0
          failingPeriods: { numberOfEvaluationPeriods: 1, minFailingPeriodsToAlert: 1 }
        }
      ]
    }
    autoMitigate: true
    actions: { actionGroups: [actionGroup.id] }
  }
}]

// Event Hubs offers no consumer-lag metric on Standard; events coming in while none go out is the stall that matters.
resource consumerStalled 'Microsoft.Insights/metricAlerts@2026-01-01' = {
  name: '${namePrefix}-event-hubs-not-consumed'
  location: 'global'
  tags: tags
  properties: {
    description: 'Events arrive in Event Hubs but none are read for 30 minutes: the ingest function is not running or cannot keep up.'
    severity: 1
    enabled: true
    scopes: [eventHubNamespaceId]
    evaluationFrequency: 'PT5M'
    windowSize: 'PT30M'
    criteria: {
      'odata.type': 'Microsoft.Azure.Monitor.SingleResourceMultipleMetricCriteria'
      allOf: [
        { criterionType: 'StaticThresholdCriterion', name: 'incoming', metricName: 'IncomingMessages', metricNamespace: 'Microsoft.EventHub/namespaces', operator: 'GreaterThan', threshold: 0, timeAggregation: 'Total' }
        { criterionType: 'StaticThresholdCriterion', name: 'outgoing', metricName: 'OutgoingMessages', metricNamespace: 'Microsoft.EventHub/namespaces', operator: 'LessThan', threshold: 1, timeAggregation: 'Total' }
      ]
    }
    autoMitigate: true
    actions: [{ actionGroupId: actionGroup.id }]
  }
}

var charts = [
  { title: 'Events ingested, by outcome', query: 'customMetrics | where name == "auditexport.ingest.events" | summarize events = sum(valueSum) by outcome = tostring(customDimensions["outcome"]), bin(timestamp, 15m) | render timechart' }
  { title: 'Quarantined events, by reason', query: 'customMetrics | where name == "auditexport.ingest.events" and tostring(customDimensions["outcome"]) == "quarantined" | summarize events = sum(valueSum) by reason = tostring(customDimensions["reason"]), bin(timestamp, 1h) | render columnchart' }
  { title: 'Ingest latency (enqueued to stored), seconds', query: 'customMetrics | where name == "auditexport.ingest.latency" | summarize average = sum(valueSum) / sum(valueCount), worst = max(valueMax) by bin(timestamp, 15m) | render timechart' }
  { title: 'Configurations by health state', query: 'customMetrics | where name == "auditexport.configurations" | summarize configurations = max(value) by state = tostring(customDimensions["health.state"]), bin(timestamp, 15m) | render areachart' }
  { title: 'Hours since last successful export, per configuration', query: 'customMetrics | where name == "auditexport.export.seconds_since_success" | summarize hours = max(value) / 3600 by configuration = tostring(customDimensions["configuration.id"]), bin(timestamp, 1h) | render timechart' }
  { title: 'Records exported, per configuration', query: 'customMetrics | where name == "auditexport.export.records" | summarize records = sum(valueSum) by configuration = tostring(customDimensions["configuration.id"]), bin(timestamp, 2h) | render columnchart' }
  { title: 'MB exported (gzip), per configuration', query: 'customMetrics | where name == "auditexport.export.bytes" | summarize megabytes = sum(valueSum) / 1048576 by configuration = tostring(customDimensions["configuration.id"]), bin(timestamp, 2h) | render columnchart' }
  { title: 'Export jobs, by outcome', query: 'customMetrics | where name == "auditexport.export.jobs" | summarize jobs = sum(valueSum) by outcome = tostring(customDimensions["outcome"]), bin(timestamp, 2h) | render columnchart' }
  { title: 'Failed invocations, by function', query: 'requests | where success == false | summarize failures = count() by operation_Name, bin(timestamp, 15m) | render timechart' }
]

var workbookItems = [for (chart, i) in charts: {
  type: 3
  name: 'chart-${i}'
  content: {
    version: 'KqlItem/1.0'
    title: chart.title
    query: chart.query
    size: 0
    timeContext: { durationMs: 86400000 }
    queryType: 0
    resourceType: 'microsoft.insights/components'
  }
}]

resource workbook 'Microsoft.Insights/workbooks@2023-06-01' = {
  name: guid(resourceGroup().id, namePrefix, 'audit-export-workbook')
  location: location
  tags: tags
  kind: 'shared'
  properties: {
    displayName: 'Audit export (${namePrefix})'
    category: 'workbook'
    sourceId: applicationInsightsId
    serializedData: string({
      version: 'Notebook/1.0'
      items: workbookItems
      isLocked: false
    })
  }
}

output actionGroupId string = actionGroup.id
output alertRuleNames array = [for (rule, i) in rules: queryRules[i].name]

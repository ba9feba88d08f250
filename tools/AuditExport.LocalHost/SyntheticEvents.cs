using System.Text.Json;

namespace AuditExport.LocalHost;

/// <summary>Deterministic UAM query events of about 1 KiB, for load and measurement.</summary>
public static class SyntheticEvents
{
    private static readonly string[] Technologies = ["SNOWFLAKE", "DATABRICKS", "TRINO"];
    private static readonly string[] Tables = ["sales.orders", "sales.customers", "finance.payments", "hr.people", "ops.tickets"];
    private static readonly string[] Statuses = ["SUCCESS", "SUCCESS", "SUCCESS", "FAILURE", "UNAUTHORIZED"];

    public static string Create(int index, DateTimeOffset timestamp, Random random)
    {
        var table = Tables[random.Next(Tables.Length)];
        var user = $"user{random.Next(500):D3}@example.org";
        var start = timestamp.AddMilliseconds(-random.Next(5000));
        var payload = new Dictionary<string, object?>
        {
            ["id"] = $"{Guid.NewGuid()}-{index}",
            ["action"] = "QUERY",
            ["actionStatus"] = Statuses[random.Next(Statuses.Length)],
            ["actor"] = new { type = "USER_ACTOR", id = user, name = user.Split('@')[0], identityProvider = "bim", profileId = random.Next(1, 5000) },
            ["actorIp"] = $"10.{random.Next(256)}.{random.Next(256)}.{random.Next(256)}",
            ["eventTimestamp"] = timestamp.ToString("yyyy-MM-ddTHH:mm:ss.fffZ"),
            ["receivedTimestamp"] = timestamp.AddSeconds(random.Next(1, 60)).ToString("yyyy-MM-ddTHH:mm:ss.fffZ"),
            ["tenantId"] = "acme.example-immuta.com",
            ["targetType"] = "DATASOURCE",
            ["targets"] = new[] { new { type = "DATASOURCE", id = random.Next(100, 999).ToString(), name = table, technology = Technologies[random.Next(Technologies.Length)] } },
            ["sessionId"] = $"sess-{random.Next(100_000):D6}",
            ["auditPayload"] = new
            {
                type = "QueryAuditPayload",
                queryId = Guid.NewGuid().ToString(),
                query = $"select order_id, amount, region, customer_id from {table} where region = '{(random.Next(2) == 0 ? "EU" : "US")}' and amount > {random.Next(10_000)} order by amount desc limit {random.Next(1, 1000)}",
                startTime = start.ToString("yyyy-MM-ddTHH:mm:ss.fffZ"),
                endTime = timestamp.ToString("yyyy-MM-ddTHH:mm:ss.fffZ"),
                duration = random.Next(1, 5000),
                technologyContext = new { type = "SnowflakeContext", host = "acme.eu-west-1.snowflakecomputing.com", rowsProduced = random.Next(100_000) },
                objectsAccessed = new[] { new { columns = new[] { new { name = "ORDER_ID", tags = Array.Empty<object>() }, new { name = "AMOUNT", tags = Array.Empty<object>() } } } },
            },
        };
        return JsonSerializer.Serialize(payload);
    }
}

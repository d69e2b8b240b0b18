using ConnectorHealth.Contracts;
using ConnectorHealth.IntegrationTests.Infrastructure;
using ConnectorHealth.Metrics;
using ConnectorHealth.Metrics.Ingest;
using ConnectorHealth.Metrics.Rollups;

namespace ConnectorHealth.IntegrationTests.Metrics;

[Collection(PostgresCollection.Name)]
public sealed class SeedViewTests(PostgresServer postgres)
{
    private static readonly DateTimeOffset Now = new(2026, 3, 10, 12, 0, 0, TimeSpan.Zero);

    [Fact]
    public async Task TheSeedViewsReturnWhatTheFirstVersionsSqlWould()
    {
        await using var db = await MetricsDatabase.CreateAsync(postgres, Now);
        var generator = new TestRuns(5);
        foreach (var batch in generator.Batches(generator.Many(4_000, ["crm", "billing", "ads", "hr"], Now.AddDays(-20), Now), 100))
        {
            await db.StoreAsync([.. batch]);
        }
        await using (var create = db.DataSource.CreateCommand(FirstVersion.Views))
        {
            await create.ExecuteNonQueryAsync();
        }

        // In UTC the first version's day is the UTC day, which ours is in every session.
        var ours = await db.RowsAsync("SELECT * FROM mart.connector_health_daily ORDER BY connector_name, day");
        var first = await RowsInUtcAsync(db, "SELECT * FROM first_version.connector_health_daily ORDER BY connector_name, day");
        Assert.Equal(first.Count, ours.Count);
        Assert.True(ours.Count >= 80);
        foreach (var (mine, theirs) in ours.Zip(first))
        {
            Assert.Equal(theirs[..3], mine[..3]);
            for (var column = 3; column < 7; column++)
            {
                Assert.Equal((double)theirs[column]!, (double)mine[column]!, 1e-9);
            }
        }

        var reasons = await db.RowsAsync("SELECT * FROM mart.top_failure_reasons");
        var firstReasons = await RowsInUtcAsync(db, "SELECT * FROM first_version.top_failure_reasons");
        Assert.Equal(Sorted(firstReasons), Sorted(reasons));
        Assert.Contains(reasons, r => (string)r[1]! == "unknown");
        Assert.Equal(reasons.Select(r => (long)r[2]!).OrderDescending(), reasons.Select(r => (long)r[2]!));

        Assert.Equal(await db.CountAsync("SELECT count(*) FROM metrics.attempts"), await db.CountAsync("SELECT count(*) FROM raw.connector_attempts"));
        Assert.Equal(0, await db.CountAsync("SELECT count(*) FROM raw.connector_runs WHERE status NOT IN ('success', 'failed')"));

        static IEnumerable<string> Sorted(List<object?[]> rows) => rows.Select(r => string.Join('|', r)).Order(StringComparer.Ordinal);
    }

    [Fact]
    public async Task TheDailySeedViewCountsRunsThatCrossMidnightOnTheDayTheyEndedAsTheFirstVersionDid()
    {
        await using var db = await MetricsDatabase.CreateAsync(postgres, Now);
        var midnight = new DateTimeOffset(2026, 3, 2, 0, 0, 0, TimeSpan.Zero);
        await db.StoreAsync(
            TestRuns.Run("crm", midnight.AddMinutes(-1), latencyMs: 120_000),
            TestRuns.Run("crm", midnight.AddHours(-3), RunStatus.Failed, latencyMs: 4 * 3_600_000, errorType: "Timeout"),
            TestRuns.Run("crm", midnight.AddTicks(-10), latencyMs: 0.5, rateLimited: true, attempts: 2),
            TestRuns.Run("crm", midnight.AddHours(-2), latencyMs: 300),
            TestRuns.Run("crm", midnight.AddHours(1), latencyMs: 80),
            TestRuns.Run("billing", midnight.AddDays(1).AddSeconds(-30), latencyMs: 45_000));
        await using (var create = db.DataSource.CreateCommand(FirstVersion.Views))
        {
            await create.ExecuteNonQueryAsync();
        }

        const string ours = "SELECT * FROM mart.connector_health_daily ORDER BY connector_name, day";
        const string theirs = "SELECT * FROM first_version.connector_health_daily ORDER BY connector_name, day";
        var first = await RowsInUtcAsync(db, theirs);
        AssertSameDays(first, await db.RowsAsync(ours));
        Assert.Equal(
            [("billing", new DateOnly(2026, 3, 3), 1L), ("crm", new DateOnly(2026, 3, 1), 1L), ("crm", new DateOnly(2026, 3, 2), 4L)],
            first.Select(r => ((string)r[0]!, (DateOnly)r[1]!, (long)r[2]!)));

        // A rebuild of the days keeps the view equal to the first version's.
        await db.Rebuilder.RebuildRollupsAsync(new DateOnly(2026, 3, 1), new DateOnly(2026, 3, 4), CancellationToken.None);
        AssertSameDays(first, await db.RowsAsync(ours));
        await db.Rebuilder.RebuildRollupsAsync(new DateOnly(2026, 3, 2), new DateOnly(2026, 3, 3), CancellationToken.None);
        AssertSameDays(first, await db.RowsAsync(ours));

        static void AssertSameDays(List<object?[]> expected, List<object?[]> actual)
        {
            Assert.Equal(expected.Count, actual.Count);
            foreach (var (mine, theirs) in actual.Zip(expected))
            {
                Assert.Equal(theirs[..3], mine[..3]);
                for (var column = 3; column < 7; column++)
                {
                    Assert.Equal((double)theirs[column]!, (double)mine[column]!, 1e-9);
                }
            }
        }
    }

    [Fact]
    public async Task TheSeedViewsHaveTheFirstVersionsColumns()
    {
        await using var db = await MetricsDatabase.CreateAsync(postgres, Now);

        var columns = (await db.RowsAsync(
            """
            SELECT table_schema || '.' || table_name, string_agg(column_name::text, ',' ORDER BY ordinal_position)
            FROM information_schema.columns WHERE table_schema IN ('raw', 'mart') GROUP BY 1
            """)).ToDictionary(r => (string)r[0]!, r => (string)r[1]!);

        Assert.Equal(new Dictionary<string, string>
        {
            ["raw.connector_runs"] = "run_id,connector_name,idempotency_key,status,started_at,ended_at,latency_ms,attempts,request_count,rate_limited,error_type,error_message",
            ["raw.connector_attempts"] = "attempt_id,connector_name,idempotency_key,attempt_no,started_at,ended_at,status,http_status,error_type,error_message",
            ["mart.connector_health_daily"] = "connector_name,day,total_runs,success_rate,avg_latency_ms,avg_attempts,rate_limited_rate",
            ["mart.top_failure_reasons"] = "connector_name,error_type,failures",
        }, columns);
    }

    [Fact]
    public async Task TheMigrationLeavesOtherServicesObjectsInRawAndMartAlone()
    {
        await using var db = await MetricsDatabase.CreateAsync(postgres, Now, beforeMigration:
            """
            CREATE SCHEMA raw;
            CREATE SCHEMA mart;
            CREATE TABLE raw.alerts_source (id int);
            CREATE VIEW raw.connector_schema AS SELECT 'crm'::text AS connector_name, ARRAY['id']::text[] AS schema_keys, now() AS updated_at;
            """);

        Assert.Equal(1, await db.CountAsync("SELECT count(*) FROM raw.connector_schema"));
        Assert.Equal(0, await db.CountAsync("SELECT count(*) FROM raw.connector_runs"));
    }

    private static async Task<List<object?[]>> RowsInUtcAsync(MetricsDatabase db, string sql)
    {
        await using var connection = await db.DataSource.OpenConnectionAsync();
        await using (var utc = new Npgsql.NpgsqlCommand("SET TIME ZONE 'UTC'", connection))
        {
            await utc.ExecuteNonQueryAsync();
        }
        await using var command = new Npgsql.NpgsqlCommand(sql, connection);
        var rows = new List<object?[]>();
        await using (var reader = await command.ExecuteReaderAsync())
        {
            while (await reader.ReadAsync())
            {
                var row = new object?[reader.FieldCount];
                reader.GetValues(row!);
                rows.Add([.. row.Select(v => v is DBNull ? null : v)]);
            }
        }
        await using (var reset = new Npgsql.NpgsqlCommand("RESET TIME ZONE", connection))
        {
            await reset.ExecuteNonQueryAsync();
        }
        return rows;
    }
}

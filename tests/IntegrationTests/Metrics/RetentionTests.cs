using ConnectorHealth.IntegrationTests.Infrastructure;
using ConnectorHealth.Metrics;
using ConnectorHealth.Metrics.Ingest;
using ConnectorHealth.Metrics.Rollups;
using Microsoft.Extensions.Logging.Abstractions;

namespace ConnectorHealth.IntegrationTests.Metrics;

[Collection(PostgresCollection.Name)]
public sealed class RetentionTests(PostgresServer postgres)
{
    [Fact]
    public async Task RetentionDropsWholeExpiredMonthsAndKeepsTheRollups()
    {
        var options = new MetricsOptions { RawRunRetention = TimeSpan.FromDays(60) };
        await using var db = await MetricsDatabase.CreateAsync(postgres, new DateTimeOffset(2026, 3, 10, 0, 0, 0, TimeSpan.Zero), options);
        var generator = new TestRuns(3);
        var january = generator.Many(300, ["crm", "billing"], new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero), new(2026, 2, 1, 0, 0, 0, TimeSpan.Zero));
        var february = generator.Many(300, ["crm", "billing"], new(2026, 2, 1, 0, 0, 0, TimeSpan.Zero), new(2026, 3, 1, 0, 0, 0, TimeSpan.Zero));
        var march = generator.Many(300, ["crm", "billing"], new(2026, 3, 1, 0, 0, 0, TimeSpan.Zero), new(2026, 3, 10, 0, 0, 0, TimeSpan.Zero));
        await db.StoreAsync([.. january, .. february, .. march]);
        var rollupsBefore = await db.RowsAsync("SELECT * FROM mart.connector_health_daily ORDER BY 1, 2");

        // 2026-05-15 minus 60 days is 2026-03-16: January and February are wholly older, March is not.
        db.Time.SetUtcNow(new DateTimeOffset(2026, 5, 15, 0, 0, 0, TimeSpan.Zero));
        var maintenance = new PartitionMaintenance(db.DataSource, db.Partitions, Microsoft.Extensions.Options.Options.Create(options), db.Time,
            NullLogger<PartitionMaintenance>.Instance);
        var dropped = await maintenance.RunOnceAsync(CancellationToken.None);

        Assert.Equal([new DateOnly(2026, 1, 1), new DateOnly(2026, 2, 1)], dropped);
        var partitions = await db.RowsAsync(
            "SELECT c.relname::text FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid WHERE i.inhparent = 'metrics.runs'::regclass ORDER BY 1");
        Assert.Equal(["runs_p2026_03", "runs_p2026_05", "runs_p2026_06"], partitions.Select(p => (string)p[0]!));
        Assert.Equal(march.Count, await db.CountAsync("SELECT count(*) FROM metrics.runs"));
        Assert.Equal(march.Count, await db.CountAsync("SELECT count(*) FROM metrics.run_ids"));
        Assert.Equal(march.Sum(r => r.Attempts.Count), await db.CountAsync("SELECT count(*) FROM metrics.attempts"));
        Assert.Equal(
            rollupsBefore.Select(r => string.Join('|', r)),
            (await db.RowsAsync("SELECT * FROM mart.connector_health_daily ORDER BY 1, 2")).Select(r => string.Join('|', r)));

        // A January run delivered again now cannot be told apart from a new one: it is rejected, not counted twice.
        Assert.Equal(new StoreResult(0, 0, 1), await db.StoreAsync(january[0]));
        Assert.Equal(900, await db.CountAsync("SELECT sum(total) FROM metrics.rollup_daily"));
        Assert.Empty(await maintenance.RunOnceAsync(CancellationToken.None));
    }
}

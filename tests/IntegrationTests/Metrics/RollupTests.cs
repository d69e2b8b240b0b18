using System.Globalization;
using ConnectorHealth.Contracts;
using ConnectorHealth.IntegrationTests.Infrastructure;
using ConnectorHealth.Metrics;
using ConnectorHealth.Metrics.Ingest;
using ConnectorHealth.Metrics.Rollups;

namespace ConnectorHealth.IntegrationTests.Metrics;

[Collection(PostgresCollection.Name)]
public sealed class RollupTests(PostgresServer postgres)
{
    private static readonly DateTimeOffset Now = new(2026, 3, 10, 12, 0, 0, TimeSpan.Zero);
    private static readonly string[] Connectors = ["alpha", "beta", "gamma", "delta", "epsilon", "zeta", "eta", "theta"];

    [Fact]
    public async Task RollupsAlwaysEqualARecomputationFromTheRawRuns()
    {
        await using var db = await MetricsDatabase.CreateAsync(postgres, Now);
        var generator = new TestRuns(42);
        // Some reported by OpenLineage: aborted ones, and ones with a nominal time (lateness).
        var runs = RunsAcrossBoundaries(generator).Select(r => generator.Random.NextDouble() switch
        {
            < 0.05 => r with { Status = RunStatus.Aborted, ErrorType = null, ErrorMessage = null },
            < 0.25 => r with
            {
                Source = RunSource.Reported,
                Lineage = NominalTimes(r.Connector, r.StartedAt.AddMinutes(-generator.Random.Next(120)), generator.Random),
            },
            _ => r,
        }).ToList();

        // Out of order, redelivered, and with the same RunId reported again at another time: written by three
        // parallel writers in batches of random size.
        var deliveries = generator.Shuffle(runs
            .Concat(runs.Where(_ => generator.Random.NextDouble() < 0.1))
            .Concat(runs.Where(_ => generator.Random.NextDouble() < 0.02).Select(r => r with { StartedAt = r.StartedAt.AddDays(-1) })));
        var queue = new System.Collections.Concurrent.ConcurrentQueue<List<RunCompleted>>(generator.Batches(deliveries, 150));
        await Task.WhenAll(Enumerable.Range(0, 3).Select(_ => Task.Run(async () =>
        {
            while (queue.TryDequeue(out var batch))
            {
                await db.Writer.StoreAsync([.. batch.Select(r => new IncomingRun(r, null))], CancellationToken.None);
            }
        })));

        Assert.Equal(runs.Count, await db.CountAsync("SELECT count(*) FROM metrics.runs"));
        Assert.True(await db.CountAsync("SELECT count(*) FROM metrics.runs WHERE status = 'aborted'") > 100);
        Assert.True(await db.CountAsync("SELECT count(*) FROM metrics.runs WHERE lateness_ms IS NOT NULL") > 500);
        await AssertRollupsEqualRecomputationAsync(db);

        const string datasetTables =
            """
            SELECT 'w', dataset_key, day::text, connector, runs, counted_runs, rows, rows_min, rows_max, bytes, NULL FROM metrics.dataset_writes_daily
            UNION ALL
            SELECT 'd', dataset_key, namespace, name, NULL, NULL, last_rows, last_bytes, NULL, NULL, last_run_id::text || last_writer FROM metrics.datasets
            ORDER BY 1, 2, 3, 4
            """;
        var datasets = (await db.RowsAsync(datasetTables)).Select(r => string.Join('|', r)).ToList();
        Assert.True(datasets.Count > 100, "The runs wrote datasets.");

        // The bulk path (what the benchmark uses after a COPY) must produce the same rollups and dataset volumes.
        await db.Rebuilder.RebuildRollupsAsync(new DateOnly(2026, 1, 1), new DateOnly(2026, 4, 1), CancellationToken.None);
        await AssertRollupsEqualRecomputationAsync(db);
        Assert.Equal(datasets, (await db.RowsAsync(datasetTables)).Select(r => string.Join('|', r)));
    }

    [Fact]
    public async Task PercentilesStayWithinTheHistogramErrorBoundOfTheExactValues()
    {
        await using var db = await MetricsDatabase.CreateAsync(postgres, Now);
        var generator = new TestRuns(7);
        foreach (var batch in generator.Batches(generator.Many(6_000, Connectors[..4], Now.AddDays(-6), Now), 200))
        {
            await db.StoreAsync([.. batch]);
        }

        var kpis = await db.Kpis.DailyAsync(null, new DateOnly(2026, 3, 1), new DateOnly(2026, 3, 10), null, CancellationToken.None);
        var exact = (await db.RowsAsync(
            """
            SELECT connector, (finished_at AT TIME ZONE 'UTC')::date,
                   percentile_disc(0.5) WITHIN GROUP (ORDER BY latency_ms),
                   percentile_disc(0.95) WITHIN GROUP (ORDER BY latency_ms),
                   percentile_disc(0.99) WITHIN GROUP (ORDER BY latency_ms),
                   avg(latency_ms), avg(attempts), avg(CASE WHEN status = 'succeeded' THEN 1.0 ELSE 0 END)
            FROM metrics.runs GROUP BY 1, 2
            """)).ToDictionary(r => ((string)r[0]!, (DateOnly)r[1]!));

        Assert.Equal(exact.Count, kpis.Count);
        foreach (var kpi in kpis)
        {
            var row = exact[(kpi.Connector, kpi.Day)];
            AssertWithinBound((double)row[2]!, kpi.P50LatencyMs);
            AssertWithinBound((double)row[3]!, kpi.P95LatencyMs);
            AssertWithinBound((double)row[4]!, kpi.P99LatencyMs);
            // Answers are rounded: latencies to 0.1 ms, attempts to 3 decimals, rates to 4.
            Assert.InRange(kpi.MeanLatencyMs - (double)row[5]!, -0.05, 0.05);
            Assert.InRange(kpi.MeanAttempts - (double)(decimal)row[6]!, -0.0005, 0.0005);
            Assert.InRange(kpi.SuccessRate - (double)(decimal)row[7]!, -0.00005, 0.00005);
        }

        static void AssertWithinBound(double exact, double estimate) =>
            Assert.True(Math.Abs(estimate - exact) <= (exact < 1 ? 1 : exact * HistogramSpec.RelativeErrorBound) + 0.05,
                $"estimate {estimate} is too far from the exact {exact}");
    }

    [Fact]
    public async Task DaysAndHoursAreUtcWhateverTheSessionTimeZone()
    {
        // The database's sessions run at +13:45 (Chatham daylight time); days and hours must still be UTC.
        await using var db = await MetricsDatabase.CreateAsync(postgres, Now, sessionTimeZone: "Pacific/Chatham");
        var lastMicrosecond = new DateTimeOffset(2026, 3, 1, 23, 59, 59, TimeSpan.Zero).AddTicks(9_999_990);

        // Runs count in the UTC hour and day they ended: the first ends on the day's last microsecond.
        await db.StoreAsync(
            TestRuns.Run("alpha", lastMicrosecond.AddMilliseconds(-120), latencyMs: 120),
            TestRuns.Run("alpha", new DateTimeOffset(2026, 3, 2, 0, 0, 0, TimeSpan.Zero), RunStatus.Failed),
            TestRuns.Run("alpha", new DateTimeOffset(2026, 3, 2, 0, 59, 59, TimeSpan.Zero)));

        var days = await db.RowsAsync("SELECT day, total FROM metrics.rollup_daily ORDER BY day");
        Assert.Equal([(new DateOnly(2026, 3, 1), 1), (new DateOnly(2026, 3, 2), 2)], days.Select(d => ((DateOnly)d[0]!, (int)d[1]!)));
        var hours = await db.RowsAsync("SELECT to_char(hour AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24'), total FROM metrics.rollup_hourly ORDER BY hour");
        Assert.Equal([("2026-03-01 23", 1), ("2026-03-02 00", 2)], hours.Select(h => ((string)h[0]!, (int)h[1]!)));
        var mart = await db.RowsAsync("SELECT day::text, total_runs, success_rate FROM mart.connector_health_daily ORDER BY day");
        Assert.Equal([("2026-03-01", 1L, 1.0), ("2026-03-02", 2L, 0.5)], mart.Select(m => ((string)m[0]!, (long)m[1]!, (double)m[2]!)));
    }

    [Fact]
    public async Task TheMigrationToEndedDaysRecountsRollupsLeftByStartDayFromTheRawRuns()
    {
        await using var db = await MetricsDatabase.CreateAsync(postgres, Now);
        var generator = new TestRuns(9);
        var runs = RunsAcrossBoundaries(generator);
        foreach (var batch in generator.Batches(runs, 300))
        {
            await db.StoreAsync([.. batch]);
        }
        // The rollups as the start-day rule left them: every run folded into the hour and day it started.
        await db.RowsAsync(
            """
            WITH wiped AS (DELETE FROM metrics.rollup_daily RETURNING 1), wiped_hours AS (DELETE FROM metrics.rollup_hourly RETURNING 1),
                 wiped_failures AS (DELETE FROM metrics.failures_daily RETURNING 1)
            SELECT (SELECT count(*) FROM wiped) + (SELECT count(*) FROM wiped_hours) + (SELECT count(*) FROM wiped_failures)
            """);
        await db.RowsAsync(
            """
            INSERT INTO metrics.failures_daily (day, connector, error_type, failures)
            SELECT (started_at AT TIME ZONE 'UTC')::date, connector, coalesce(error_type, 'unknown'), count(*)::integer
            FROM metrics.runs WHERE status = 'failed' GROUP BY 1, 2, 3
            """);
        var before = await db.RowsAsync("SELECT day, version FROM metrics.rollup_day_versions");

        await db.RowsAsync(MetricsDatabase.MigrationScript("V2__rollups_by_ended_day.sql"));

        await AssertRollupsEqualRecomputationAsync(db);
        // Every rebuilt day that has ended moved its version, so no reader keeps an answer counted by the old rule.
        var versions = (await db.RowsAsync("SELECT day, version FROM metrics.rollup_day_versions")).ToDictionary(r => (DateOnly)r[0]!, r => (long)r[1]!);
        var oldVersions = before.ToDictionary(r => (DateOnly)r[0]!, r => (long)r[1]!);
        var firstDay = (DateOnly)(await db.RowsAsync("SELECT (min(started_at) AT TIME ZONE 'UTC')::date FROM metrics.runs"))[0][0]!;
        var today = DateOnly.FromDateTime(DateTime.UtcNow);
        Assert.Equal(today.DayNumber - firstDay.DayNumber, versions.Count(v => v.Key >= firstDay && v.Key < today));
        Assert.All(versions.Where(v => v.Key >= firstDay && v.Key < today), v => Assert.Equal(oldVersions.GetValueOrDefault(v.Key) + 1, v.Value));
    }

    [Fact]
    public async Task TheSqlBucketOfALatencyIsTheDocumentedOne()
    {
        await using var db = await MetricsDatabase.CreateAsync(postgres, Now);
        var random = new Random(12);
        var latencies = Enumerable.Range(0, 5_000).Select(_ => Math.Exp(random.NextDouble() * 16) - 1).Append(0).Append(1).ToArray();

        var buckets = await db.RowsAsync("SELECT l, metrics.latency_bucket(l) FROM unnest($1::float8[]) AS l", latencies);

        Assert.All(buckets, row =>
        {
            var (latency, bucket) = ((double)row[0]!, (int)row[1]!);
            Assert.InRange(latency, HistogramSpec.LowerBound(bucket), HistogramSpec.UpperBound(bucket));
        });
    }

    // A job that was meant to start at nominalStart, and half the time to end within 90 minutes of that.
    private static RunLineage NominalTimes(string job, DateTimeOffset nominalStart, Random random) =>
        TestRuns.Lineage("airflow", job, nominalStart: nominalStart,
            nominalEnd: random.NextDouble() < 0.5 ? nominalStart.AddMinutes(random.Next(90)) : null,
            outputs: [TestRuns.Dataset("postgres://db", $"table_{random.Next(4)}", random.NextDouble() < 0.8 ? random.Next(10_000) : null, random.Next(100_000))]);

    // Random runs over ~2.5 months plus runs on the last and first microsecond of days and hours, so late runs in
    // the shuffled delivery cross day, hour and month (partition) boundaries.
    private static List<RunCompleted> RunsAcrossBoundaries(TestRuns generator)
    {
        var runs = generator.Many(5_000, Connectors, new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero), Now);
        for (var i = 0; i < 400; i++)
        {
            var day = new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero).AddDays(generator.Random.Next(68));
            var edge = day.AddHours(generator.Random.Next(24));
            var connector = Connectors[generator.Random.Next(Connectors.Length)];
            runs.Add(generator.RandomRun(connector, edge));
            runs.Add(generator.RandomRun(connector, edge.AddTicks(-10)));
            // Long runs that start before the boundary and end after it: counted where they end.
            runs.Add(TestRuns.Run(connector, edge.AddSeconds(-30), latencyMs: 60_000));
        }
        return runs;
    }

    private static async Task AssertRollupsEqualRecomputationAsync(MetricsDatabase db)
    {
        // Independent formulations of the UTC hour and day, straight from the raw runs.
        const string recomputed =
            """
            SELECT {0} AS key, connector, count(*)::int, count(*) FILTER (WHERE status = 'succeeded')::int,
                   count(*) FILTER (WHERE status = 'failed')::int, count(*) FILTER (WHERE rate_limited)::int,
                   sum(attempts)::bigint, sum(latency_ms), min(latency_ms), max(latency_ms),
                   count(*) FILTER (WHERE status = 'aborted')::int, count(lateness_ms)::int, coalesce(sum(lateness_ms), 0), max(lateness_ms)
            FROM metrics.runs GROUP BY 1, 2
            """;
        const string stored =
            """
            SELECT {0}, connector, total, succeeded, failed, rate_limited, attempts, latency_sum, latency_min, latency_max,
                   latency_histogram, aborted, late_runs, lateness_sum, lateness_max
            FROM {1}
            """;
        const string buckets = "SELECT {0}, connector, metrics.latency_bucket(latency_ms), count(*) FROM metrics.runs GROUP BY 1, 2, 3";
        // A run counts in the hour and day it ended.
        var hourKey = "to_char(date_trunc('hour', finished_at AT TIME ZONE 'UTC'), 'YYYY-MM-DD HH24')";
        var dayKey = "to_char(date_trunc('day', finished_at AT TIME ZONE 'UTC'), 'YYYY-MM-DD')";

        await Compare(
            string.Format(CultureInfo.InvariantCulture, recomputed, hourKey),
            string.Format(CultureInfo.InvariantCulture, stored, "to_char(hour AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24')", "metrics.rollup_hourly"),
            string.Format(CultureInfo.InvariantCulture, buckets, hourKey));
        await Compare(
            string.Format(CultureInfo.InvariantCulture, recomputed, dayKey),
            string.Format(CultureInfo.InvariantCulture, stored, "to_char(day, 'YYYY-MM-DD')", "metrics.rollup_daily"),
            string.Format(CultureInfo.InvariantCulture, buckets, dayKey));

        var failures = await db.RowsAsync(
            $"""
            SELECT {dayKey}, connector, coalesce(error_type, 'unknown'), count(*)::int FROM metrics.runs
            WHERE status = 'failed' GROUP BY 1, 2, 3 ORDER BY 1, 2, 3
            """);
        var storedFailures = await db.RowsAsync(
            "SELECT to_char(day, 'YYYY-MM-DD'), connector, error_type, failures FROM metrics.failures_daily ORDER BY 1, 2, 3");
        Assert.NotEmpty(failures);
        Assert.Equal(failures.Select(f => string.Join('|', f)), storedFailures.Select(f => string.Join('|', f)));

        async Task Compare(string recomputeSql, string storedSql, string bucketSql)
        {
            var expected = (await db.RowsAsync(recomputeSql)).ToDictionary(r => ((string)r[0]!, (string)r[1]!));
            var actual = (await db.RowsAsync(storedSql)).ToDictionary(r => ((string)r[0]!, (string)r[1]!));
            var histograms = (await db.RowsAsync(bucketSql))
                .GroupBy(r => ((string)r[0]!, (string)r[1]!))
                .ToDictionary(g => g.Key, g => g.OrderBy(r => (int)r[2]!).Select(r => ((long)(int)r[2]! << 32) | (long)r[3]!).ToArray());

            Assert.Equal(expected.Keys.Order(), actual.Keys.Order());
            foreach (var (key, row) in expected)
            {
                var rollup = actual[key];
                for (var column = 2; column <= 6; column++)
                {
                    Assert.Equal(row[column], rollup[column]);
                }
                for (var column = 7; column <= 9; column++)
                {
                    Assert.Equal((double)row[column]!, (double)rollup[column]!, 1e-6);
                }
                // Aborted runs and lateness (the migration test's rebuild by an earlier rule knows neither: none of its runs has them).
                Assert.Equal(row[10], rollup[11]);
                Assert.Equal(row[11], rollup[12]);
                Assert.Equal((double)row[12]!, (double)rollup[13]!, 1e-3);
                Assert.Equal((double?)row[13], (double?)rollup[14]);
                // Merged histograms: one entry per bucket, sorted, counts equal to the raw runs'.
                Assert.Equal(histograms[key], (long[])rollup[10]!);
                // The service reads its percentiles with the documented rule.
                var (min, max) = ((double)row[8]!, (double)row[9]!);
                foreach (var quantile in new[] { 0.50, 0.95, 0.99 })
                {
                    Assert.Equal(
                        HistogramSpec.Percentile(histograms[key], min, max, quantile),
                        LatencyHistogram.Percentile((long[])rollup[10]!, min, max, quantile));
                }
            }
        }
    }
}

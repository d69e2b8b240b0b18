using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using ConnectorHealth.Contracts;
using ConnectorHealth.IntegrationTests.Infrastructure;

namespace ConnectorHealth.IntegrationTests.Metrics;

[Collection(PostgresCollection.Name)]
public sealed class KpisApiTests(PostgresServer postgres)
{
    private static readonly DateTimeOffset Now = new(2026, 3, 10, 12, 0, 0, TimeSpan.Zero);

    [Fact]
    public async Task DailyKpisArePerConnectorPerUtcDayNewestFirst()
    {
        await using var db = await MetricsDatabase.CreateAsync(postgres, Now);
        var day = new DateTimeOffset(2026, 3, 8, 0, 0, 0, TimeSpan.Zero);
        await db.StoreAsync(
            TestRuns.Run("crm", day.AddHours(1), latencyMs: 100),
            TestRuns.Run("crm", day.AddHours(2), latencyMs: 200, rateLimited: true, attempts: 3),
            TestRuns.Run("crm", day.AddHours(3), RunStatus.Failed, 300, errorType: "TimeoutException", attempts: 2),
            TestRuns.Run("crm", day.AddHours(4), latencyMs: 400),
            TestRuns.Run("crm", day.AddDays(1), latencyMs: 50),
            TestRuns.Run("ads", day.AddDays(-10), latencyMs: 50));
        await using var api = db.App();

        var report = await api.Client.GetFromJsonAsync<JsonElement>("/api/kpis/daily?connector=crm&from=2026-03-01&to=2026-03-10");
        var everyone = await api.Client.GetFromJsonAsync<JsonElement>("/api/kpis/daily");

        var items = report.GetProperty("items").EnumerateArray().ToList();
        Assert.Equal(["2026-03-09", "2026-03-08"], items.Select(i => i.GetProperty("day").GetString()));
        var eighth = items[1];
        Assert.Equal(4, eighth.GetProperty("runs").GetInt32());
        Assert.Equal(0.75, eighth.GetProperty("successRate").GetDouble());
        Assert.Equal(0.25, eighth.GetProperty("rateLimitedRate").GetDouble());
        Assert.Equal(7 / 4.0, eighth.GetProperty("meanAttempts").GetDouble());
        Assert.Equal(250, eighth.GetProperty("meanLatencyMs").GetDouble());
        Assert.Equal(0.75, eighth.GetProperty("successRate").GetDouble());
        Assert.InRange(eighth.GetProperty("p50LatencyMs").GetDouble(), 200 * 0.95, 200 * 1.05);
        Assert.InRange(eighth.GetProperty("p95LatencyMs").GetDouble(), 400 * 0.95, 400);
        Assert.Equal(400, eighth.GetProperty("maxLatencyMs").GetDouble());
        // Default range: the 30 days up to today (UTC), every connector.
        Assert.Equal("2026-02-09", everyone.GetProperty("from").GetString());
        Assert.Equal("2026-03-10", everyone.GetProperty("to").GetString());
        Assert.Equal(3, everyone.GetProperty("items").GetArrayLength());
    }

    [Fact]
    public async Task RunsThatStartBeforeMidnightAndEndAfterItCountOnTheDayTheyEndedInTheApiTheRollupsAndTheMart()
    {
        await using var db = await MetricsDatabase.CreateAsync(postgres, Now);
        var midnight = new DateTimeOffset(2026, 3, 5, 0, 0, 0, TimeSpan.Zero);
        await db.StoreAsync(
            // Started on the 4th, ended on the 5th.
            TestRuns.Run("crm", midnight.AddMinutes(-5), latencyMs: 10 * 60_000),
            TestRuns.Run("crm", midnight.AddTicks(-10), RunStatus.Failed, 500, errorType: "TimeoutException"),
            // Started and ended on the 4th, a microsecond before midnight.
            TestRuns.Run("crm", midnight.AddMilliseconds(-200), latencyMs: 199.999),
            TestRuns.Run("crm", midnight.AddHours(2)));
        await using var api = db.App();

        var report = await api.Client.GetFromJsonAsync<JsonElement>("/api/kpis/daily?connector=crm&from=2026-03-01&to=2026-03-10");
        var totals = await api.Client.GetFromJsonAsync<JsonElement>("/api/kpis/daily/totals?from=2026-03-01&to=2026-03-10");
        var reasons = await api.Client.GetFromJsonAsync<JsonElement>("/api/kpis/failure-reasons?connector=crm&from=2026-03-05&to=2026-03-05");

        var fromApi = report.GetProperty("items").EnumerateArray()
            .Select(i => (i.GetProperty("day").GetString(), i.GetProperty("runs").GetInt32())).ToList();
        Assert.Equal([("2026-03-05", 3), ("2026-03-04", 1)], fromApi);
        Assert.Equal(fromApi, totals.GetProperty("items").EnumerateArray()
            .Select(i => (i.GetProperty("day").GetString(), i.GetProperty("runs").GetInt32())).ToList());
        Assert.Equal(1, reasons.GetProperty("totalFailures").GetInt64());
        var rollups = await db.RowsAsync("SELECT day::text, total FROM metrics.rollup_daily WHERE connector = 'crm' ORDER BY day DESC");
        Assert.Equal(fromApi, rollups.Select(r => ((string?)r[0], (int)r[1]!)).ToList());
        var mart = await db.RowsAsync("SELECT day::text, total_runs FROM mart.connector_health_daily WHERE connector_name = 'crm' ORDER BY day DESC");
        Assert.Equal(fromApi, mart.Select(r => ((string?)r[0], (int)(long)r[1]!)).ToList());
        // The first version's own rule, applied to the raw seed view, gives the same days.
        var firstVersion = await db.RowsAsync(
            """
            SELECT to_char(date_trunc('day', ended_at AT TIME ZONE 'UTC'), 'YYYY-MM-DD'), count(*)::int FROM raw.connector_runs
            WHERE connector_name = 'crm' GROUP BY 1 ORDER BY 1 DESC
            """);
        Assert.Equal(fromApi, firstVersion.Select(r => ((string?)r[0], (int)r[1]!)).ToList());
    }

    [Fact]
    public async Task ALateRunShowsInAClosedDayThatWasAlreadyServed()
    {
        await using var db = await MetricsDatabase.CreateAsync(postgres, Now);
        var closedDay = new DateTimeOffset(2026, 3, 1, 12, 0, 0, TimeSpan.Zero);
        await db.StoreAsync(TestRuns.Run("alpha", closedDay), TestRuns.Run("beta", closedDay), TestRuns.Run("alpha", Now.AddHours(-1)));
        await using var api = db.App();
        const string url = "/api/kpis/daily?from=2026-02-20";

        var before = await api.Client.GetStringAsync(url);
        var again = await api.Client.GetStringAsync(url);
        var reasonsBefore = await api.Client.GetFromJsonAsync<JsonElement>("/api/kpis/failure-reasons?from=2026-02-20");
        await db.StoreAsync(
            TestRuns.Run("alpha", closedDay.AddHours(3), RunStatus.Failed, errorType: "TimeoutException"),
            TestRuns.Run("gamma", closedDay));
        var after = await api.Client.GetFromJsonAsync<JsonElement>(url);
        var reasonsAfter = await api.Client.GetFromJsonAsync<JsonElement>("/api/kpis/failure-reasons?from=2026-02-20");

        Assert.Equal(before, again);
        Assert.Equal(0, reasonsBefore.GetProperty("totalFailures").GetInt64());
        Assert.Equal(1, reasonsAfter.GetProperty("totalFailures").GetInt64());
        Assert.Equal("2026-03-01", reasonsAfter.GetProperty("items")[0].GetProperty("lastDay").GetString());
        Assert.Equal([("alpha", 1), ("alpha", 1), ("beta", 1)], Items(JsonDocument.Parse(before).RootElement).Select(i => (i.Connector, i.Runs)));
        Assert.Equal([("alpha", 1, 1.0), ("alpha", 2, 0.5), ("beta", 1, 1.0), ("gamma", 1, 1.0)], Items(after));

        // Rebuilding the day's rollups (after a repair of its runs) also refreshes what the API keeps.
        await using (var repair = db.DataSource.CreateCommand("UPDATE metrics.runs SET status = 'failed' WHERE connector = 'beta'"))
        {
            await repair.ExecuteNonQueryAsync();
        }
        await db.Rebuilder.RebuildRollupsAsync(new DateOnly(2026, 3, 1), new DateOnly(2026, 3, 2), CancellationToken.None);
        var rebuilt = await api.Client.GetFromJsonAsync<JsonElement>(url);
        Assert.Contains(("beta", 1, 0.0), Items(rebuilt));

        static List<(string? Connector, int Runs, double SuccessRate)> Items(JsonElement report) =>
            [.. report.GetProperty("items").EnumerateArray().Select(i =>
                (i.GetProperty("connector").GetString(), i.GetProperty("runs").GetInt32(), i.GetProperty("successRate").GetDouble()))];
    }

    [Fact]
    public async Task ADayIsNotKeptUntilWritersOfItAreSurelyDone()
    {
        var justAfterMidnight = new DateTimeOffset(2026, 3, 10, 0, 10, 0, TimeSpan.Zero);
        await using var db = await MetricsDatabase.CreateAsync(postgres, justAfterMidnight);
        var yesterday = new DateTimeOffset(2026, 3, 9, 23, 0, 0, TimeSpan.Zero);
        await db.StoreAsync(TestRuns.Run("alpha", yesterday));
        await using var api = db.App();
        // A replica whose clock is a little behind still thinks it is the 9th: its runs do not move the day's version.
        var lateClock = new Microsoft.Extensions.Time.Testing.FakeTimeProvider(new DateTimeOffset(2026, 3, 9, 23, 59, 0, TimeSpan.Zero));
        var behind = new ConnectorHealth.Metrics.Ingest.RunWriter(db.DataSource, db.Partitions, Microsoft.Extensions.Options.Options.Create(db.Options), lateClock,
            Microsoft.Extensions.Logging.Abstractions.NullLogger<ConnectorHealth.Metrics.Ingest.RunWriter>.Instance);

        var first = await api.Client.GetFromJsonAsync<JsonElement>("/api/kpis/daily?from=2026-03-09&to=2026-03-09");
        await behind.StoreAsync([new ConnectorHealth.Metrics.Ingest.IncomingRun(TestRuns.Run("alpha", yesterday.AddMinutes(30)), null)], CancellationToken.None);
        var second = await api.Client.GetFromJsonAsync<JsonElement>("/api/kpis/daily?from=2026-03-09&to=2026-03-09");

        Assert.Equal(1, first.GetProperty("items")[0].GetProperty("runs").GetInt32());
        Assert.Equal(2, second.GetProperty("items")[0].GetProperty("runs").GetInt32());
    }

    [Fact]
    public async Task FailureReasonsAreCountedByErrorTypeOverTheRange()
    {
        await using var db = await MetricsDatabase.CreateAsync(postgres, Now);
        var runs = new List<RunCompleted>();
        void Fail(string connector, string? errorType, int count, int daysAgo) =>
            runs.AddRange(Enumerable.Range(0, count).Select(i =>
                TestRuns.Run(connector, Now.AddDays(-daysAgo).AddMinutes(i), RunStatus.Failed, errorType: errorType)));
        Fail("crm", "TimeoutException", 5, 1);
        Fail("crm", null, 2, 2);
        Fail("ads", "AuthExpired", 3, 1);
        Fail("ads", "AuthExpired", 4, 40);
        runs.Add(TestRuns.Run("ads", Now.AddHours(-1)));
        await db.StoreAsync([.. runs]);
        await using var api = db.App();

        var all = await api.Client.GetFromJsonAsync<JsonElement>("/api/kpis/failure-reasons");
        var crm = await api.Client.GetFromJsonAsync<JsonElement>("/api/kpis/failure-reasons?connector=crm&from=2026-03-09&to=2026-03-09");
        var top = await api.Client.GetFromJsonAsync<JsonElement>("/api/kpis/failure-reasons?limit=1&from=2026-01-01");

        Assert.Equal(10, all.GetProperty("totalFailures").GetInt64());
        Assert.Equal(
            [("crm", "TimeoutException", 5L), ("ads", "AuthExpired", 3L), ("crm", "unknown", 2L)],
            all.GetProperty("items").EnumerateArray().Select(i =>
                (i.GetProperty("connector").GetString(), i.GetProperty("errorType").GetString(), i.GetProperty("failures").GetInt64())));
        Assert.Equal(5, crm.GetProperty("totalFailures").GetInt64());
        Assert.Equal(1, crm.GetProperty("items").GetArrayLength());
        Assert.Equal(14, top.GetProperty("totalFailures").GetInt64());
        Assert.Equal(7, top.GetProperty("items")[0].GetProperty("failures").GetInt64());
    }

    [Fact]
    public async Task TheStatusBoardIsServedWorstFirst()
    {
        await using var db = await MetricsDatabase.CreateAsync(postgres, Now);
        var interval = TimeSpan.FromMinutes(10);
        await db.StoreAsync(
            TestRuns.Run("crm", Now.AddMinutes(-10), expectedInterval: interval),
            TestRuns.Run("ads", Now.AddMinutes(-30), RunStatus.Failed, expectedInterval: interval),
            TestRuns.Run("ads", Now.AddMinutes(-20), RunStatus.Failed, expectedInterval: interval),
            TestRuns.Run("ads", Now.AddMinutes(-10), RunStatus.Failed, expectedInterval: interval));
        await using var api = db.App();

        var board = await api.Client.GetFromJsonAsync<JsonElement>("/api/kpis/connectors");

        var items = board.GetProperty("items").EnumerateArray().ToList();
        Assert.Equal([("ads", "failing"), ("crm", "healthy")], items.Select(i => (i.GetProperty("connector").GetString(), i.GetProperty("state").GetString())));
        Assert.Equal(3, items[0].GetProperty("failureStreak").GetInt32());
        Assert.Equal(JsonValueKind.Null, items[0].GetProperty("lastSuccessAt").ValueKind);
        Assert.Equal(0, items[0].GetProperty("successRate24h").GetDouble());
        Assert.Equal(Now.AddMinutes(-10), items[1].GetProperty("lastRunAt").GetDateTimeOffset());
        Assert.Equal(Now, board.GetProperty("asOf").GetDateTimeOffset());
    }

    [Fact]
    public async Task DailyTotalsSumEveryConnectorPerUtcDayNewestFirst()
    {
        await using var db = await MetricsDatabase.CreateAsync(postgres, Now);
        var day = new DateTimeOffset(2026, 3, 8, 0, 0, 0, TimeSpan.Zero);
        await db.StoreAsync(
            TestRuns.Run("crm", day.AddHours(1)),
            TestRuns.Run("crm", day.AddHours(2), rateLimited: true, attempts: 3),
            TestRuns.Run("crm", day.AddHours(3), RunStatus.Failed, errorType: "TimeoutException", attempts: 2),
            TestRuns.Run("ads", day.AddHours(4)),
            TestRuns.Run("ads", day.AddDays(1).AddHours(1)),
            TestRuns.Run("hr", day.AddDays(-40)));
        await using var api = db.App();

        var report = await api.Client.GetFromJsonAsync<JsonElement>("/api/kpis/daily/totals?from=2026-03-01&to=2026-03-10");
        var defaults = await api.Client.GetFromJsonAsync<JsonElement>("/api/kpis/daily/totals");

        Assert.Equal("2026-03-01", report.GetProperty("from").GetString());
        Assert.Equal("2026-03-10", report.GetProperty("to").GetString());
        var items = report.GetProperty("items").EnumerateArray().ToList();
        Assert.Equal(["2026-03-09", "2026-03-08"], items.Select(i => i.GetProperty("day").GetString()));
        var eighth = items[1];
        Assert.Equal(2, eighth.GetProperty("connectors").GetInt32());
        Assert.Equal(4, eighth.GetProperty("runs").GetInt64());
        Assert.Equal(3, eighth.GetProperty("succeeded").GetInt64());
        Assert.Equal(0.75, eighth.GetProperty("successRate").GetDouble());
        Assert.Equal(0.25, eighth.GetProperty("rateLimitedRate").GetDouble());
        Assert.Equal(7 / 4.0, eighth.GetProperty("meanAttempts").GetDouble());
        Assert.Equal(1, items[0].GetProperty("connectors").GetInt32());
        // Default range: the 30 days up to today (UTC), which leaves out the run 40 days ago.
        Assert.Equal("2026-02-09", defaults.GetProperty("from").GetString());
        Assert.Equal(2, defaults.GetProperty("items").GetArrayLength());
    }

    [Fact]
    public async Task ALateRunShowsInTheTotalsOfAClosedDayThatWasAlreadyServed()
    {
        await using var db = await MetricsDatabase.CreateAsync(postgres, Now);
        var closedDay = new DateTimeOffset(2026, 3, 1, 12, 0, 0, TimeSpan.Zero);
        await db.StoreAsync(TestRuns.Run("alpha", closedDay), TestRuns.Run("beta", closedDay));
        await using var api = db.App();
        const string url = "/api/kpis/daily/totals?from=2026-02-20";

        var before = await api.Client.GetStringAsync(url);
        Assert.Equal(before, await api.Client.GetStringAsync(url));
        await db.StoreAsync(TestRuns.Run("alpha", closedDay.AddHours(3), RunStatus.Failed), TestRuns.Run("gamma", closedDay));
        var after = (await api.Client.GetFromJsonAsync<JsonElement>(url)).GetProperty("items").EnumerateArray().Single();

        Assert.Equal(2, JsonDocument.Parse(before).RootElement.GetProperty("items")[0].GetProperty("runs").GetInt64());
        Assert.Equal(("2026-03-01", 3, 4L, 3L), (after.GetProperty("day").GetString(), after.GetProperty("connectors").GetInt32(),
            after.GetProperty("runs").GetInt64(), after.GetProperty("succeeded").GetInt64()));
    }

    [Fact]
    public async Task DailyTotalsAgreeWithTheDailyKpisOfEveryConnector()
    {
        await using var db = await MetricsDatabase.CreateAsync(postgres, Now);
        var generator = new TestRuns(57);
        var runs = generator.Many(4_000, ["crm", "billing", "ads", "hr", "erp", "wms"], Now.AddDays(-20), Now.AddHours(-1));
        foreach (var batch in generator.Batches(generator.Shuffle(runs), 300))
        {
            await db.StoreAsync([.. batch]);
        }
        await using var api = db.App();

        var totals = await api.Client.GetFromJsonAsync<JsonElement>("/api/kpis/daily/totals?from=2026-02-15");
        var daily = await api.Client.GetFromJsonAsync<JsonElement>("/api/kpis/daily?from=2026-02-15");

        // Rates come rounded to 4 decimals and mean attempts to 3: with a few dozen runs a connector-day, rate × runs
        // rounds back to the count.
        var expected = daily.GetProperty("items").EnumerateArray()
            .Select(i => (Day: i.GetProperty("day").GetString(), Runs: i.GetProperty("runs").GetInt64(),
                Succeeded: Count(i, "successRate"), RateLimited: Count(i, "rateLimitedRate"),
                Attempts: (long)Math.Round(i.GetProperty("meanAttempts").GetDouble() * i.GetProperty("runs").GetInt64())))
            .GroupBy(i => i.Day)
            .Select(g => (Day: g.Key, Connectors: g.Count(), Runs: g.Sum(i => i.Runs), Succeeded: g.Sum(i => i.Succeeded),
                SuccessRate: Math.Round((double)g.Sum(i => i.Succeeded) / g.Sum(i => i.Runs), 4),
                RateLimitedRate: Math.Round((double)g.Sum(i => i.RateLimited) / g.Sum(i => i.Runs), 4),
                MeanAttempts: Math.Round((double)g.Sum(i => i.Attempts) / g.Sum(i => i.Runs), 3)))
            .ToList();
        var actual = totals.GetProperty("items").EnumerateArray()
            .Select(i => (Day: i.GetProperty("day").GetString(), Connectors: i.GetProperty("connectors").GetInt32(), Runs: i.GetProperty("runs").GetInt64(),
                Succeeded: i.GetProperty("succeeded").GetInt64(), SuccessRate: i.GetProperty("successRate").GetDouble(),
                RateLimitedRate: i.GetProperty("rateLimitedRate").GetDouble(), MeanAttempts: i.GetProperty("meanAttempts").GetDouble()))
            .ToList();

        Assert.Equal(21, actual.Count);
        Assert.Equal(runs.Count, actual.Sum(i => i.Runs));
        Assert.Equal(expected, actual);

        static long Count(JsonElement item, string rate) =>
            (long)Math.Round(item.GetProperty(rate).GetDouble() * item.GetProperty("runs").GetInt64());
    }

    [Fact]
    public async Task ABadTotalsRangeIsAProblemNamingTheParameter()
    {
        await using var db = await MetricsDatabase.CreateAsync(postgres, Now);
        await using var api = db.App();

        foreach (var (url, parameter) in new[]
        {
            ("/api/kpis/daily/totals?from=2026-03-10&to=2026-03-01", "from"),
            ("/api/kpis/daily/totals?from=2024-01-01&to=2026-03-01", "from"),
            ("/api/kpis/daily/totals?to=2026-02-30", "to"),
        })
        {
            var response = await api.Client.GetAsync(url);

            Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
            Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
            var errors = (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("errors");
            Assert.Equal([parameter], errors.EnumerateObject().Select(e => e.Name));
        }
    }
}

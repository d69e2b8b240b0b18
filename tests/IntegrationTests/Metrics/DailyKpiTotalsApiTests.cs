using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using ConnectorHealth.Contracts;
using ConnectorHealth.IntegrationTests.Infrastructure;

namespace ConnectorHealth.IntegrationTests.Metrics;

[Collection(PostgresCollection.Name)]
public sealed class DailyKpiTotalsApiTests(PostgresServer postgres)
{
    private static readonly DateTimeOffset Now = new(2026, 3, 10, 12, 0, 0, TimeSpan.Zero);

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
    public async Task ABadRangeIsAProblemNamingTheParameter()
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

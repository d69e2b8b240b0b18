using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using ConnectorHealth.Contracts;
using ConnectorHealth.IntegrationTests.Infrastructure;
using ConnectorHealth.Metrics;
using ConnectorHealth.Metrics.Ingest;
using ConnectorHealth.Metrics.Rollups;

namespace ConnectorHealth.IntegrationTests.Metrics;

[Collection(PostgresCollection.Name)]
public sealed class RunsApiTests(PostgresServer postgres)
{
    private static readonly DateTimeOffset Now = new(2026, 6, 1, 0, 0, 0, TimeSpan.Zero);

    [Fact]
    public async Task PaginationWalksALargeSetWithoutGapsOrRepeats()
    {
        await using var db = await MetricsDatabase.CreateAsync(postgres, Now);
        var generator = new TestRuns(9);
        var runs = generator.Many(12_000, ["crm", "billing", "ads", "hr"], new(2026, 1, 15, 0, 0, 0, TimeSpan.Zero), Now);
        // Many runs share their start time with another, so the run id must break ties.
        for (var i = 0; i < runs.Count; i += 3)
        {
            var shared = runs[(i + 7) % runs.Count].StartedAt;
            runs[i] = runs[i] with { StartedAt = shared, FinishedAt = shared + (runs[i].FinishedAt - runs[i].StartedAt) };
        }
        foreach (var batch in generator.Batches(generator.Shuffle(runs), 500))
        {
            await db.StoreAsync([.. batch]);
        }
        await using var api = db.App();

        var everything = await WalkAsync(api.Client, "/api/runs?limit=500");
        Assert.Equal(NewestFirst(runs).Select(r => r.RunId), everything.Ids);
        Assert.Equal(24, everything.Pages);

        var from = new DateTimeOffset(2026, 2, 10, 0, 0, 0, TimeSpan.Zero);
        var to = new DateTimeOffset(2026, 4, 20, 0, 0, 0, TimeSpan.Zero);
        var filtered = await WalkAsync(api.Client, "/api/runs?connector=crm&status=failed&from=2026-02-10T00:00:00Z&to=2026-04-20&limit=37");
        var expected = NewestFirst(runs.Where(r => r.Connector == "crm" && r.Status == RunStatus.Failed && r.StartedAt >= from && r.StartedAt < to)).ToList();
        Assert.True(expected.Count > 100);
        Assert.Equal(expected.Select(r => r.RunId), filtered.Ids);

        var reported = await WalkAsync(api.Client, "/api/runs?source=reported&status=succeeded&limit=250");
        Assert.Equal(NewestFirst(runs.Where(r => r.Source == RunSource.Reported && r.Status == RunStatus.Succeeded)).Select(r => r.RunId), reported.Ids);
    }

    [Fact]
    public async Task BadParametersGetProblemDetailsNamingEachOne()
    {
        await using var db = await MetricsDatabase.CreateAsync(postgres, Now);
        await using var api = db.App();

        await AssertProblemAsync(api.Client, "/api/runs?status=exploded&source=moon&limit=100000&cursor=garbage&from=yesterday",
            "status", "source", "limit", "cursor", "from");
        await AssertProblemAsync(api.Client, "/api/runs?limit=abc&to=2026-13-01", "limit", "to");
        await AssertProblemAsync(api.Client, "/api/runs?from=2026-03-02&to=2026-03-01", "from");
        await AssertProblemAsync(api.Client, "/api/runs?limit=0", "limit");
        await AssertProblemAsync(api.Client, "/api/kpis/daily?from=2026-03-10&to=2026-03-01", "from");
        await AssertProblemAsync(api.Client, "/api/kpis/daily?from=2024-01-01&to=2026-01-01", "from");
        await AssertProblemAsync(api.Client, "/api/kpis/daily?from=10/03/2026&to=tomorrow", "from", "to");
        await AssertProblemAsync(api.Client, "/api/kpis/failure-reasons?limit=-1&to=2026-02-30", "limit", "to");
    }

    [Fact]
    public async Task ARunIsServedWithItsAttemptsAndTraceId()
    {
        await using var db = await MetricsDatabase.CreateAsync(postgres, Now);
        var run = TestRuns.Run("crm", Now.AddMinutes(-3), RunStatus.Succeeded, 640, rateLimited: true, attempts: 2);
        await db.Writer.StoreAsync([new IncomingRun(run, "0af7651916cd43dd8448eb211c80319c")], CancellationToken.None);
        await using var api = db.App();

        var detail = await api.Client.GetFromJsonAsync<JsonElement>($"/api/runs/{run.RunId}");
        var page = await api.Client.GetFromJsonAsync<JsonElement>("/api/runs?connector=crm");
        var missing = await api.Client.GetAsync($"/api/runs/{Guid.NewGuid()}");

        Assert.Equal(run.RunId, detail.GetProperty("runId").GetGuid());
        Assert.Equal("0af7651916cd43dd8448eb211c80319c", detail.GetProperty("traceId").GetString());
        Assert.Equal(2, detail.GetProperty("attempts").GetArrayLength());
        Assert.Equal(429, detail.GetProperty("attempts")[0].GetProperty("httpStatus").GetInt32());
        Assert.Equal("rate_limited", detail.GetProperty("attempts")[0].GetProperty("outcome").GetString());
        var item = page.GetProperty("items")[0];
        foreach (var property in new[] { "runId", "connector", "status", "source", "traceId", "startedAt", "latencyMs", "attempts" })
        {
            Assert.True(item.TryGetProperty(property, out _), property);
        }
        Assert.Equal(JsonValueKind.Null, page.GetProperty("cursor").ValueKind);
        Assert.Equal(HttpStatusCode.NotFound, missing.StatusCode);
    }

    private static IEnumerable<RunCompleted> NewestFirst(IEnumerable<RunCompleted> runs) => runs
        .OrderByDescending(r => RunRowTime(r.StartedAt))
        .ThenByDescending(r => r.RunId.ToByteArray(bigEndian: true), ByteOrder.Instance);

    private static long RunRowTime(DateTimeOffset instant) => instant.UtcTicks / TimeSpan.TicksPerMicrosecond;

    private static async Task<(List<Guid> Ids, int Pages)> WalkAsync(HttpClient client, string firstPage)
    {
        var ids = new List<Guid>();
        var pages = 0;
        string? cursor = null;
        do
        {
            var url = cursor is null ? firstPage : $"{firstPage}&cursor={Uri.EscapeDataString(cursor)}";
            var page = await client.GetFromJsonAsync<JsonElement>(url);
            ids.AddRange(page.GetProperty("items").EnumerateArray().Select(i => i.GetProperty("runId").GetGuid()));
            cursor = page.GetProperty("cursor").GetString();
            pages++;
        }
        while (cursor is not null && pages < 10_000);
        return (ids, pages);
    }

    private static async Task AssertProblemAsync(HttpClient client, string url, params string[] parameters)
    {
        var response = await client.GetAsync(url);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var errors = (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("errors");
        Assert.Equal(parameters.Order(), errors.EnumerateObject().Select(e => e.Name).Order());
    }

    // PostgreSQL orders uuids by their bytes in RFC 4122 (big-endian) order.
    private sealed class ByteOrder : IComparer<byte[]>
    {
        public static readonly ByteOrder Instance = new();

        public int Compare(byte[]? x, byte[]? y) => x.AsSpan().SequenceCompareTo(y);
    }
}

using System.Net;
using System.Net.Http.Json;
using System.Text.Json;

namespace ConnectorHealth.IntegrationTests.Metrics;

/// <summary>The Metrics service as it runs, after runs were published on RabbitMQ (see <see cref="MetricsService"/>).</summary>
[Collection(MetricsServiceCollection.Name)]
public sealed class MetricsServiceTests(MetricsService service)
{
    [Fact]
    public async Task EveryRunPublishedOnRabbitMQIsStoredAndCountedOnceThoughSomeCameTwice()
    {
        Assert.Equal(service.Runs.Count, await service.CountAsync("SELECT count(*) FROM metrics.runs"));
        Assert.Equal(service.Runs.Count, await service.CountAsync("SELECT sum(total) FROM metrics.rollup_daily"));
    }

    [Fact]
    public async Task TheRunsApiServesEachRunWithTheTraceItWasPublishedIn()
    {
        var page = await service.Http.GetFromJsonAsync<JsonElement>("/api/runs?limit=500");

        Assert.Equal(500, page.GetProperty("items").GetArrayLength());
        Assert.All(page.GetProperty("items").EnumerateArray(), item =>
            Assert.Equal(service.Traces[item.GetProperty("runId").GetGuid()].TraceId.ToHexString(), item.GetProperty("traceId").GetString()));
    }

    [Fact]
    public async Task TheConnectorBoardCountsEachConnectorsRunsOfTheLastDay()
    {
        var board = await service.Http.GetFromJsonAsync<JsonElement>("/api/kpis/connectors");

        var items = board.GetProperty("items").EnumerateArray().ToList();
        Assert.Equal(["ads", "billing", "crm", "hr"], items.Select(i => i.GetProperty("connector").GetString()).Order());
        Assert.Equal(service.Runs.Count, items.Sum(i => i.GetProperty("runs24h").GetInt32()));
    }

    [Fact]
    public async Task TheServiceAnswersItsHealthCheckAsHealthy()
    {
        using var health = await service.Http.GetAsync("/health");

        Assert.Equal(HttpStatusCode.OK, health.StatusCode);
    }

    [Fact]
    public async Task TheOpenApiDocumentHasEveryRouteAndTheDailyReportsShape()
    {
        // The gateway's API reference is built from this document.
        var openApi = await service.Http.GetFromJsonAsync<JsonElement>("/openapi/v1.json");

        var paths = openApi.GetProperty("paths");
        foreach (var path in new[] { "/api/runs", "/api/runs/{runId}", "/api/kpis/daily", "/api/kpis/failure-reasons", "/api/kpis/connectors" })
        {
            Assert.True(paths.TryGetProperty(path, out _), path);
        }
        Assert.True(openApi.GetProperty("components").GetProperty("schemas").TryGetProperty("DailyKpi", out var dailyKpi));
        Assert.True(dailyKpi.GetProperty("properties").TryGetProperty("p95LatencyMs", out _));
    }
}

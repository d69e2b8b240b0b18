using System.Diagnostics;
using System.Net.Http.Json;
using System.Text.Json;
using ConnectorHealth.Contracts;
using ConnectorHealth.IntegrationTests.Infrastructure;
using ConnectorHealth.Metrics;
using ConnectorHealth.Metrics.Ingest;
using ConnectorHealth.Metrics.Responses;
using ConnectorHealth.Metrics.Rollups;
using ConnectorHealth.Metrics.Apis;
using ConnectorHealth.ServiceDefaults;
using MassTransit;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Npgsql;

namespace ConnectorHealth.IntegrationTests.Metrics;

[CollectionDefinition(Name)]
public sealed class MetricsServiceCollection : ICollectionFixture<PostgresServer>, ICollectionFixture<RabbitMQServer>
{
    public const string Name = "metrics-service";
}

// The Metrics service composed as Program.cs composes it, on real PostgreSQL and RabbitMQ.
[Collection(MetricsServiceCollection.Name)]
public sealed class MetricsServiceTests(PostgresServer postgres, RabbitMQServer rabbit)
{
    [Fact]
    public async Task RunsPublishedOnRabbitMQAreStoredOnceAndServedWithTheirTraces()
    {
        await using var dataSource = await postgres.CreateDatabaseAsync("service");
        var database = (string)(await dataSource.CreateCommand("SELECT current_database()").ExecuteScalarAsync())!;

        await using var service = new WebApplicationFactory<MetricsOptions>();
        await using var app = service.WithWebHostBuilder(host => host
            .UseSetting($"ConnectionStrings:{ResourceNames.Database}", postgres.ConnectionString(database))
            .UseSetting($"ConnectionStrings:{ResourceNames.Messaging}", rabbit.Uri.ToString())
            .ConfigureLogging(logging => logging.SetMinimumLevel(LogLevel.Warning)));
        // The first client starts the service: migrations, partition maintenance, the bus.
        using var http = app.CreateClient();

        var now = DateTimeOffset.UtcNow;
        var runs = new TestRuns(33).Many(600, ["crm", "billing", "ads", "hr"], now.AddHours(-20), now);
        var traces = new Dictionary<Guid, ActivityContext>();
        var bus = app.Services.GetRequiredService<IBus>();
        foreach (var run in runs)
        {
            // The runner's span is the root of a run's trace; the service defaults listen to this source.
            using var activity = Telemetry.ActivitySource.StartActivity($"run {run.Connector}")!;
            traces[run.RunId] = activity.Context;
            await bus.Publish(run);
        }
        foreach (var run in runs.Take(150))
        {
            using var again = Telemetry.ActivitySource.StartActivity("publish again", ActivityKind.Producer, traces[run.RunId])!;
            await bus.Publish(run);
        }

        await RunCompletedConsumerTests.WaitUntilAsync(async () => await Count(dataSource, "SELECT count(*) FROM metrics.runs") == runs.Count);
        // Give the redeliveries time to arrive, then check nothing was counted twice.
        await Task.Delay(TimeSpan.FromSeconds(2));
        Assert.Equal(runs.Count, await Count(dataSource, "SELECT count(*) FROM metrics.runs"));
        Assert.Equal(runs.Count, await Count(dataSource, "SELECT sum(total) FROM metrics.rollup_daily"));

        var page = await http.GetFromJsonAsync<JsonElement>("/api/runs?limit=500");
        Assert.Equal(500, page.GetProperty("items").GetArrayLength());
        Assert.All(page.GetProperty("items").EnumerateArray(), item =>
            Assert.Equal(traces[item.GetProperty("runId").GetGuid()].TraceId.ToHexString(), item.GetProperty("traceId").GetString()));
        var board = await http.GetFromJsonAsync<JsonElement>("/api/kpis/connectors");
        Assert.Equal(["ads", "billing", "crm", "hr"], board.GetProperty("items").EnumerateArray().Select(i => i.GetProperty("connector").GetString()).Order());
        Assert.Equal(runs.Count, board.GetProperty("items").EnumerateArray().Sum(i => i.GetProperty("runs24h").GetInt32()));
        Assert.Equal(System.Net.HttpStatusCode.OK, (await http.GetAsync("/health")).StatusCode);

        // The gateway's API reference is built from this document: every route, with the daily report's shape.
        var openApi = await http.GetFromJsonAsync<JsonElement>("/openapi/v1.json");
        var paths = openApi.GetProperty("paths");
        foreach (var path in new[] { "/api/runs", "/api/runs/{runId}", "/api/kpis/daily", "/api/kpis/failure-reasons", "/api/kpis/connectors" })
        {
            Assert.True(paths.TryGetProperty(path, out _), path);
        }
        Assert.True(openApi.GetProperty("components").GetProperty("schemas").TryGetProperty("DailyKpi", out var dailyKpi));
        Assert.True(dailyKpi.GetProperty("properties").TryGetProperty("p95LatencyMs", out _));

    }

    private static async Task<long> Count(NpgsqlDataSource dataSource, string sql)
    {
        await using var command = dataSource.CreateCommand(sql);
        return Convert.ToInt64(await command.ExecuteScalarAsync(), System.Globalization.CultureInfo.InvariantCulture);
    }
}

using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using ConnectorHealth.ServiceDefaults;
using Npgsql;

namespace ConnectorHealth.EndToEndTests;

[Collection(SystemCollection.Name)]
public sealed class WalkingSkeletonTests(ConnectorHealthApp system)
{
    private static readonly TimeSpan RunTimeout = TimeSpan.FromSeconds(90);

    [Fact]
    public void EveryResourceIsHealthy()
    {
        foreach (var name in ConnectorHealthApp.AllResources)
        {
            Assert.True(system.App.ResourceNotifications.TryGetCurrentState(name, out var state), $"{name} is not known");
            Assert.Equal(Microsoft.Extensions.Diagnostics.HealthChecks.HealthStatus.Healthy, state.Snapshot.HealthStatus);
        }
    }

    [Fact]
    public async Task AScheduledRunAppearsThroughTheGateway()
    {
        var run = await WaitForFirstRunAsync();

        Assert.Equal("good_api", run.GetProperty("connector").GetString());
        Assert.Equal("succeeded", run.GetProperty("status").GetString());
        Assert.Equal("scheduled", run.GetProperty("source").GetString());
        Assert.Matches("^[0-9a-f]{32}$", run.GetProperty("traceId").GetString());

        var runId = run.GetProperty("runId").GetGuid();
        var single = await system.Gateway.GetFromJsonAsync<JsonElement>($"/api/runs/{runId}");
        Assert.Equal(runId, single.GetProperty("runId").GetGuid());
    }

    [Fact]
    public async Task EveryConsumerTakesInTheRunOnce()
    {
        var run = await WaitForFirstRunAsync();
        var runId = run.GetProperty("runId").GetGuid();

        await using var dataSource = NpgsqlDataSource.Create((await system.DatabaseConnectionStringAsync())!);
        foreach (var table in new[] { "metrics.runs", "drift.received_runs", "alerting.received_runs" })
        {
            var count = await PollAsync(async () =>
            {
                await using var command = dataSource.CreateCommand($"SELECT count(*) FROM {table} WHERE run_id = $1");
                command.Parameters.AddWithValue(runId);
                var n = (long)(await command.ExecuteScalarAsync())!;
                return n > 0 ? n : (long?)null;
            });
            Assert.Equal(1, count);
        }
    }

    [Fact]
    public async Task BadRunQueriesGetProblemDetailsNamingEachParameter()
    {
        var response = await system.Gateway.GetAsync("/api/runs?status=exploded&limit=100000&cursor=garbage");

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var problem = await response.Content.ReadFromJsonAsync<JsonElement>();
        var errors = problem.GetProperty("errors");
        Assert.True(errors.TryGetProperty("status", out _));
        Assert.True(errors.TryGetProperty("limit", out _));
        Assert.True(errors.TryGetProperty("cursor", out _));
    }

    [Fact]
    public async Task AnUnknownRunIsNotFound()
    {
        var response = await system.Gateway.GetAsync($"/api/runs/{Guid.NewGuid()}");

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
    }

    [Fact]
    public async Task TheConnectorCatalogIsServedThroughTheGateway()
    {
        var connectors = await system.Gateway.GetFromJsonAsync<JsonElement>("/api/connectors");

        Assert.Contains(connectors.EnumerateArray(), c => c.GetProperty("name").GetString() == "good_api");
        var unknown = await system.Gateway.GetAsync("/api/connectors/no_such_connector");
        Assert.Equal(HttpStatusCode.NotFound, unknown.StatusCode);
    }

    [Fact]
    public async Task TheGatewayServesHealth()
    {
        var response = await system.Gateway.GetAsync("/health");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    private async Task<JsonElement> WaitForFirstRunAsync() =>
        await PollAsync(async () =>
        {
            var page = await system.Gateway.GetFromJsonAsync<JsonElement>("/api/runs?connector=good_api&limit=5");
            var items = page.GetProperty("items");
            return items.GetArrayLength() > 0 ? items[items.GetArrayLength() - 1] : (JsonElement?)null;
        });

    private static async Task<T> PollAsync<T>(Func<Task<T?>> probe) where T : struct
    {
        using var cts = new CancellationTokenSource(RunTimeout);
        while (true)
        {
            if (await probe() is { } value)
            {
                return value;
            }
            await Task.Delay(500, cts.Token);
        }
    }
}

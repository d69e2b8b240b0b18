using System.Net.Http.Json;
using System.Text.Json;
using Npgsql;

namespace ConnectorHealth.EndToEndTests;

/// <summary>A run the runner starts on its schedule, followed through the broker to every consumer and back out through the gateway.</summary>
[Collection(SystemCollection.Name)]
public sealed class ScheduledRunTests(ConnectorHealthApp system)
{
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
    public async Task EveryConsumerTakesInTheRun()
    {
        var runId = (await WaitForFirstRunAsync()).GetProperty("runId").GetGuid();

        await using var dataSource = NpgsqlDataSource.Create((await system.DatabaseConnectionStringAsync())!);
        foreach (var table in new[] { "metrics.runs", "drift.runs", "alerting.runs" })
        {
            await Poll.UntilAsync(async () =>
            {
                await using var command = dataSource.CreateCommand($"SELECT EXISTS (SELECT 1 FROM {table} WHERE run_id = $1)");
                command.Parameters.AddWithValue(runId);
                return (bool)(await command.ExecuteScalarAsync())!;
            }, $"run {runId} in {table}");
        }
    }

    private Task<JsonElement> WaitForFirstRunAsync() =>
        Poll.UntilAsync(async () =>
        {
            var items = (await system.Gateway.GetFromJsonAsync<JsonElement>("/api/runs?connector=good_api&limit=5")).GetProperty("items");
            return items.GetArrayLength() > 0 ? items[items.GetArrayLength() - 1] : (JsonElement?)null;
        }, "a first run of good_api");
}

using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using ConnectorHealth.IntegrationTests.Infrastructure;
using ConnectorHealth.ServiceDefaults;
using Npgsql;

namespace ConnectorHealth.EndToEndTests;

/// <summary>
/// Two machines, tried on one: two AppHosts in external mode, each with every service, its gateway and its web UI on
/// ports of its own, sharing one PostgreSQL server and one RabbitMQ node that neither of them starts, as a deployment
/// past one machine runs them. The schedule is shared (each slot runs once across both), either gateway and web UI shows
/// what the other ran or took in, and when one AppHost stops the other runs its schedules and publishes what it left.
/// </summary>
[Collection(OwnSystemsCollection.Name)]
public sealed class TwoMachinesTests : IAsyncLifetime
{
    private static readonly TimeSpan Interval = TimeSpan.FromSeconds(3);

    // The runner's default: how long a slot under way on a replica that went away waits before another runs it.
    private static readonly TimeSpan FailoverAfter = TimeSpan.FromSeconds(15);

    private static readonly string[] Services =
    [
        ResourceNames.Metrics, ResourceNames.Drift, ResourceNames.Alerting, ResourceNames.Runner, ResourceNames.Gateway, ResourceNames.WebUi,
    ];

    private readonly PostgresServer _postgres = new();
    private readonly RabbitMQServer _rabbitMQ = new();
    private DistributedApplication? _first;
    private DistributedApplication? _second;

    public async Task InitializeAsync()
    {
        await Task.WhenAll(_postgres.InitializeAsync(), _rabbitMQ.InitializeAsync());
        await using var admin = NpgsqlDataSource.Create(_postgres.ConnectionString("postgres"));
        await admin.CreateCommand($"CREATE DATABASE {ResourceNames.Database}").ExecuteNonQueryAsync();
    }

    private Task<DistributedApplication> StartMachineAsync() => ConnectorHealthApp.StartAsync(
        [
            "--Infrastructure:Mode=external",
            $"--ConnectionStrings:{ResourceNames.Database}={_postgres.ConnectionString(ResourceNames.Database)}",
            $"--ConnectionStrings:{ResourceNames.Messaging}={_rabbitMQ.Uri}",
        ],
        Services);

    [Fact]
    public async Task TwoAppHostsOnOneDatabaseAndOneBrokerRunEachSlotOnceShowEverythingAndOneTakesOverWhatTheOtherLeaves()
    {
        // Both machines come up at once, as a deployment rolls them out: their migrations meet on one database.
        var machines = await Task.WhenAll(StartMachineAsync(), StartMachineAsync());
        (_first, _second) = (machines[0], machines[1]);
        using var first = ConnectorHealthApp.GatewayClient(_first);
        using var second = ConnectorHealthApp.GatewayClient(_second);
        Assert.NotEqual(first.BaseAddress, second.BaseAddress);

        // Connectors made through the first machine's gateway; runs reported through the second's.
        var connectors = Enumerable.Range(0, 3).Select(i => $"two_{i}_{Guid.NewGuid():N}"[..20]).ToList();
        foreach (var name in connectors)
        {
            using var created = await first.PutAsJsonAsync($"/api/connectors/{name}",
                new { kind = "good_api", interval = Interval.ToString("c"), owner = "team-two-machines" });
            Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        }
        var reportedToSecond = await ReportAsync(second, "reported_to_second", 10);

        // Either machine answers with everything, whichever ran it or took it in.
        foreach (var gateway in new[] { first, second })
        {
            await Poll.UntilAsync(async () =>
            {
                foreach (var name in connectors)
                {
                    if ((await RunsAsync(gateway, name)).Count < 4)
                    {
                        return false;
                    }
                }
                return (await RunIdsAsync(gateway, "reported_to_second")).IsSupersetOf(reportedToSecond);
            }, "every connector's runs and every reported run through both gateways", TimeSpan.FromMinutes(2));
            var listed = await gateway.GetFromJsonAsync<JsonElement>("/api/connectors?search=two_&limit=100");
            Assert.Equal(connectors.Order(), listed.GetProperty("items").EnumerateArray().Select(c => c.GetProperty("name").GetString()!).Order());
        }
        foreach (var app in new[] { _first, _second })
        {
            using var webUi = app.CreateHttpClient(ResourceNames.WebUi);
            var connectorPage = await webUi.GetStringAsync("/connectors?search=two_");
            Assert.All(connectors, name => Assert.Contains(name, connectorPage, StringComparison.Ordinal));
            var runsPage = await webUi.GetStringAsync("/runs?connector=reported_to_second");
            Assert.Contains(reportedToSecond, id => runsPage.Contains(id.ToString(), StringComparison.OrdinalIgnoreCase));
        }

        // The first machine stops right after it took in runs it has not necessarily published yet.
        var reportedToFirst = await ReportAsync(first, "reported_to_first", 20);
        var stoppedAt = DateTimeOffset.UtcNow;
        using var sampling = new CancellationTokenSource();
        var lockSamples = SampleLocksAsync(sampling.Token);
        await _first.StopAsync();
        await _first.DisposeAsync();
        _first = null;

        // The second machine publishes what the first took in, and runs every schedule on.
        await Poll.UntilAsync(async () => (await RunIdsAsync(second, "reported_to_first")).IsSupersetOf(reportedToFirst),
            "every run reported to the stopped machine, through the other", TimeSpan.FromMinutes(2));
        var after = stoppedAt + FailoverAfter + Interval;
        await Poll.UntilAsync(async () =>
        {
            foreach (var name in connectors)
            {
                if ((await RunsAsync(second, name)).Count(r => r.StartedAt > after + 3 * Interval) == 0)
                {
                    return false;
                }
            }
            return true;
        }, "every connector running on the remaining machine", TimeSpan.FromMinutes(2));

        await sampling.CancelAsync();
        var samples = await lockSamples;
        foreach (var name in connectors)
        {
            var starts = (await RunsAsync(second, name)).Select(r => r.StartedAt).Order().ToList();
            // Each slot once across both machines: never more runs than slots in the span they cover, the first and last
            // run each up to half a slot late (both machines running every slot would be twice as many).
            var slots = (int)Math.Round((starts[^1] - starts[0]) / Interval) + 1;
            Assert.True(starts.Count <= slots, $"{name}: {starts.Count} runs in {slots} slots ({string.Join(", ", starts.Select(s => s.ToString("HH:mm:ss.fff")))})");
            // And none lost for long: the widest gap is the hand-over, within the fail-over time and a slot.
            var widest = starts.Zip(starts.Skip(1), (a, b) => b - a).Max();
            Assert.True(widest <= FailoverAfter + 2 * Interval,
                $"{name}: a gap of {widest} between runs; stopped at {stoppedAt:HH:mm:ss.fff}; starts {string.Join(", ", starts.Select(s => s.ToString("HH:mm:ss.fff")))}\n{string.Join("\n", samples)}");
        }

        // The remaining web UI still shows what the stopped machine took in.
        using var remainingWebUi = _second.CreateHttpClient(ResourceNames.WebUi);
        var reportedPage = await remainingWebUi.GetStringAsync("/runs?connector=reported_to_first");
        Assert.Contains(reportedToFirst, id => reportedPage.Contains(id.ToString(), StringComparison.OrdinalIgnoreCase));
    }

    private async Task<List<string>> SampleLocksAsync(CancellationToken cancellationToken)
    {
        var samples = new List<string>();
        await using var dataSource = NpgsqlDataSource.Create(_postgres.ConnectionString(ResourceNames.Database));
        try
        {
            while (!cancellationToken.IsCancellationRequested)
            {
                await using var command = dataSource.CreateCommand(
                    """
                    SELECT now()::text, a.pid, a.application_name, a.state, a.state_change::text, l.objid, l.granted
                      FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid WHERE l.locktype = 'advisory'
                    UNION ALL
                    SELECT now()::text, a.pid, a.application_name, a.state, a.state_change::text, NULL, NULL
                      FROM pg_stat_activity a WHERE a.application_name LIKE 'runner-locks-%'
                    """);
                await using var reader = await command.ExecuteReaderAsync(cancellationToken);
                while (await reader.ReadAsync(cancellationToken))
                {
                    samples.Add(string.Join(" | ", Enumerable.Range(0, reader.FieldCount).Select(i => reader.IsDBNull(i) ? "-" : reader.GetValue(i).ToString())));
                }
                await using var slots = dataSource.CreateCommand("SELECT now()::text, connector, next_slot::text, running_id FROM runner.connector_slots WHERE connector LIKE 'two_%'");
                await using var slotReader = await slots.ExecuteReaderAsync(cancellationToken);
                while (await slotReader.ReadAsync(cancellationToken))
                {
                    samples.Add("slot " + string.Join(" | ", Enumerable.Range(0, slotReader.FieldCount).Select(i => slotReader.IsDBNull(i) ? "-" : slotReader.GetValue(i).ToString())));
                }
                await Task.Delay(TimeSpan.FromSeconds(2), cancellationToken);
            }
        }
        catch (OperationCanceledException)
        {
        }
        return samples;
    }

    private static async Task<HashSet<Guid>> ReportAsync(HttpClient gateway, string connector, int count)
    {
        var runIds = new HashSet<Guid>();
        for (var i = 0; i < count; i++)
        {
            var runId = Guid.NewGuid();
            using var response = await gateway.PostAsJsonAsync("/api/runs", new
            {
                runId,
                connector,
                status = "succeeded",
                startedAt = DateTimeOffset.UtcNow.AddSeconds(-2),
                finishedAt = DateTimeOffset.UtcNow.AddSeconds(-1),
                payload = new { rows = i },
            });
            Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
            runIds.Add(runId);
        }
        return runIds;
    }

    private sealed record Run(Guid RunId, DateTimeOffset StartedAt);

    private static async Task<List<Run>> RunsAsync(HttpClient gateway, string connector)
    {
        var runs = new List<Run>();
        string? cursor = null;
        do
        {
            var page = await gateway.GetFromJsonAsync<JsonElement>(
                $"/api/runs?connector={connector}&limit=500" + (cursor is null ? "" : $"&cursor={Uri.EscapeDataString(cursor)}"));
            runs.AddRange(page.GetProperty("items").EnumerateArray()
                .Select(r => new Run(r.GetProperty("runId").GetGuid(), r.GetProperty("startedAt").GetDateTimeOffset())));
            cursor = page.TryGetProperty("cursor", out var next) && next.ValueKind == JsonValueKind.String ? next.GetString() : null;
        }
        while (cursor is not null);
        return runs;
    }

    private static async Task<HashSet<Guid>> RunIdsAsync(HttpClient gateway, string connector) =>
        [.. (await RunsAsync(gateway, connector)).Select(r => r.RunId)];

    public async Task DisposeAsync()
    {
        foreach (var app in new[] { _first, _second })
        {
            if (app is not null)
            {
                await app.StopAsync();
                await app.DisposeAsync();
            }
        }
        await _rabbitMQ.DisposeAsync();
        await _postgres.DisposeAsync();
    }
}

using System.Diagnostics;
using ConnectorHealth.Contracts;
using ConnectorHealth.IntegrationTests.Infrastructure;
using ConnectorHealth.Metrics;
using ConnectorHealth.ServiceDefaults;
using MassTransit;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;

namespace ConnectorHealth.IntegrationTests.Metrics;

/// <summary>
/// The Metrics service composed as Program.cs composes it, on a PostgreSQL and RabbitMQ of its own, once 600 runs were
/// published on the bus (150 of them twice), each the root of a trace of its own, and all of them are stored.
/// </summary>
public sealed class MetricsService : IAsyncLifetime
{
    private readonly PostgresServer _postgres = new();
    private readonly RabbitMQServer _rabbit = new();
    private ServiceHost<MetricsOptions> _host = null!;

    public NpgsqlDataSource Database { get; private set; } = null!;

    public HttpClient Http { get; private set; } = null!;

    public IReadOnlyList<RunCompleted> Runs { get; private set; } = [];

    /// <summary>The trace each run was published in, by run id.</summary>
    public IReadOnlyDictionary<Guid, ActivityContext> Traces { get; private set; } = new Dictionary<Guid, ActivityContext>();

    public async Task InitializeAsync()
    {
        await Task.WhenAll(_postgres.InitializeAsync(), _rabbit.InitializeAsync());
        var database = await _postgres.CreateDatabaseConnectionStringAsync("service");
        Database = NpgsqlDataSource.Create(database);
        _host = new ServiceHost<MetricsOptions>(database, _rabbit.Uri);
        // The first client starts the service: migrations, partition maintenance, the bus.
        Http = _host.CreateClient();

        var now = DateTimeOffset.UtcNow;
        Runs = new TestRuns(33).Many(600, ["crm", "billing", "ads", "hr"], now.AddHours(-20), now);
        var traces = new Dictionary<Guid, ActivityContext>();
        var bus = _host.Services.GetRequiredService<IBus>();
        // The last run is held back and published after the second copies: once it is stored, the copies ahead of it in
        // the queue have been taken too, and whether any was counted twice can be asserted without waiting longer.
        foreach (var run in Runs.SkipLast(1))
        {
            await PublishInTraceOfItsOwnAsync(bus, run, traces);
        }
        foreach (var run in Runs.Take(150))
        {
            using var again = Telemetry.ActivitySource.StartActivity("publish again", ActivityKind.Producer, traces[run.RunId])!;
            await bus.Publish(run);
        }
        await PublishInTraceOfItsOwnAsync(bus, Runs[^1], traces);
        Traces = traces;

        await Poll.UntilAsync(async () => await CountAsync("SELECT count(*) FROM metrics.runs") == Runs.Count,
            $"all {Runs.Count} runs stored, the held-back one last", TimeSpan.FromSeconds(60));
    }

    // The runner's span is the root of a run's trace; the service defaults listen to this source.
    private static async Task PublishInTraceOfItsOwnAsync(IBus bus, RunCompleted run, Dictionary<Guid, ActivityContext> traces)
    {
        using var activity = Telemetry.ActivitySource.StartActivity($"run {run.Connector}")!;
        traces[run.RunId] = activity.Context;
        await bus.Publish(run);
    }

    public async Task<long> CountAsync(string sql)
    {
        await using var command = Database.CreateCommand(sql);
        return Convert.ToInt64(await command.ExecuteScalarAsync(), System.Globalization.CultureInfo.InvariantCulture);
    }

    public async Task DisposeAsync()
    {
        Http?.Dispose();
        if (_host is not null)
        {
            await _host.DisposeAsync();
        }
        if (Database is not null)
        {
            await Database.DisposeAsync();
        }
        await Task.WhenAll(_rabbit.DisposeAsync(), _postgres.DisposeAsync());
    }
}

[CollectionDefinition(Name)]
public sealed class MetricsServiceCollection : ICollectionFixture<MetricsService>
{
    public const string Name = "metrics-service";
}

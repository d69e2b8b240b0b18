using System.Net.Http.Json;
using ConnectorHealth.ServiceDefaults;
using ConnectorHealth.Operations.Broker;
using ConnectorHealth.Operations.SystemStatus;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;

namespace ConnectorHealth.PipelineBench;

// What the bench holds on one running system: its database, its broker, and the process trees it watches (each service
// summed over its replicas, Aspire's orchestrator, the bench).
internal sealed class BenchSession : IAsyncDisposable
{
    // The services that consume RunCompleted, whose state StateAsync reads.
    public static readonly string[] ConsumingServices = [ResourceNames.Metrics, ResourceNames.Drift, ResourceNames.Alerting];

    private readonly NpgsqlDataSource _dataSource;

    private BenchSession(
        RunningSystem system, NpgsqlDataSource dataSource, Uri broker, RabbitMqBrokerAdmin admin, int? orchestrator, Dictionary<string, int[]> roots)
    {
        System = system;
        _dataSource = dataSource;
        Database = new BenchDatabase(dataSource);
        Broker = broker;
        Admin = admin;
        Orchestrator = orchestrator;
        Watch = new ProcessWatch(roots);
    }

    public RunningSystem System { get; }

    public BenchDatabase Database { get; }

    public Uri Broker { get; }

    public RabbitMqBrokerAdmin Admin { get; }

    public ProcessWatch Watch { get; }

    public int? Orchestrator { get; }

    /// <param name="previousOrchestrator">The orchestrator of a system this process ran before, possibly still exiting.</param>
    public static async Task<BenchSession> AttachAsync(RunningSystem system, int? previousOrchestrator = null)
    {
        var dataSource = NpgsqlDataSource.Create(await system.ConnectionStringAsync(ResourceNames.Postgres));
        var broker = new Uri(await system.ConnectionStringAsync(ResourceNames.Messaging));
        var admin = new RabbitMqBrokerAdmin(broker, NullLogger<RabbitMqBrokerAdmin>.Instance);
        var roots = new Dictionary<string, int[]>();
        foreach (var resource in RunningSystem.Resources)
        {
            roots[resource] = await system.ProcessIdsOfAsync(resource);
        }
        var orchestrator = ProcessWatch.FindOrchestrator(previousOrchestrator);
        if (orchestrator is { } pid)
        {
            roots[ProcessWatch.Orchestrator] = [pid];
        }
        return new BenchSession(system, dataSource, broker, admin, orchestrator, roots);
    }

    // Each consuming service's own account of itself (queues, dead letters, status), through the gateway.
    public async Task<Dictionary<string, ServiceState>> StateAsync()
    {
        var states = new Dictionary<string, ServiceState>();
        foreach (var service in ConsumingServices)
        {
            states[service] = (await System.Gateway.GetFromJsonAsync<ServiceState>($"/api/system/{service}"))!;
        }
        return states;
    }

    public async ValueTask DisposeAsync()
    {
        await Admin.DisposeAsync();
        await _dataSource.DisposeAsync();
    }
}

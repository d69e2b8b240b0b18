using System.Diagnostics;
using System.Net.Http.Json;
using ConnectorHealth.Contracts;
using ConnectorHealth.Operations.SystemStatus;
using ConnectorHealth.ServiceDefaults;
using MassTransit;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;

namespace ConnectorHealth.IntegrationTests.Infrastructure;

/// <summary>
/// Replicas of a service's real Program (<see cref="ServiceHost{TEntry}"/>) sharing a fresh database and a virtual host of
/// the test broker of their own: two such set-ups (one replica as the oracle, several as the system under test) take
/// the same messages side by side without taking each other's.
/// </summary>
internal sealed class ServiceReplicas<TEntry> : IAsyncDisposable where TEntry : class
{
    private ServiceReplicas(List<ServiceHost<TEntry>> hosts, NpgsqlDataSource database)
    {
        Hosts = hosts;
        Database = database;
    }

    public IReadOnlyList<ServiceHost<TEntry>> Hosts { get; }

    public NpgsqlDataSource Database { get; }

    /// <summary>Publishes through the first replica's bus (to this set-up's virtual host only).</summary>
    public IBus Bus => Hosts[0].Services.GetRequiredService<IBus>();

    /// <summary>
    /// Starts <paramref name="count"/> replicas on a new database and virtual host named after <paramref name="name"/>,
    /// and waits until each of them consumes <paramref name="queue"/>.
    /// </summary>
    public static async Task<ServiceReplicas<TEntry>> StartAsync(
        RabbitMQServer rabbit, PostgresServer postgres, string name, int count, string service, string queue,
        params (string Key, string Value)[] settings)
    {
        var connectionString = await postgres.CreateDatabaseConnectionStringAsync(name);
        var broker = await rabbit.AddVirtualHostAsync($"{name}-{Guid.NewGuid():N}");
        var hosts = Enumerable.Range(0, count).Select(_ => new ServiceHost<TEntry>(connectionString, broker, settings)).ToList();
        var replicas = new ServiceReplicas<TEntry>(hosts, NpgsqlDataSource.Create(connectionString));
        try
        {
            // Each start migrates (under the migrator's advisory lock) and starts the bus before it returns.
            await Task.WhenAll(hosts.Select(host => Task.Run(() => _ = host.Services)));
            using var client = hosts[0].CreateClient();
            await Poll.UntilAsync(async () =>
            {
                var state = await client.GetFromJsonAsync<ServiceState>($"/api/system/{service}");
                return state!.Queues.Any(q => q.Name == queue && q.Consumers == count);
            }, $"{count} replicas of {service} consuming {queue}");
        }
        catch
        {
            await replicas.DisposeAsync();
            throw;
        }
        return replicas;
    }

    /// <summary>
    /// Publishes a run in a trace whose id is the run's id (the runner's span is a run's root), so whichever copy of a
    /// run a service keeps, and on whichever set-up, it links the same trace.
    /// </summary>
    public async Task PublishInItsTraceAsync(RunCompleted run)
    {
        var trace = new ActivityContext(ActivityTraceId.CreateFromString(run.RunId.ToString("N")), ActivitySpanId.CreateRandom(), ActivityTraceFlags.Recorded);
        using var activity = Telemetry.ActivitySource.StartActivity($"run {run.Connector}", ActivityKind.Producer, trace);
        await Bus.Publish(run);
    }

    /// <summary>
    /// Waits until no message waits in <paramref name="queue"/> nor is held by any replica, then asserts that none was set
    /// aside in an error queue.
    /// </summary>
    public async Task DrainedAsync(string service, string queue)
    {
        var clients = Hosts.Select(host => host.CreateClient()).ToList();
        try
        {
            List<ServiceState> states = [];
            await Poll.UntilAsync(async () =>
            {
                states = [.. await Task.WhenAll(clients.Select(async c => (await c.GetFromJsonAsync<ServiceState>($"/api/system/{service}"))!))];
                return states.All(s => s.Queues.Any(q => q.Name == queue && q.Messages == 0 && q.InFlight == 0));
            }, () => $"{queue} drained on every replica (in flight: {string.Join(", ", states.Select(s => s.Queues.FirstOrDefault(q => q.Name == queue)?.InFlight))})");
            Assert.All(states[0].DeadLetters, d => Assert.True(d.Count == 0, $"{d.Name} holds {d.Count} messages"));
        }
        finally
        {
            clients.ForEach(c => c.Dispose());
        }
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var host in Hosts)
        {
            await host.DisposeAsync();
        }
        await Database.DisposeAsync();
    }
}

/// <summary>One replica of a service (the oracle) and several (the system under test), each set-up on its own database and virtual host.</summary>
internal sealed class OracleAndReplicas<TEntry>(ServiceReplicas<TEntry> oracle, ServiceReplicas<TEntry> replicas) : IAsyncDisposable
    where TEntry : class
{
    public ServiceReplicas<TEntry> Oracle { get; } = oracle;

    public ServiceReplicas<TEntry> Replicas { get; } = replicas;

    /// <summary>Starts both set-ups side by side; <paramref name="settings"/> gives each its own settings (the oracle's first).</summary>
    public static async Task<OracleAndReplicas<TEntry>> StartAsync(
        RabbitMQServer rabbit, PostgresServer postgres, string name, int replicas, string service, string queue,
        Func<bool, (string Key, string Value)[]> settings)
    {
        var starting = new[]
        {
            ServiceReplicas<TEntry>.StartAsync(rabbit, postgres, $"{name}_oracle", 1, service, queue, settings(true)),
            ServiceReplicas<TEntry>.StartAsync(rabbit, postgres, $"{name}_replicas", replicas, service, queue, settings(false)),
        };
        try
        {
            await Task.WhenAll(starting);
        }
        catch
        {
            foreach (var started in starting.Where(t => t.IsCompletedSuccessfully))
            {
                await started.Result.DisposeAsync();
            }
            throw;
        }
        return new OracleAndReplicas<TEntry>(starting[0].Result, starting[1].Result);
    }

    public async ValueTask DisposeAsync()
    {
        await Oracle.DisposeAsync();
        await Replicas.DisposeAsync();
    }
}

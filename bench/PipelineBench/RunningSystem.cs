using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using ConnectorHealth.ServiceDefaults;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace ConnectorHealth.PipelineBench;

/// <summary>
/// The whole AppHost in local mode (the machine's PostgreSQL and RabbitMQ as processes), on free ports with a fresh data
/// directory, as the end-to-end tests start it, optionally changed before it starts (more replicas of a service); it
/// records how long each resource took to become healthy.
/// </summary>
internal sealed class RunningSystem : IAsyncDisposable
{
    public static readonly string[] Resources =
    [
        ResourceNames.Postgres, ResourceNames.MessagingEpmd, ResourceNames.Messaging, ResourceNames.Metrics, ResourceNames.Drift,
        ResourceNames.Alerting, ResourceNames.Runner, ResourceNames.Gateway, ResourceNames.WebUi,
    ];

    private static readonly TimeSpan StartLimit = TimeSpan.FromMinutes(5);

    // The gateway's operator key for this run (an AppHost parameter); sent with every call to the gateway.
    private static readonly string OperatorKey = "bench-" + Guid.NewGuid().ToString("N");

    private readonly string _dataDirectory;

    private RunningSystem(string dataDirectory, DistributedApplication app, IReadOnlyDictionary<string, TimeSpan> healthyAfter)
    {
        _dataDirectory = dataDirectory;
        App = app;
        HealthyAfter = healthyAfter;
        Gateway = app.CreateHttpClient(ResourceNames.Gateway);
        Gateway.DefaultRequestHeaders.Add(ApiKeyHeader.Name, OperatorKey);
    }

    public DistributedApplication App { get; }

    public HttpClient Gateway { get; }

    /// <summary>The operator key, for clients of the bench's own that call the gateway.</summary>
    public string ApiKey => OperatorKey;

    /// <summary>Time from the start of the AppHost to each resource's first healthy state.</summary>
    public IReadOnlyDictionary<string, TimeSpan> HealthyAfter { get; }

    /// <summary>Sets environment variables on every project resource (the services, the gateway, the web UI).</summary>
    public static Action<IDistributedApplicationTestingBuilder> WithEnvironment(IReadOnlyDictionary<string, string> variables) => builder =>
    {
        foreach (var project in builder.Resources.OfType<ProjectResource>())
        {
            var resource = builder.CreateResourceBuilder(project);
            foreach (var (name, value) in variables)
            {
                resource.WithEnvironment(name, value);
            }
        }
    };

    /// <summary>Runs each named project resource as that many replicas.</summary>
    public static Action<IDistributedApplicationTestingBuilder> WithReplicas(int replicas, IEnumerable<string> projects) => builder =>
    {
        foreach (var name in projects)
        {
            builder.CreateResourceBuilder(builder.Resources.OfType<ProjectResource>().Single(r => r.Name == name)).WithReplicas(replicas);
        }
    };

    public static async Task<RunningSystem> StartAsync(Action<string> say, Action<IDistributedApplicationTestingBuilder>? configure = null)
    {
        var dataDirectory = Path.Combine(Path.GetTempPath(), $"connectorhealth-pipelinebench-{Guid.NewGuid():N}");
        // Under /tmp rather than a private temp folder: as root, PostgreSQL runs as the postgres user, who must reach it.
        Directory.CreateDirectory(dataDirectory);
        var settings = new Dictionary<string, string>
        {
            ["Infrastructure:Mode"] = "local",
            ["Infrastructure:Local:DataDirectory"] = dataDirectory,
            ["Infrastructure:Local:PostgresPort"] = FreePort(),
            ["Infrastructure:Local:RabbitMQPort"] = FreePort(),
            ["Infrastructure:Local:RabbitMQDistPort"] = FreePort(),
            ["Infrastructure:Local:EpmdPort"] = FreePort(),
            ["Parameters:operator-api-key"] = OperatorKey,
            ["Parameters:viewer-api-key"] = "bench-viewer-" + Guid.NewGuid().ToString("N"),
        };

        using var limit = new CancellationTokenSource(StartLimit);
        var clock = Stopwatch.StartNew();
        var builder = await DistributedApplicationTestingBuilder.CreateAsync<Projects.AppHost>(
            [.. settings.Select(s => $"--{s.Key}={s.Value}")], limit.Token);
        // The bench prints its own progress: only the AppHost's warnings, without the health probes that fail until a resource is up.
        builder.Configuration["Logging:LogLevel:Default"] = "Warning";
        builder.Configuration["Logging:LogLevel:Aspire.Hosting.Dcp"] = "Error";
        builder.Configuration["Logging:LogLevel:Microsoft.Extensions.Diagnostics.HealthChecks"] = "None";
        // The resources' own output (PostgreSQL and epmd write their routine lines to stderr, shown as errors).
        builder.Configuration["Logging:LogLevel:ConnectorHealth.AppHost.Resources"] = "None";
        configure?.Invoke(builder);
        var app = await builder.BuildAsync(limit.Token);

        var healthy = new Dictionary<string, TimeSpan>();
        async Task Healthy(string resource)
        {
            await app.ResourceNotifications.WaitForResourceHealthyAsync(resource, limit.Token);
            // A resource's health is that of any of its replicas: wait for every replica's process to run too.
            await ProcessIdsAsync(app, resource, limit.Token);
            lock (healthy)
            {
                healthy[resource] = clock.Elapsed;
            }
            say($"  {resource} healthy after {clock.Elapsed.TotalSeconds:N1} s");
        }
        // Watched from before the start, which itself waits for resources the AppHost orders with WaitFor.
        var waits = Resources.Select(Healthy).ToList();
        try
        {
            await app.StartAsync(limit.Token);
            await Task.WhenAll(waits);
        }
        catch (OperationCanceledException)
        {
            var waiting = Resources.Where(r => !healthy.ContainsKey(r)).ToList();
            await app.DisposeAsync();
            throw new TimeoutException($"Not healthy within {StartLimit.TotalMinutes:N0} min: {string.Join(", ", waiting)}.");
        }
        return new RunningSystem(dataDirectory, app, healthy);
    }

    public async Task<string> ConnectionStringAsync(string resource) =>
        await App.GetConnectionStringAsync(resource) ?? throw new InvalidOperationException($"{resource} has no connection string.");

    /// <summary>
    /// The processes the AppHost started for a resource, one per replica (their children, if any, belong to them too).
    /// Replicas are resource instances with names of their own (the resource's name with a suffix), each with its own state.
    /// </summary>
    public async Task<int[]> ProcessIdsOfAsync(string resource)
    {
        using var limit = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        return await ProcessIdsAsync(App, resource, limit.Token);
    }

    // The state stream begins with the current state of every instance, so this returns at once when all of them run.
    private static async Task<int[]> ProcessIdsAsync(DistributedApplication app, string resource, CancellationToken cancellationToken)
    {
        var replicas = app.Services.GetRequiredService<DistributedApplicationModel>().Resources.Single(r => r.Name == resource).GetReplicaCount();
        var running = new Dictionary<string, int>();
        await app.ResourceNotifications.WaitForResourceAsync(resource, e =>
        {
            if (ProcessIdIn(e) is { } pid && e.Snapshot.State?.Text == KnownResourceStates.Running)
            {
                running[e.ResourceId] = pid;
            }
            else
            {
                running.Remove(e.ResourceId);
            }
            return running.Values.Distinct().Count() >= replicas;
        }, cancellationToken);
        return [.. running.Values.Distinct()];
    }

    /// <summary>
    /// Restarts a resource with one replica (Aspire's restart command) and waits until its new process runs and answers
    /// its own /health. Returns the commands that failed on the way, if any.
    /// </summary>
    public async Task<IReadOnlyList<string>> RestartAsync(string resource, CancellationToken cancellationToken)
    {
        var before = await ProcessIdsAsync(App, resource, cancellationToken);
        bool IsNewProcess(ResourceEvent e) =>
            ProcessIdIn(e) is { } pid && !before.Contains(pid) && e.Snapshot.State?.Text == KnownResourceStates.Running;
        var commands = App.Services.GetRequiredService<ResourceCommandService>();
        var failures = new List<string>();
        while (true)
        {
            // The stop half of a restart can fail while the process is still shutting down (DCP gives up waiting for it),
            // leaving it running or stopped: then alternate restart and start until one takes, as the fault tests do.
            var command = failures.Count % 2 == 0 ? KnownResourceCommands.RestartCommand : KnownResourceCommands.StartCommand;
            var result = await commands.ExecuteCommandAsync(resource, command, cancellationToken);
            if (result.Success)
            {
                break;
            }
            failures.Add($"{command}: {result.Message}");
            using var settle = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            settle.CancelAfter(TimeSpan.FromSeconds(2));
            try
            {
                await App.ResourceNotifications.WaitForResourceAsync(resource, IsNewProcess, settle.Token);
                break;
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                // Still the old process, or none: try again.
            }
        }
        // The state stream begins with the current snapshot, which may still be the old process's: wait for a new pid.
        // Then its /health, asked directly rather than through Aspire's health monitor, which polls only every few seconds.
        await App.ResourceNotifications.WaitForResourceAsync(resource, IsNewProcess, cancellationToken);
        using var client = App.CreateHttpClient(resource);
        while (true)
        {
            try
            {
                using var response = await client.GetAsync("/health", cancellationToken);
                if (response.IsSuccessStatusCode)
                {
                    return failures;
                }
            }
            catch (HttpRequestException)
            {
                // Not listening yet.
            }
            await Task.Delay(TimeSpan.FromMilliseconds(200), cancellationToken);
        }
    }

    /// <summary>Environment variables the AppHost set on a resource's process whose names start with a prefix.</summary>
    public IReadOnlyDictionary<string, string?> EnvironmentOf(string resource, string prefix) =>
        App.ResourceNotifications.TryGetCurrentState(resource, out var resourceEvent)
            ? resourceEvent.Snapshot.EnvironmentVariables.Where(e => e.Name.StartsWith(prefix, StringComparison.Ordinal))
                .ToDictionary(e => e.Name, e => e.Value)
            : new Dictionary<string, string?>();

    private static int? ProcessIdIn(ResourceEvent resourceEvent) =>
        resourceEvent.Snapshot.Properties.SingleOrDefault(p => p.Name == "executable.pid") is { Value: { } pid }
            ? Convert.ToInt32(pid, CultureInfo.InvariantCulture)
            : null;

    public async ValueTask DisposeAsync()
    {
        Gateway.Dispose();
        await App.StopAsync();
        await App.DisposeAsync();
        try
        {
            Directory.Delete(_dataDirectory, recursive: true);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            // A server still closing its files: the folder is under /tmp and goes with it.
        }
    }

    private static string FreePort()
    {
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        return port.ToString(CultureInfo.InvariantCulture);
    }
}

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
/// directory, as the end-to-end tests start it; it records how long each resource took to become healthy.
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
        Gateway.DefaultRequestHeaders.Add("X-Api-Key", OperatorKey);
    }

    public DistributedApplication App { get; }

    public HttpClient Gateway { get; }

    /// <summary>Time from the start of the AppHost to each resource's first healthy state.</summary>
    public IReadOnlyDictionary<string, TimeSpan> HealthyAfter { get; }

    public static async Task<RunningSystem> StartAsync(Action<string> say)
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
        var app = await builder.BuildAsync(limit.Token);

        var healthy = new Dictionary<string, TimeSpan>();
        async Task Healthy(string resource)
        {
            await app.ResourceNotifications.WaitForResourceHealthyAsync(resource, limit.Token);
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

    /// <summary>The process the AppHost started for a resource (its children, if any, belong to it too).</summary>
    public int ProcessIdOf(string resource)
    {
        if (App.ResourceNotifications.TryGetCurrentState(resource, out var resourceEvent)
            && resourceEvent.Snapshot.Properties.SingleOrDefault(p => p.Name == "executable.pid") is { Value: { } pid })
        {
            return Convert.ToInt32(pid, CultureInfo.InvariantCulture);
        }
        throw new InvalidOperationException($"{resource} has no process id in its snapshot.");
    }

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

using System.Net;
using System.Net.Sockets;
using ConnectorHealth.ServiceDefaults;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace ConnectorHealth.EndToEndTests;

/// <summary>
/// Starts the whole AppHost once in local mode (the machine's PostgreSQL and RabbitMQ as processes) on free ports
/// with a throw-away data directory, so it runs beside a `make run` without touching it.
/// </summary>
public sealed class ConnectorHealthApp : IAsyncLifetime
{
    // Generous: on two busy cores PostgreSQL's initdb, RabbitMQ's boot and nine .NET processes share the machine.
    public static readonly TimeSpan StartTimeout = TimeSpan.FromMinutes(8);

    public static readonly string[] AllResources =
    [
        ResourceNames.Postgres, ResourceNames.MessagingEpmd, ResourceNames.Messaging,
        ResourceNames.Runner, ResourceNames.Metrics, ResourceNames.Drift, ResourceNames.Alerting,
        ResourceNames.Gateway, ResourceNames.WebUi,
    ];

    public string DataDirectory { get; } = NewDataDirectory();

    public LocalPorts Ports { get; } = LocalPorts.Free();

    public DistributedApplication App { get; private set; } = null!;

    public HttpClient Gateway { get; private set; } = null!;

    /// <summary>A third-party API stand-in that takes <see cref="HeldFor"/> to answer, behind the connector <see cref="HeldConnector"/>.</summary>
    public const string HeldConnector = "e2e_held_api";

    public static readonly TimeSpan HeldFor = TimeSpan.FromSeconds(4);

    private WebApplication? _thirdParty;

    public async Task InitializeAsync()
    {
        _thirdParty = await StartThirdPartyApiAsync();
        var address = _thirdParty.Services.GetRequiredService<Microsoft.AspNetCore.Hosting.Server.IServer>()
            .Features.Get<Microsoft.AspNetCore.Hosting.Server.Features.IServerAddressesFeature>()!.Addresses.First();
        var heldUrl = address + "/held";
        App = await StartAsync(DataDirectory, Ports, builder =>
        {
            var runner = builder.CreateResourceBuilder(builder.Resources.OfType<ProjectResource>().Single(r => r.Name == ResourceNames.Runner));
            var prefix = $"Runner__Connectors__{HeldConnector}__";
            runner.WithEnvironment(prefix + "Kind", "http")
                .WithEnvironment(prefix + "Enabled", "false")
                .WithEnvironment(prefix + "Interval", "01:00:00")
                .WithEnvironment(prefix + "Timeout", "00:00:30")
                .WithEnvironment(prefix + "Http__Url", heldUrl);
            AddViewerWebUi(builder);
        });
        using var started = new CancellationTokenSource(StartTimeout);
        await App.ResourceNotifications.WaitForResourceHealthyAsync(ViewerWebUi, started.Token);
        await App.ResourceNotifications.WaitForResourceHealthyAsync(UnreachableGatewayWebUi, started.Token);
        Gateway = GatewayClient(App);
    }

    /// <summary>A second web UI on the same gateway, configured with the viewer key: what a read-only user sees.</summary>
    public const string ViewerWebUi = "webui-viewer";

    // The same project as the AppHost's web UI, started as a second resource with the viewer key in place of the operator's.
    private static void AddViewerWebUi(IDistributedApplicationTestingBuilder builder)
    {
        var webUi = builder.Resources.OfType<ProjectResource>().Single(r => r.Name == ResourceNames.WebUi);
        var gateway = builder.CreateResourceBuilder(builder.Resources.OfType<ProjectResource>().Single(r => r.Name == ResourceNames.Gateway));
        var viewerKey = builder.CreateResourceBuilder(builder.Resources.OfType<ParameterResource>().Single(p => p.Name == "viewer-api-key"));
        builder.AddProject(ViewerWebUi, webUi.GetProjectMetadata().ProjectPath)
            .WithReference(gateway).WaitFor(gateway)
            .WithEnvironment("Gateway__ApiKey", viewerKey)
            .WithHttpHealthCheck("/health");
        // And one whose gateway is down: a closed port on this machine, found as service discovery would find the gateway.
        builder.AddProject(UnreachableGatewayWebUi, webUi.GetProjectMetadata().ProjectPath)
            .WithEnvironment($"services__{ResourceNames.Gateway}__http__0", "http://127.0.0.1:" + ClosedPort().ToString(System.Globalization.CultureInfo.InvariantCulture))
            .WithEnvironment("Gateway__ApiKey", viewerKey)
            .WithHttpHealthCheck("/health");
    }

    /// <summary>A web UI whose gateway does not answer: what a user sees during a gateway outage.</summary>
    public const string UnreachableGatewayWebUi = "webui-no-gateway";

    private static int ClosedPort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    /// <summary>A client of the gateway that sends the operator key (or the one given).</summary>
    public static HttpClient GatewayClient(DistributedApplication app, string? key = null)
    {
        var client = app.CreateHttpClient(ResourceNames.Gateway);
        if ((key ?? OperatorKey) is { Length: > 0 } apiKey)
        {
            client.DefaultRequestHeaders.Add(ApiKeyHeader.Name, apiKey);
        }
        return client;
    }

    /// <summary>The API keys this system runs with (the AppHost's parameters, set for the tests).</summary>
    public static readonly string OperatorKey = "op-" + Guid.NewGuid().ToString("N");

    public static readonly string ViewerKey = "view-" + Guid.NewGuid().ToString("N");

    public static readonly string ReporterKey = "report-" + Guid.NewGuid().ToString("N");

    private static async Task<WebApplication> StartThirdPartyApiAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        var app = builder.Build();
        app.MapGet("/held", async (CancellationToken ct) =>
        {
            await Task.Delay(HeldFor, ct);
            return Results.Json(new { held = true });
        });
        await app.StartAsync();
        return app;
    }

    public async Task DisposeAsync()
    {
        if (_thirdParty is not null)
        {
            await _thirdParty.DisposeAsync();
        }
        Gateway?.Dispose();
        if (App is not null)
        {
            await App.StopAsync();
            await App.DisposeAsync();
        }
        DeleteDataDirectory(DataDirectory);
    }

    public Task<string?> DatabaseConnectionStringAsync() =>
        App.GetConnectionStringAsync(ResourceNames.Postgres).AsTask();

    /// <summary>The AppHost in local mode (PostgreSQL and RabbitMQ as this machine's processes) on the given ports.</summary>
    public static Task<DistributedApplication> StartAsync(
        string dataDirectory, LocalPorts ports, Action<IDistributedApplicationTestingBuilder>? configure = null) =>
        StartAsync(
            [
                "--Infrastructure:Mode=local",
                $"--Infrastructure:Local:DataDirectory={dataDirectory}",
                $"--Infrastructure:Local:PostgresPort={ports.Postgres}",
                $"--Infrastructure:Local:RabbitMQPort={ports.RabbitMQ}",
                $"--Infrastructure:Local:RabbitMQDistPort={ports.RabbitMQDist}",
                $"--Infrastructure:Local:EpmdPort={ports.Epmd}",
            ],
            AllResources, configure);

    /// <summary>
    /// The AppHost with the given settings (an infrastructure mode and what it needs) and this system's API keys,
    /// started and waited for until each of <paramref name="resources"/> is healthy.
    /// </summary>
    public static async Task<DistributedApplication> StartAsync(
        IReadOnlyList<string> settings, IReadOnlyList<string> resources, Action<IDistributedApplicationTestingBuilder>? configure = null)
    {
        using var cts = new CancellationTokenSource(StartTimeout);
        var builder = await DistributedApplicationTestingBuilder.CreateAsync<Projects.AppHost>(
            [
                .. settings,
                $"--Parameters:operator-api-key={OperatorKey}",
                $"--Parameters:viewer-api-key={ViewerKey}",
                $"--Parameters:reporter-api-key={ReporterKey}",
            ],
            cts.Token);
        configure?.Invoke(builder);
        builder.Services.AddLogging(logging => logging
            .SetMinimumLevel(LogLevel.Warning)
            .AddFilter("Aspire.Hosting.Dcp", LogLevel.Error));

        var app = await builder.BuildAsync(cts.Token);
        try
        {
            await app.StartAsync(cts.Token);
            await Task.WhenAll(resources.Select(name => app.ResourceNotifications.WaitForResourceHealthyAsync(name, cts.Token)));
        }
        catch (OperationCanceledException)
        {
            var states = resources.Select(name => app.ResourceNotifications.TryGetCurrentState(name, out var e)
                ? $"{name}: {e.Snapshot.State?.Text} / {e.Snapshot.HealthStatus}"
                : $"{name}: unknown");
            await app.DisposeAsync();
            throw new TimeoutException($"Not every resource was healthy within {StartTimeout}: {string.Join("; ", states)}");
        }
        return app;
    }

    /// <summary>A directory the postgres system user can reach when the tests run as root (unlike a 0700 temp dir).</summary>
    public static string NewDataDirectory()
    {
        var path = Path.Combine(Path.GetTempPath(), $"connectorhealth-tests-{Guid.NewGuid():N}");
        Directory.CreateDirectory(path);
        return path;
    }

    public static void DeleteDataDirectory(string path)
    {
        try
        {
            Directory.Delete(path, recursive: true);
        }
        catch (IOException)
        {
            // A process still closing its files; the directory is under /tmp and is cleaned with it.
        }
        catch (UnauthorizedAccessException)
        {
        }
    }
}

public sealed record LocalPorts(int Postgres, int RabbitMQ, int RabbitMQDist, int Epmd)
{
    // Below Linux's ephemeral range (32768-60999 by default): a port the kernel hands out for port 0 is also one it
    // hands to outgoing connections, so with two systems on the machine another one's client socket could hold it
    // when this system (re)starts its servers on it.
    private const int FirstPort = 20_000;
    private const int LastPort = 32_767;

    public static LocalPorts Free()
    {
        var ports = new List<int>();
        while (ports.Count < 4)
        {
            var port = Random.Shared.Next(FirstPort, LastPort + 1);
            if (!ports.Contains(port) && FreePorts.IsFree(port))
            {
                ports.Add(port);
            }
        }
        return new LocalPorts(ports[0], ports[1], ports[2], ports[3]);
    }

    public IEnumerable<int> All => [Postgres, RabbitMQ, RabbitMQDist, Epmd];
}

[CollectionDefinition(Name)]
public sealed class SystemCollection : ICollectionFixture<ConnectorHealthApp>
{
    public const string Name = "running system";
}

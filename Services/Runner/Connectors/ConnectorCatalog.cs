using System.Collections.Concurrent;
using System.Collections.Frozen;
using Microsoft.Extensions.Options;

namespace ConnectorHealth.Runner.Connectors;

/// <summary>The last run the runner knows of for a connector.</summary>
public sealed record LastRun(Guid RunId, string Status, DateTimeOffset StartedAt, DateTimeOffset FinishedAt, string? ErrorType);

/// <summary>One configured connector with its schedule, its seeded randomness and the lock that keeps its runs apart.</summary>
public sealed class CatalogEntry(string name, ConnectorOptions options, int seed)
{
    public string Name { get; } = name;
    public ConnectorOptions Options { get; } = options;
    public ConnectorSchedule Schedule { get; } = ConnectorSchedule.For(options);

    /// <summary>Used by one run at a time (runs of a connector never overlap), so no locking of its own.</summary>
    public Random Random { get; } = new(seed);

    /// <summary>Held for the whole of a run: a connector never runs twice at once.</summary>
    public SemaphoreSlim RunLock { get; } = new(1, 1);

    public bool IsRunning => RunLock.CurrentCount == 0;

    /// <summary>Makes taking <see cref="RunLock"/> and setting <see cref="UnderWay"/> one step for run-now.</summary>
    public Lock StartGate { get; } = new();

    /// <summary>
    /// The id of the run under way (once known: a run-now learns it from the replicas' shared claim), set under
    /// <see cref="StartGate"/> by whoever holds <see cref="RunLock"/>: what a refused run-now points at.
    /// </summary>
    public Task<Guid?>? UnderWay { get; set; }

    public LastRun? LastRun { get; set; }

    public DateTimeOffset? NextRunAt { get; set; }
}

/// <summary>The configured connectors, and how to make each one's implementation.</summary>
public sealed class ConnectorCatalog
{
    public const string HttpClientName = "connectors";

    private readonly FrozenDictionary<string, CatalogEntry> _entries;
    private readonly IHttpClientFactory _httpClients;

    public ConnectorCatalog(IOptions<RunnerOptions> options, IHttpClientFactory httpClients)
    {
        _httpClients = httpClients;
        var seed = options.Value.Seed ?? Random.Shared.Next();
        _entries = options.Value.Connectors.ToFrozenDictionary(
            c => c.Key,
            c => new CatalogEntry(c.Key, c.Value, SeedFor(seed, c.Key)),
            StringComparer.Ordinal);
    }

    public IEnumerable<CatalogEntry> Entries => _entries.Values.OrderBy(e => e.Name, StringComparer.Ordinal);

    public CatalogEntry? Find(string name) => _entries.GetValueOrDefault(name);

    public IConnector Create(CatalogEntry entry) => Create(entry.Options, _httpClients);

    public static IConnector Create(ConnectorOptions options, IHttpClientFactory? httpClients = null) => options.Kind switch
    {
        ConnectorKinds.GoodApi => new GoodApiConnector(),
        ConnectorKinds.RateLimitedApi => new RateLimitedApiConnector(),
        ConnectorKinds.SchemaChanger => new SchemaChangerConnector(),
        ConnectorKinds.FlakyApi => new FlakyApiConnector(),
        ConnectorKinds.SlowApi => new SlowApiConnector(),
        ConnectorKinds.AuthFailingApi => new AuthFailingApiConnector(),
        ConnectorKinds.NestedTypesApi => new NestedTypesApiConnector(),
        ConnectorKinds.NullingFieldApi => new NullingFieldApiConnector(),
        ConnectorKinds.Http => new HttpConnector(
            (httpClients ?? throw new InvalidOperationException("HTTP connectors need an HttpClient factory.")).CreateClient(HttpClientName),
            options.Http!),
        var kind => throw new InvalidOperationException($"Connector kind '{kind}' is not known."),
    };

    /// <summary>Each connector gets its own stream of randomness, stable for a given seed whatever the catalog's order.</summary>
    private static int SeedFor(int seed, string connector)
    {
        var hash = 17;
        foreach (var c in connector)
        {
            hash = unchecked(hash * 31 + c);
        }
        return seed ^ hash;
    }
}

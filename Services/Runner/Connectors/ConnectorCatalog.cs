using System.Collections.Concurrent;
using System.Threading.Channels;
using ConnectorHealth.Runner.Connectors.Simulated;
using ConnectorHealth.ServiceDefaults;
using Microsoft.Extensions.Options;

namespace ConnectorHealth.Runner.Connectors;

/// <summary>
/// The connectors this replica knows, as <see cref="ConnectorCatalogSync"/> last read them from <c>runner.connectors</c>,
/// and how to make each one's implementation. Each change is told to the scheduler through <see cref="Changes"/>.
/// </summary>
public sealed class ConnectorCatalog : IMeasuredCache
{
    public const string HttpClientName = "connectors";

    private readonly ConcurrentDictionary<string, CatalogEntry> _entries = new(StringComparer.Ordinal);
    private readonly Channel<string> _changes = Channel.CreateUnbounded<string>(new UnboundedChannelOptions { SingleReader = true });
    private readonly TaskCompletionSource _loaded = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly IHttpClientFactory _httpClients;
    private readonly int _seed;

    public ConnectorCatalog(IOptions<RunnerOptions> options, IHttpClientFactory httpClients)
    {
        _httpClients = httpClients;
        _seed = options.Value.Seed ?? Random.Shared.Next();
    }

    public IEnumerable<CatalogEntry> Entries => _entries.Values.OrderBy(e => e.Name, StringComparer.Ordinal);

    public int Count => _entries.Count;

    string IMeasuredCache.CacheName => "runner.connector-catalog";

    long IMeasuredCache.Entries => _entries.Count;

    /// <summary>One entry per connector: bounded by the connectors, not by a count.</summary>
    long? IMeasuredCache.Capacity => null;

    public CatalogEntry? Find(string name) => _entries.GetValueOrDefault(name);

    /// <summary>Done once the catalog has been read from the database the first time.</summary>
    public Task Loaded => _loaded.Task;

    /// <summary>Names of connectors added, changed or removed, for the scheduler.</summary>
    internal ChannelReader<string> Changes => _changes.Reader;

    /// <summary>Takes a stored connector in, unless this revision is already held.</summary>
    internal void Apply(StoredConnector stored)
    {
        var previous = Find(stored.Name);
        if (previous?.Revision == stored.Revision)
        {
            return;
        }
        _entries[stored.Name] = new CatalogEntry(stored, SeedFor(_seed, stored.Name), previous);
        _changes.Writer.TryWrite(stored.Name);
    }

    internal void Remove(string name)
    {
        if (_entries.TryRemove(name, out _))
        {
            _changes.Writer.TryWrite(name);
        }
    }

    internal void MarkLoaded() => _loaded.TrySetResult();

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

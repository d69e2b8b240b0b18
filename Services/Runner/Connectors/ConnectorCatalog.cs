using System.Collections.Frozen;
using ConnectorHealth.Runner.Connectors.Simulated;
using Microsoft.Extensions.Options;

namespace ConnectorHealth.Runner.Connectors;

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
